import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readI64 } from '../../src/traces/read-i64.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { chunksOf, tempDir, writeAllCompressions } from '../support/fixtures.js';

function i64(...values: bigint[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => {
    buf.writeBigInt64BE(v, i * 8);
  });
  return buf;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

describe('readI64', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  const values = [
    0n,
    1n,
    -1n,
    4294967296n,
    MAX_SAFE,
    -MAX_SAFE,
    MAX_SAFE + 1n,
    -MAX_SAFE - 1n,
    4259408779934000839n,
  ];
  const expected = [
    0,
    1,
    -1,
    4294967296,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    '9007199254740992',
    '-9007199254740992',
    '4259408779934000839',
  ];

  it('reads numbers within 2^53 and strings beyond, across chunk boundaries', async () => {
    const parsed = await readI64(chunksOf(i64(...values), 5));
    expect(parsed.keys).toEqual(expected);
  });

  it('counts a trailing partial record as malformed', async () => {
    const parsed = await readI64(chunksOf(Buffer.concat([i64(5n), Buffer.from([1, 2, 3])]), 64));
    expect(parsed.keys).toEqual([5]);
    expect(parsed.malformed).toBe(1);
  });

  it('reads the same keys plain, gzipped and xz-compressed', async () => {
    const files = await writeAllCompressions(dir, 'vault.i64', i64(...values));
    for (const file of [files.plain, files.gz, files.xz]) {
      const trace = await readTrace(file);
      expect(trace.format).toBe('i64');
      expect(trace.keys).toEqual(expected);
    }
  });
});
