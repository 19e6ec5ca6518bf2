import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/traces/detect-format.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const i32 = (...values: number[]): Buffer => {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    buf.writeInt32BE(v, i * 4);
  });
  return buf;
};
const none = Buffer.alloc(0);

describe('detectFormat', () => {
  it('uses the file extension first', () => {
    expect(detectFormat('x/y.lirs', none).format).toBe('lirs');
    expect(detectFormat('x/y.i32.gz', none).format).toBe('i32');
    expect(detectFormat('x/y.i64.xz', none).format).toBe('i64');
    expect(detectFormat('x/y.LOG', none).format).toBe('clf');
    expect(detectFormat('x/y.clf', none).format).toBe('clf');
  });

  it('uses the folder names of the shared traces', () => {
    expect(detectFormat('/t/lirs/gli.trace.gz', none)).toEqual({
      format: 'lirs',
      reason: "path has a 'lirs' folder",
    });
    expect(detectFormat('/t/cache2k/web07.trace.xz', none).format).toBe('i32');
    expect(detectFormat('/t/corda/trace_vaultservice.gz', none).format).toBe('i64');
  });

  it("treats a name containing 'access' as an access log", () => {
    expect(detectFormat('/var/log/nginx/access_log.1.gz', none).format).toBe('clf');
  });

  it('sniffs text content', () => {
    expect(detectFormat('t.txt', text('1\n2\n*\n3\n')).format).toBe('lirs');
    expect(detectFormat('t.txt', text('a\nb\n')).format).toBe('lines');
    expect(detectFormat('t.txt', text('1.2.3.4 - - [d] "GET / HTTP/1.1" 200 1\n')).format).toBe('clf');
    expect(detectFormat('t.txt', none).format).toBe('lines');
  });

  it('sniffs binary content', () => {
    expect(detectFormat('t.bin', i32(0, 1, 2, 0, 1, 3, 4, 5)).format).toBe('i32');
    expect(detectFormat('t.bin', i32(0, 7, 0, 9, -1, -3, 0, 12)).format).toBe('i64');
    expect(detectFormat('t.bin', i32(0x391c8ee0, 0xc57542c7 | 0, 0x0548dd3a, 0xbf6e3fcc | 0, 0)).format).toBe(
      'i64',
    );
  });
});
