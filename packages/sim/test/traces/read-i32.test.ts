import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readI32 } from '../../src/traces/read-i32.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { chunksOf, tempDir, writeAllCompressions } from '../support/fixtures.js';

function i32(...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    buf.writeInt32BE(v, i * 4);
  });
  return buf;
}

describe('readI32', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  const values = [0, 1, 2, 0, -1, 2147483647, -2147483648, 70000];

  it('reads big-endian signed 32-bit keys across chunk boundaries', async () => {
    const parsed = await readI32(chunksOf(i32(...values), 3));
    expect(parsed.keys).toEqual(values);
    expect(parsed.malformed).toBe(0);
  });

  it('counts a trailing partial record as malformed', async () => {
    const parsed = await readI32(chunksOf(Buffer.concat([i32(7, 8), Buffer.from([1, 2])]), 4));
    expect(parsed.keys).toEqual([7, 8]);
    expect(parsed.malformed).toBe(1);
  });

  it('reads the same keys plain, gzipped and xz-compressed', async () => {
    const files = await writeAllCompressions(dir, 'web.i32', i32(...values));
    for (const file of [files.plain, files.gz, files.xz]) {
      const trace = await readTrace(file);
      expect(trace.format).toBe('i32');
      expect(trace.keys).toEqual(values);
    }
  });
});
