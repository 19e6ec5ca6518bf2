import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from '../../src/traces/read-lines.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { chunksOf, tempDir, writeAllCompressions } from '../support/fixtures.js';

describe('readLines', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  const content = 'alpha\n/a?b=1\r\n\n42\n007\n-3\n  padded \nünïcødé\n42';

  it('takes each non-blank line verbatim; canonical integers become numbers', async () => {
    const parsed = await readLines(chunksOf(Buffer.from(content), 5));
    expect(parsed.keys).toEqual(['alpha', '/a?b=1', 42, '007', -3, '  padded ', 'ünïcødé', 42]);
    expect(parsed.malformed).toBe(0);
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('ä\n€\n');
    const parsed = await readLines(chunksOf(bytes, 1));
    expect(parsed.keys).toEqual(['ä', '€']);
  });

  it('reads the same keys plain, gzipped and xz-compressed', async () => {
    const files = await writeAllCompressions(dir, 'keys.txt', content);
    for (const file of [files.plain, files.gz, files.xz]) {
      const trace = await readTrace(file, { format: 'lines' });
      expect(trace.keys).toHaveLength(8);
      expect(trace.uniqueKeys).toBe(7);
    }
  });
});
