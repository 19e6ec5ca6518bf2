import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/http/cache-control.js';
import { notStorableReason, STORABLE_STATUSES } from '../../src/http/storability.js';
import type { HeaderMap } from '../../src/http/types.js';
import { parseVary } from '../../src/http/vary.js';

function reason(status: number, headers: HeaderMap, authorized = false, cacheAuthorized = false) {
  return notStorableReason({
    status,
    headers,
    cacheControl: parseCacheControl(headers['cache-control']),
    vary: parseVary(headers.vary),
    authorized,
    cacheAuthorized,
  });
}

describe('notStorableReason', () => {
  it('stores the heuristically cacheable statuses without explicit freshness, no other', () => {
    expect([...STORABLE_STATUSES].sort((a, b) => a - b)).toEqual([
      200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501,
    ]);
    for (const status of STORABLE_STATUSES) expect(reason(status, {})).toBeUndefined();
    for (const status of [201, 206, 302, 304, 307, 400, 401, 403, 500, 502, 503, 599])
      expect(reason(status, {})).toBe('status');
  });
  it('stores any other final status with explicit freshness or public, except 206 and 304', () => {
    for (const headers of [
      { 'cache-control': 'max-age=60' },
      { 'cache-control': 's-maxage=60' },
      { 'cache-control': 'public' },
      { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' },
    ]) {
      for (const status of [201, 302, 307, 400, 403, 500, 503, 599])
        expect(reason(status, headers)).toBeUndefined();
      for (const status of [100, 199, 206, 304, 600]) expect(reason(status, headers)).toBe('status');
    }
  });
  it('under must-understand, stores an understood status despite no-store and never an unknown one', () => {
    const headers = { 'cache-control': 'max-age=60, no-store, must-understand' };
    expect(reason(200, headers)).toBeUndefined();
    expect(reason(503, headers)).toBeUndefined();
    expect(reason(599, headers)).toBe('status');
    expect(reason(200, { 'cache-control': 'max-age=60, no-store' })).toBe('no-store');
  });
  it.each([
    ['no-store', { 'cache-control': 'no-store' }],
    ['private', { 'cache-control': 'private' }],
    ['private', { 'cache-control': 'private="x-user"' }],
    ['no-cache', { 'cache-control': 'no-cache' }],
    ['vary-star', { vary: '*' }],
    ['malformed-vary', { vary: 'a b' }],
    ['malformed-cache-control', { 'cache-control': 'max-age=x' }],
    ['set-cookie', { 'set-cookie': ['a=1'] }],
  ] as const)('%s', (expected, headers) => {
    expect(reason(200, headers)).toBe(expected);
  });
  it('stores no-cache qualified with field names', () => {
    expect(reason(200, { 'cache-control': 'no-cache="set-cookie2"' })).toBeUndefined();
  });
  it('refuses authorized requests unless public, s-maxage, must-revalidate or the route opts in', () => {
    expect(reason(200, { 'cache-control': 'max-age=60' }, true)).toBe('authorization');
    expect(reason(200, { 'cache-control': 'public, max-age=60' }, true)).toBeUndefined();
    expect(reason(200, { 'cache-control': 's-maxage=60' }, true)).toBeUndefined();
    expect(reason(200, { 'cache-control': 'max-age=60, must-revalidate' }, true)).toBeUndefined();
    expect(reason(200, { 'cache-control': 'max-age=60' }, true, true)).toBeUndefined();
  });
});
