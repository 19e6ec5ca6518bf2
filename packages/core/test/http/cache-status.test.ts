import { describe, expect, it } from 'vitest';
import { appendCacheStatus, formatCacheStatus } from '../../src/http/cache-status.js';

describe('formatCacheStatus (RFC 9211)', () => {
  it('writes boolean parameters bare and fwd as a token', () => {
    expect(formatCacheStatus('larder', { hit: true, ttl: 30 })).toBe('larder; hit; ttl=30');
    expect(formatCacheStatus('larder', { fwd: 'miss', stored: true })).toBe('larder; fwd=miss; stored');
    expect(formatCacheStatus('larder', { fwd: 'miss', stored: false })).toBe('larder; fwd=miss');
    expect(formatCacheStatus('larder', { hit: true, collapsed: true })).toBe('larder; hit; collapsed');
    expect(formatCacheStatus('larder', { fwd: 'stale', fwdStatus: 500 })).toBe(
      'larder; fwd=stale; fwd-status=500',
    );
    expect(formatCacheStatus('larder', { hit: true, ttl: -5 })).toBe('larder; hit; ttl=-5');
  });
  it('writes detail as a token when it is one, else as an sf-string', () => {
    expect(formatCacheStatus('larder', { fwd: 'miss', detail: 'set-cookie' })).toBe(
      'larder; fwd=miss; detail=set-cookie',
    );
    expect(formatCacheStatus('larder', { fwd: 'miss', detail: 'two words "x"' })).toBe(
      'larder; fwd=miss; detail="two words \\"x\\""',
    );
    expect(formatCacheStatus('larder', { fwd: 'miss', detail: '1abc' })).toBe(
      'larder; fwd=miss; detail="1abc"',
    );
  });
  it('quotes a cache name that is not a token, and the key parameter', () => {
    expect(formatCacheStatus('my cache', { hit: true })).toBe('"my cache"; hit');
    expect(formatCacheStatus('larder', { hit: true, key: 'GET a/b' })).toBe('larder; hit; key="GET a/b"');
    expect(formatCacheStatus('larder', { hit: true, key: 'a\nb' })).toBe('larder; hit; key="a?b"');
  });
  it('serialises each name right when names alternate (the last one is remembered)', () => {
    for (let round = 0; round < 3; round++) {
      expect(formatCacheStatus('larder', { hit: true })).toBe('larder; hit');
      expect(formatCacheStatus('my cache', { hit: true })).toBe('"my cache"; hit');
      expect(formatCacheStatus('', { hit: true })).toBe('""; hit');
      expect(formatCacheStatus('edge', { hit: true })).toBe('edge; hit');
    }
  });
});

describe('appendCacheStatus', () => {
  it('puts our member after the members of caches nearer the origin', () => {
    expect(appendCacheStatus(undefined, 'larder; hit')).toBe('larder; hit');
    expect(appendCacheStatus('origin-cache; fwd=miss', 'larder; hit')).toBe(
      'origin-cache; fwd=miss, larder; hit',
    );
  });
});
