import { describe, expect, it } from 'vitest';
import { rangeAnswer } from '../../src/http/range.js';

const stored = { etag: '"v1"', 'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT' };
const answer = (range: string, extra: Record<string, string> = {}, headers = stored) =>
  rangeAnswer({ range, ...extra }, headers, 100);

describe('rangeAnswer (RFC 9110 section 14)', () => {
  it('answers one satisfiable bytes range with that part, clamped to the length', () => {
    expect(answer('bytes=0-9')).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(answer('bytes=90-')).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(answer('bytes=-5')).toEqual({ kind: 'partial', start: 95, end: 99 });
    expect(answer('bytes=50-500')).toEqual({ kind: 'partial', start: 50, end: 99 });
    expect(answer('BYTES = 1-1')).toEqual({ kind: 'partial', start: 1, end: 1 });
  });
  it('answers several ranges, another unit, or anything unreadable with the whole', () => {
    for (const range of ['bytes=0-1, 5-6', 'items=0-1', 'bytes=5-1', 'bytes=a-b', 'bytes=', 'bytes=-']) {
      expect(answer(range)).toEqual({ kind: 'full' });
    }
  });
  it('is unsatisfiable when no range overlaps', () => {
    expect(answer('bytes=100-')).toEqual({ kind: 'unsatisfiable' });
    expect(answer('bytes=200-300')).toEqual({ kind: 'unsatisfiable' });
  });
  it('applies the range only when If-Range matches the strong ETag or the exact Last-Modified', () => {
    expect(answer('bytes=0-1', { 'if-range': '"v1"' }).kind).toBe('partial');
    expect(answer('bytes=0-1', { 'if-range': '"v2"' }).kind).toBe('full');
    expect(answer('bytes=0-1', { 'if-range': 'W/"v1"' }).kind).toBe('full');
    expect(answer('bytes=0-1', { 'if-range': '"v1"' }, { ...stored, etag: 'W/"v1"' }).kind).toBe('full');
    expect(answer('bytes=0-1', { 'if-range': stored['last-modified'] }).kind).toBe('partial');
    expect(answer('bytes=0-1', { 'if-range': 'Mon, 07 Nov 1994 08:49:37 GMT' }).kind).toBe('full');
  });
});
