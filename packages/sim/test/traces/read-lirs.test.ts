import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLirs } from '../../src/traces/read-lirs.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { chunksOf, tempDir, writeAllCompressions } from '../support/fixtures.js';

describe('readLirs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  const content = '1\r\n2\r\n*\r\n\r\n  3  \r\n1\r\n9007199254740993\r\nabc\r\n-4\r\n12';

  it('reads keys, skips blank lines and *, trims CRLF, counts malformed lines', async () => {
    const parsed = await readLirs(chunksOf(Buffer.from(content), 3));
    expect(parsed.keys).toEqual([1, 2, 3, 1, '9007199254740993', -4, 12]);
    expect(parsed.malformed).toBe(1);
    expect(parsed.malformedSamples).toEqual([{ line: 8, text: 'abc' }]);
  });

  it('reads the same keys plain, gzipped and xz-compressed', async () => {
    const files = await writeAllCompressions(dir, 'tiny.trace', content);
    for (const file of [files.plain, files.gz, files.xz]) {
      const trace = await readTrace(file, { format: 'lirs' });
      expect(trace.keys).toEqual([1, 2, 3, 1, '9007199254740993', -4, 12]);
      expect(trace.uniqueKeys).toBe(6);
      expect(trace.malformed).toBe(1);
      expect(trace.name).toBe('tiny');
    }
  });

  it('keeps numbers as numbers, not strings', async () => {
    const parsed = await readLirs(chunksOf(Buffer.from('5\n5\n'), 100));
    expect(parsed.keys.every((key) => typeof key === 'number')).toBe(true);
  });
});
