import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClfLine } from '../../src/traces/parse-clf-line.js';
import { readClf } from '../../src/traces/read-clf.js';
import { readTrace } from '../../src/traces/read-trace.js';
import { chunksOf, tempDir, writeAllCompressions } from '../support/fixtures.js';

const LOG = [
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  '::1 - - [10/Oct/2000:13:55:37 -0700] "GET /a?b=1&c=2 HTTP/1.1" 200 - "http://example.com/start" "Mozilla/5.0 (X11; Linux)"',
  'not a log line at all',
  '10.0.0.2 - - [10/Oct/2000:13:55:38 -0700] "-" 408 0',
  '',
  '10.0.0.3 - - [10/Oct/2000:13:55:39 -0700] "HEAD /a?b=1&c=2 HTTP/1.1" 304 0 "-" "curl/8.0"',
  '10.0.0.4 - - [10/Oct/2000:13:55:40 -0700] "GET /q?x=\\"y\\" HTTP/1.1" 200 12',
  '10.0.0.5 - - [10/Oct/2000:13:55:41 -0700] "GET /a?b=1&c=2 HTTP/1.1" 200 5 "-" "agent" 0.003',
].join('\n');

describe('parseClfLine', () => {
  it('takes method and target from common and combined lines', () => {
    expect(parseClfLine('1.2.3.4 - - [d] "GET /x HTTP/1.1" 200 1')).toBe('GET /x');
    expect(parseClfLine('1.2.3.4 - - [d] "POST /x?y=1 HTTP/2.0" 201 - "ref" "ua"')).toBe('POST /x?y=1');
  });

  it('accepts an HTTP/0.9 request without protocol', () => {
    expect(parseClfLine('1.2.3.4 - - [d] "GET /old" 200 1')).toBe('GET /old');
  });

  it('rejects lines that are not CLF or carry no request', () => {
    expect(parseClfLine('')).toBeUndefined();
    expect(parseClfLine('1.2.3.4 - - [d] "-" 400 0')).toBeUndefined();
    expect(parseClfLine('1.2.3.4 - - [d] "GET /x HTTP/1.1" abc 1')).toBeUndefined();
    expect(parseClfLine('1.2.3.4 - - [d] "\\x16\\x03\\x01" 400 0')).toBeUndefined();
  });
});

describe('readClf', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  const expected = [
    'GET /apache_pb.gif',
    'GET /a?b=1&c=2',
    'HEAD /a?b=1&c=2',
    'GET /q?x=\\"y\\"',
    'GET /a?b=1&c=2',
  ];

  it('keys requests by method and target, counting malformed lines with their line numbers', async () => {
    const parsed = await readClf(chunksOf(Buffer.from(LOG), 7));
    expect(parsed.keys).toEqual(expected);
    expect(parsed.malformed).toBe(2);
    expect(parsed.malformedSamples.map((s) => s.line)).toEqual([3, 4]);
  });

  it('reads the same keys plain, gzipped and xz-compressed, detecting the format', async () => {
    const files = await writeAllCompressions(dir, 'access.log', LOG);
    for (const file of [files.plain, files.gz, files.xz]) {
      const trace = await readTrace(file);
      expect(trace.format).toBe('clf');
      expect(trace.keys).toEqual(expected);
      expect(trace.malformed).toBe(2);
    }
  });
});
