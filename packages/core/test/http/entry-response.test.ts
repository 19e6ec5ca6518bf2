import { describe, expect, it } from 'vitest';
import { EMPTY_BODY, entryResponse } from '../../src/http/entry-response.js';
import type { RequestLike } from '../../src/http/types.js';
import type { StoredEntry } from '../../src/store/types.js';

const T0 = 1_700_000_000_000;

function entry(overrides: Partial<StoredEntry> = {}): StoredEntry {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain', etag: '"v1"' },
    body: new TextEncoder().encode('hello'),
    storedAt: T0,
    initialAge: 0,
    staleAt: T0 + 60_000,
    staleWhileRevalidateUntil: T0 + 60_000,
    staleIfErrorUntil: T0 + 60_000,
    expiresAt: T0 + 60_000,
    tags: [],
    ...overrides,
  };
}

const get = (headers: RequestLike['headers'] = {}): RequestLike => ({ method: 'GET', url: '/', headers });
const ttlAt = (e: StoredEntry, now: number) => Math.floor((e.staleAt - now) / 1000);
const hit = (e: StoredEntry, now: number) => ({ hit: true, ttl: ttlAt(e, now) });

describe('entryResponse', () => {
  it('replays the entry with Age and Cache-Status, leaving the entry as it was', () => {
    const e = entry();
    const res = entryResponse(e, get(), T0 + 2500, 'larder', hit(e, T0 + 2500));
    expect(res.status).toBe(200);
    expect(res.body).toBe(e.body);
    expect(res.headers).toEqual({
      'content-type': 'text/plain',
      etag: '"v1"',
      age: '2',
      'cache-status': 'larder; hit; ttl=57',
    });
    expect(e.headers).toEqual({ 'content-type': 'text/plain', etag: '"v1"' });
  });

  it('shares the frozen headers of plain hits within one Age and ttl, and only there', () => {
    const e = entry();
    const first = entryResponse(e, get(), T0 + 100, 'larder', hit(e, T0 + 100));
    const second = entryResponse(e, get(), T0 + 900, 'larder', hit(e, T0 + 900));
    expect(second.headers).toBe(first.headers);
    expect(Object.isFrozen(first.headers)).toBe(true);
    // a second later both Age and ttl moved: new headers, with the new values
    const later = entryResponse(e, get(), T0 + 1100, 'larder', hit(e, T0 + 1100));
    expect(later.headers).not.toBe(first.headers);
    expect(later.headers.age).toBe('1');
    expect(later.headers['cache-status']).toBe('larder; hit; ttl=58');
    // another cache name is another member
    expect(entryResponse(e, get(), T0 + 1100, 'edge', hit(e, T0 + 1100)).headers['cache-status']).toBe(
      'edge; hit; ttl=58',
    );
    // another entry never shares
    const f = entry();
    expect(entryResponse(f, get(), T0 + 1100, 'larder', hit(f, T0 + 1100)).headers).not.toBe(later.headers);
  });

  it('keeps Age and ttl exact when they tick at different instants', () => {
    // stored at T0 + 300, stale at T0 + 60_000: Age ticks at ...300, ttl at ...000
    const e = entry({ storedAt: T0 + 300 });
    const at = (now: number) => entryResponse(e, get(), now, 'larder', hit(e, now)).headers;
    expect(at(T0 + 1200)).toMatchObject({ age: '0', 'cache-status': 'larder; hit; ttl=58' });
    expect(at(T0 + 1250)).toBe(at(T0 + 1200));
    expect(at(T0 + 1300)).toMatchObject({ age: '1', 'cache-status': 'larder; hit; ttl=58' });
    expect(at(T0 + 2000)).toMatchObject({ age: '1', 'cache-status': 'larder; hit; ttl=58' });
    expect(at(T0 + 2001)).toMatchObject({ age: '1', 'cache-status': 'larder; hit; ttl=57' });
  });

  it('builds fresh, writable headers for every other Cache-Status', () => {
    const e = entry();
    const params = { fwd: 'stale' as const, fwdStatus: 500 };
    const a = entryResponse(e, get(), T0 + 100, 'larder', params);
    const b = entryResponse(e, get(), T0 + 100, 'larder', params);
    expect(a.headers).not.toBe(b.headers);
    expect(Object.isFrozen(a.headers)).toBe(false);
    expect(a.headers['cache-status']).toBe('larder; fwd=stale; fwd-status=500');
    const staleCollapsed = { fwd: 'stale' as const, collapsed: true };
    const c = entryResponse(e, get(), T0 + 100, 'larder', staleCollapsed);
    expect(c.headers).not.toBe(entryResponse(e, get(), T0 + 100, 'larder', staleCollapsed).headers);
    expect(c.headers['cache-status']).toBe('larder; fwd=stale; collapsed');
  });

  it("shares the frozen response of collapsed hits (a fill's waiters) within one Age, and only there", () => {
    const e = entry();
    const collapsed = { hit: true, collapsed: true };
    const first = entryResponse(e, get(), T0 + 100, 'larder', collapsed);
    expect(first.headers).toEqual({
      'content-type': 'text/plain',
      etag: '"v1"',
      age: '0',
      'cache-status': 'larder; hit; collapsed',
    });
    expect(entryResponse(e, get(), T0 + 900, 'larder', collapsed)).toBe(first);
    expect(Object.isFrozen(first.headers)).toBe(true);
    // HEAD: the same headers, no body
    const head = entryResponse(e, { ...get(), method: 'HEAD' }, T0 + 900, 'larder', collapsed);
    expect(head.headers).toBe(first.headers);
    expect(head.body).toBe(EMPTY_BODY);
    // never a plain hit's headers, nor another second's, another name's or another entry's
    expect(entryResponse(e, get(), T0 + 900, 'larder', hit(e, T0 + 900)).headers['cache-status']).toBe(
      'larder; hit; ttl=59',
    );
    expect(entryResponse(e, get(), T0 + 900, 'larder', collapsed).headers['cache-status']).toBe(
      'larder; hit; collapsed',
    );
    expect(entryResponse(e, get(), T0 + 1100, 'larder', collapsed).headers.age).toBe('1');
    expect(entryResponse(e, get(), T0 + 1100, 'edge', collapsed).headers['cache-status']).toBe(
      'edge; hit; collapsed',
    );
    expect(entryResponse(entry(), get(), T0 + 900, 'larder', collapsed)).not.toBe(first);
  });

  it("appends to the origin's Cache-Status", () => {
    const e = entry({ headers: { 'content-type': 'text/plain', 'cache-status': 'origin-cache; hit' } });
    const res = entryResponse(e, get(), T0, 'larder', hit(e, T0));
    expect(res.headers['cache-status']).toBe('origin-cache; hit, larder; hit; ttl=60');
  });

  it('answers HEAD without a body, in any letter case, with the same headers', () => {
    const e = entry();
    const head = entryResponse(e, { ...get(), method: 'HEAD' }, T0, 'larder', hit(e, T0));
    expect(head.body).toBe(EMPTY_BODY);
    expect(head.headers).toBe(entryResponse(e, get(), T0, 'larder', hit(e, T0)).headers);
    expect(entryResponse(e, { ...get(), method: 'head' }, T0, 'larder', hit(e, T0)).body).toBe(EMPTY_BODY);
  });

  it('answers a matching validator with a 304 that carries Age and Cache-Status', () => {
    const e = entry();
    const res = entryResponse(e, get({ 'if-none-match': '"v1"' }), T0 + 3000, 'larder', hit(e, T0 + 3000));
    expect(res.status).toBe(304);
    expect(res.body).toBe(EMPTY_BODY);
    expect(res.headers).toEqual({ etag: '"v1"', age: '3', 'cache-status': 'larder; hit; ttl=57' });
    // and the plain hits of the same second are not affected by it
    expect(entryResponse(e, get(), T0 + 3000, 'larder', hit(e, T0 + 3000)).headers).toMatchObject({
      'content-type': 'text/plain',
      age: '3',
    });
  });
});
