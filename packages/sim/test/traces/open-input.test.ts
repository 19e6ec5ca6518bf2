import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim-error.js';
import { openInput } from '../../src/traces/open-input.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { tempDir, writeAllCompressions } from '../support/fixtures.js';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('openInput', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: { plain: string; gz: string; xz: string };
  const content = `${Array.from({ length: 50_000 }, (_, i) => i % 977).join('\n')}\n`;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    files = await writeAllCompressions(dir, 'big.trace', content);
  });
  afterAll(() => cleanup());

  it('recognises compression by magic bytes and streams the decompressed bytes', async () => {
    for (const [file, compression] of [
      [files.plain, 'none'],
      [files.gz, 'gzip'],
      [files.xz, 'xz'],
    ] as const) {
      const input = await openInput(file);
      expect(input.compression).toBe(compression);
      expect(await collect(input.chunks)).toBe(content);
    }
  });

  it('reports compressed bytes read while streaming', async () => {
    let last = 0;
    let total = 0;
    const input = await openInput(files.gz, {
      onBytes: (read, size) => {
        last = read;
        total = size;
      },
    });
    await collect(input.chunks);
    expect(total).toBe(input.size);
    expect(last).toBe(input.size);
  });

  it('reads gzip even when the file name says otherwise', async () => {
    const misnamed = join(dir, 'misnamed.txt');
    await writeFile(misnamed, await import('node:zlib').then((z) => z.gzipSync('1\n2\n')));
    expect((await readTrace(misnamed)).keys).toEqual([1, 2]);
  });

  it('fails with a clear SimError when the file is missing or a directory', async () => {
    await expect(openInput(join(dir, 'nope.gz'))).rejects.toThrow(
      /cannot read trace '.*nope\.gz': no such file/,
    );
    await expect(openInput(dir)).rejects.toBeInstanceOf(SimError);
  });

  it('fails with a clear SimError when xz is not installed', async () => {
    const input = await openInput(files.xz, { xzCommand: 'xz-that-is-not-installed' });
    const error = await collect(input.chunks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimError);
    expect((error as Error).message).toMatch(
      /xz-compressed and the 'xz-that-is-not-installed' command was not found/,
    );
  });

  it('fails with a SimError on corrupt gzip and xz data', async () => {
    const badGz = join(dir, 'bad.gz');
    await writeFile(badGz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7]));
    await expect(readTrace(badGz)).rejects.toThrow(/bad gzip data/);
    const badXz = join(dir, 'bad.xz');
    await writeFile(badXz, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]));
    await expect(readTrace(badXz)).rejects.toThrow(/xz failed/);
  });

  it('stops xz when the reader gives up early', async () => {
    const input = await openInput(files.xz);
    for await (const _ of input.chunks) break;
    // Nothing to assert beyond not hanging and not leaking an unhandled error.
    expect(true).toBe(true);
  });
});
