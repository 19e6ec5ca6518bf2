import { basename, extname } from 'node:path';
import { integerKey } from './integer-key.js';
import { parseClfLine } from './parse-clf-line.js';
import type { TraceFormat } from './trace-format.js';

/** The outcome of {@link detectFormat}: the format and the rule that chose it, for messages. */
export interface DetectedFormat {
  readonly format: TraceFormat;
  /** Which rule matched, for example `path has a 'lirs' folder`. */
  readonly reason: string;
}

const SAMPLE_LINES = 50;

/**
 * Guesses a trace's format from its path and its first decompressed bytes. Rules, first match wins
 * (names compared case-insensitively, after dropping a `.gz` or `.xz` suffix):
 *
 * 1. The file name ends in `.lirs`, `.i32`, `.i64`, `.clf` or `.log`: that format (`.log` is `clf`).
 * 2. A folder in the path is named `lirs`, `cache2k` (i32) or `corda` (i64), as in the shared traces.
 * 3. The file name contains `access` (`access.log`, `access_log`): `clf`.
 * 4. The content is text (no NUL byte in the sample): `clf` when at least 80% of the first 50
 *    non-blank lines parse as Common/Combined Log Format, `lirs` when every one of them is a decimal
 *    integer or `*`, `lines` otherwise.
 * 5. The content is binary: `i64` when every other 32-bit word is 0 or -1 (small 64-bit keys),
 *    `i32` when most 32-bit words are below 2^24 in magnitude (small 32-bit keys), else `i64`
 *    (keys that look like 64-bit hashes). Pass `--format` when this guess is wrong.
 *
 * @param path - the file path as given by the user.
 * @param sample - the first bytes of the decompressed content (64 KiB is plenty).
 */
export function detectFormat(path: string, sample: Uint8Array): DetectedFormat {
  const byName = detectByName(path);
  if (byName !== undefined) return byName;
  return isBinary(sample) ? detectBinary(sample) : detectText(sample);
}

function detectByName(path: string): DetectedFormat | undefined {
  const plain = path.replace(/\.(gz|xz)$/i, '');
  const ext = extname(plain).toLowerCase();
  const byExt: Record<string, TraceFormat> = {
    '.lirs': 'lirs',
    '.i32': 'i32',
    '.i64': 'i64',
    '.clf': 'clf',
    '.log': 'clf',
  };
  const extFormat = byExt[ext];
  if (extFormat !== undefined) return { format: extFormat, reason: `file name ends in '${ext}'` };
  const folders = plain
    .split(/[\\/]/)
    .slice(0, -1)
    .map((part) => part.toLowerCase());
  const byFolder: Record<string, TraceFormat> = { lirs: 'lirs', cache2k: 'i32', corda: 'i64' };
  for (const folder of folders.reverse()) {
    const format = byFolder[folder];
    if (format !== undefined) return { format, reason: `path has a '${folder}' folder` };
  }
  if (basename(plain).toLowerCase().includes('access')) {
    return { format: 'clf', reason: "file name contains 'access'" };
  }
  return undefined;
}

function isBinary(sample: Uint8Array): boolean {
  return sample.includes(0);
}

function detectText(sample: Uint8Array): DetectedFormat {
  const text = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength).toString('utf8');
  const lines = text.split('\n');
  // The last line may be cut off by the sample's end; judge only whole lines when there are some.
  if (lines.length > 1) lines.pop();
  const sampled = lines
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '')
    .slice(0, SAMPLE_LINES);
  if (sampled.length === 0) return { format: 'lines', reason: 'empty text' };
  const clf = sampled.filter((line) => parseClfLine(line) !== undefined).length;
  if (clf >= 0.8 * sampled.length) return { format: 'clf', reason: 'content looks like an access log' };
  const numeric = sampled.every((line) => line.trim() === '*' || integerKey(line.trim()) !== undefined);
  if (numeric) return { format: 'lirs', reason: 'content is one integer per line' };
  return { format: 'lines', reason: 'content is text, one key per line' };
}

function detectBinary(sample: Uint8Array): DetectedFormat {
  const view = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  const words = Math.floor(sample.byteLength / 4);
  let highWordsSmall = true;
  let small = 0;
  for (let i = 0; i < words; i++) {
    const word = view.getInt32(i * 4);
    if (i % 2 === 0 && word !== 0 && word !== -1) highWordsSmall = false;
    if (Math.abs(word) < 2 ** 24) small++;
  }
  if (words >= 2 && highWordsSmall) return { format: 'i64', reason: 'binary, small 64-bit keys' };
  if (small >= 0.9 * words) return { format: 'i32', reason: 'binary, small 32-bit keys' };
  return { format: 'i64', reason: 'binary, keys look like 64-bit hashes' };
}
