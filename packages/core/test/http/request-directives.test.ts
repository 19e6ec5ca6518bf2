import { describe, expect, it } from 'vitest';
import {
  fitsRequest,
  honouredDirectives,
  parseRequestDirectives,
} from '../../src/http/request-directives.js';

describe('parseRequestDirectives', () => {
  it('is undefined for a request without directives the engine acts on', () => {
    expect(parseRequestDirectives({})).toBeUndefined();
    expect(parseRequestDirectives({ 'cache-control': 'no-transform' })).toBeUndefined();
    expect(parseRequestDirectives({ pragma: 'x-custom' })).toBeUndefined();
  });

  it('reads max-age, min-fresh, max-stale (with or without a value), no-cache, no-store, only-if-cached', () => {
    expect(
      parseRequestDirectives({
        'cache-control': 'max-age=5, min-fresh="10", max-stale, no-cache, no-store, only-if-cached',
      }),
    ).toEqual({
      maxAge: 5,
      minFresh: 10,
      maxStale: Number.POSITIVE_INFINITY,
      noCache: true,
      noStore: true,
      onlyIfCached: true,
    });
    expect(parseRequestDirectives({ 'cache-control': ['MAX-STALE=30', 'max-stale=1'] })).toEqual({
      maxStale: 30,
      noCache: false,
      noStore: false,
      onlyIfCached: false,
    });
  });

  it('ignores a directive with an invalid argument, and reads the others', () => {
    expect(
      parseRequestDirectives({ 'cache-control': 'max-age=abc, max-stale=-1, min-fresh' }),
    ).toBeUndefined();
    expect(parseRequestDirectives({ 'cache-control': 'max-age=-1, only-if-cached' })?.onlyIfCached).toBe(
      true,
    );
  });

  it('takes Pragma: no-cache only without Cache-Control (RFC 9111 section 5.4)', () => {
    expect(parseRequestDirectives({ pragma: 'no-cache' })?.noCache).toBe(true);
    expect(parseRequestDirectives({ pragma: 'no-cache', 'cache-control': 'max-stale' })?.noCache).toBe(false);
  });
});

describe('fitsRequest', () => {
  const none = { noCache: false, noStore: false, onlyIfCached: false };
  const fresh = { age: 10, remaining: 50_000, mayServeStale: true };
  const stale = { age: 100, remaining: -20_000, mayServeStale: true };

  it('takes a fresh response, not a stale one, without directives', () => {
    expect(fitsRequest(none, fresh)).toBe(true);
    expect(fitsRequest(none, stale)).toBe(false);
  });

  it('refuses under no-cache', () => {
    expect(fitsRequest({ ...none, noCache: true }, fresh)).toBe(false);
  });

  it('refuses a response older than max-age', () => {
    expect(fitsRequest({ ...none, maxAge: 10 }, fresh)).toBe(true);
    expect(fitsRequest({ ...none, maxAge: 9 }, fresh)).toBe(false);
    expect(fitsRequest({ ...none, maxAge: 0 }, fresh)).toBe(false);
  });

  it('refuses a response fresh for less than min-fresh', () => {
    expect(fitsRequest({ ...none, minFresh: 50 }, fresh)).toBe(true);
    expect(fitsRequest({ ...none, minFresh: 51 }, fresh)).toBe(false);
  });

  it('takes a stale response within max-stale, unless the response forbids serving it stale', () => {
    expect(fitsRequest({ ...none, maxStale: 20 }, stale)).toBe(true);
    expect(fitsRequest({ ...none, maxStale: 19 }, stale)).toBe(false);
    expect(fitsRequest({ ...none, maxStale: Number.POSITIVE_INFINITY }, stale)).toBe(true);
    expect(fitsRequest({ ...none, maxStale: 1000 }, { ...stale, mayServeStale: false })).toBe(false);
  });
});

describe('honouredDirectives', () => {
  it('always honours max-stale, only-if-cached and no-store; the others only with honourAll', () => {
    expect(honouredDirectives({ 'cache-control': 'no-store' }, false)).toEqual({
      noCache: false,
      noStore: true,
      onlyIfCached: false,
    });
    expect(
      honouredDirectives({ 'cache-control': 'no-cache, max-age=5, min-fresh=3' }, false),
    ).toBeUndefined();
    expect(honouredDirectives({ pragma: 'no-cache' }, false)).toBeUndefined();
    expect(honouredDirectives({ 'cache-control': 'max-age=0' }, true)?.noCache).toBe(true);
    expect(honouredDirectives({ 'cache-control': 'max-stale=5, no-cache' }, false)).toEqual({
      noCache: false,
      noStore: false,
      onlyIfCached: false,
      maxStale: 5,
    });
  });
});
