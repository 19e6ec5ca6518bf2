import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SimError } from '../sim-error.js';

/** How a trace file is compressed, as told by its first bytes (not its name). */
export type Compression = 'none' | 'gzip' | 'xz';

/** An opened trace file: its decompressed bytes as a stream of chunks. */
export interface TraceInput {
  /** The compression found from the file's magic bytes. */
  readonly compression: Compression;
  /** The size of the file on disk, in bytes (compressed). */
  readonly size: number;
  /** The decompressed bytes. Iterate once; breaking off early closes the file and any `xz` process. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** Options for {@link openInput}. */
export interface OpenInputOptions {
  /** Called as the file is read, with the bytes read so far and the file size (both compressed). */
  readonly onBytes?: (read: number, total: number) => void;
  /** The `xz` executable to spawn for `.xz` input. @default 'xz' */
  readonly xzCommand?: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

/**
 * Opens a trace file for streaming, decompressing gzip in process (node:zlib) and xz by spawning
 * `xz -dc`. Compression is recognised by magic bytes, so a misnamed file still reads.
 *
 * @throws {@link SimError} when the file cannot be read; the stream fails with a SimError when `xz`
 *   is needed but not installed, or when the data is corrupt.
 */
export async function openInput(path: string, options: OpenInputOptions = {}): Promise<TraceInput> {
  const { size, head } = await readHead(path);
  const compression: Compression = startsWith(head, XZ_MAGIC)
    ? 'xz'
    : startsWith(head, GZIP_MAGIC)
      ? 'gzip'
      : 'none';
  const xzCommand = options.xzCommand ?? 'xz';
  const onBytes = options.onBytes;
  return {
    compression,
    size,
    chunks: {
      [Symbol.asyncIterator]: () => decompressed(path, compression, size, xzCommand, onBytes),
    },
  };
}

async function readHead(path: string): Promise<{ size: number; head: Buffer }> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new SimError(`cannot read trace '${path}': it is a directory`);
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    return { size: stat.size, head: head.subarray(0, bytesRead) };
  } catch (error) {
    throw fileError(path, error);
  } finally {
    await handle?.close();
  }
}

function fileError(path: string, error: unknown): Error {
  if (error instanceof SimError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new SimError(`cannot read trace '${path}': no such file`);
  if (code === 'EACCES') return new SimError(`cannot read trace '${path}': permission denied`);
  if (code === 'EISDIR') return new SimError(`cannot read trace '${path}': it is a directory`);
  return new SimError(`cannot read trace '${path}': ${(error as Error).message}`);
}

function startsWith(buf: Buffer, magic: readonly number[]): boolean {
  return buf.length >= magic.length && magic.every((byte, i) => buf[i] === byte);
}

async function* decompressed(
  path: string,
  compression: Compression,
  size: number,
  xzCommand: string,
  onBytes: ((read: number, total: number) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: 1 << 16 });
  if (onBytes !== undefined) {
    let read = 0;
    file.on('data', (chunk) => {
      read += chunk.length;
      onBytes(read, size);
    });
  }
  if (compression === 'none') {
    try {
      for await (const chunk of file) yield chunk as Buffer;
    } catch (error) {
      throw fileError(path, error);
    }
    return;
  }
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    file.on('error', (error) => gunzip.destroy(fileError(path, error)));
    file.pipe(gunzip);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      if (error instanceof SimError) throw error;
      throw new SimError(`cannot read trace '${path}': bad gzip data (${(error as Error).message})`);
    } finally {
      file.destroy();
      gunzip.destroy();
    }
    return;
  }
  yield* xzDecompressed(path, file, xzCommand);
}

async function* xzDecompressed(path: string, file: Readable, xzCommand: string): AsyncGenerator<Uint8Array> {
  const child = spawn(xzCommand, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let spawnFailed = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 2000) stderr += text;
  });
  // A failed spawn or an early exit makes writes to stdin fail with EPIPE; the exit status below
  // reports the real cause, so these are only swallowed here.
  child.stdin.on('error', () => {});
  file.on('error', (error) => child.stdout.destroy(fileError(path, error)));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnFailed = true;
      child.stdout.destroy();
      reject(
        error.code === 'ENOENT'
          ? new SimError(
              `cannot read '${path}': it is xz-compressed and the '${xzCommand}' command was not found (install xz-utils, or decompress it first with another tool)`,
            )
          : new SimError(`cannot run '${xzCommand}' to read '${path}': ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const detail = stderr.trim().split('\n')[0] ?? '';
        reject(
          new SimError(
            `cannot read trace '${path}': xz failed (${signal ?? `exit code ${code}`})${detail ? `: ${detail}` : ''}`,
          ),
        );
      }
    });
  });
  // Keeps an unobserved rejection from crashing the process while the consumer is still reading.
  exited.catch(() => {});
  file.pipe(child.stdin);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    await exited;
    finished = true;
  } catch (error) {
    // A failed spawn surfaces here as a closed stdout; the spawn error says what really happened.
    if (spawnFailed) await exited;
    throw error;
  } finally {
    if (!finished) {
      file.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  }
}
