import type { Trace } from '../trace.js';
import type { DetectedFormat } from './detect-format.js';
import { detectFormat } from './detect-format.js';
import { openInput } from './open-input.js';
import type { ParsedKeys } from './parsed-keys.js';
import { readClf } from './read-clf.js';
import { readI32 } from './read-i32.js';
import { readI64 } from './read-i64.js';
import { readLines } from './read-lines.js';
import { readLirs } from './read-lirs.js';
import type { TraceFormat } from './trace-format.js';
import { traceName } from './trace-name.js';

/** Options for {@link readTrace}. */
export interface ReadTraceOptions {
  /** The format to parse; `'auto'` guesses it with {@link detectFormat}. @default 'auto' */
  readonly format?: TraceFormat | 'auto';
  /** The display name. @default the file's base name without suffixes (see {@link traceName}) */
  readonly name?: string;
  /** Progress while reading: compressed bytes read so far and the file size. */
  readonly onBytes?: (read: number, total: number) => void;
  /** The `xz` executable used for xz-compressed input. @default 'xz' */
  readonly xzCommand?: string;
}

/** A {@link Trace} read from a file, with how its format was chosen. */
export interface FileTrace extends Trace {
  /** Why the format was chosen: `'given'`, or the auto-detection rule that matched. */
  readonly formatReason: string;
}

const SNIFF_BYTES = 1 << 16;

const READERS: Record<TraceFormat, (source: AsyncIterable<Uint8Array>) => Promise<ParsedKeys>> = {
  lirs: readLirs,
  i32: readI32,
  i64: readI64,
  lines: readLines,
  clf: readClf,
};

/**
 * Reads a whole trace file into memory as keys, streaming it: the text is never held whole, only
 * the key array. gzip and xz input is recognised by its magic bytes and decompressed on the way.
 *
 * @param path - the trace file.
 * @throws {@link SimError} for a missing or unreadable file, corrupt compressed data, or a missing `xz`.
 */
export async function readTrace(path: string, options: ReadTraceOptions = {}): Promise<FileTrace> {
  const input = await openInput(path, {
    ...(options.onBytes === undefined ? {} : { onBytes: options.onBytes }),
    ...(options.xzCommand === undefined ? {} : { xzCommand: options.xzCommand }),
  });
  const iterator = input.chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  const format = options.format ?? 'auto';
  let detected: DetectedFormat;
  if (format === 'auto') {
    while (headBytes < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done === true) {
        done = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
    detected = detectFormat(path, Buffer.concat(head).subarray(0, SNIFF_BYTES));
  } else {
    detected = { format, reason: 'given' };
  }
  const source: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield* head;
      if (done) return;
      // Hand on the same iterator so that a reader that stops early still closes the input.
      yield* { [Symbol.asyncIterator]: () => iterator };
    },
  };
  const parsed = await READERS[detected.format](source);
  return {
    name: options.name ?? traceName(path),
    source: path,
    format: detected.format,
    formatReason: detected.reason,
    keys: parsed.keys,
    uniqueKeys: new Set(parsed.keys).size,
    malformed: parsed.malformed,
    malformedSamples: parsed.malformedSamples,
  };
}
