import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/http/cache-control.js';
import { ageOf, computeFreshness, currentAge, remainingTtl } from '../../src/http/freshness.js';
import { DEFAULT_HEURISTIC_FRESHNESS } from '../../src/http/options.js';
import type { HeaderMap } from '../../src/http/types.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const httpDate = (ms: number) => new Date(ms).toUTCString();

function lifetime(
  headers: HeaderMap,
  extra: {
    ttl?: number;
    defaultTtl?: number;
    status?: number;
    heuristic?: typeof DEFAULT_HEURISTIC_FRESHNESS;
  } = {},
): number {
  const cc = parseCacheControl(headers['cache-control'])!;
  const t = computeFreshness({ now: NOW, headers, cacheControl: cc, ...extra });
  return t.staleAt - NOW;
}

describe('computeFreshness', () => {
  it('takes the route ttl over everything', () => {
    expect(lifetime({ 'cache-control': 's-maxage=100, max-age=50' }, { ttl: 5000, defaultTtl: 1000 })).toBe(
      5000,
    );
  });
  it('then s-maxage, then max-age', () => {
    expect(lifetime({ 'cache-control': 's-maxage=100, max-age=50' }, { defaultTtl: 1000 })).toBe(100_000);
    expect(lifetime({ 'cache-control': 'max-age=50' }, { defaultTtl: 1000 })).toBe(50_000);
  });
  it('then Expires minus Date, or minus now without Date', () => {
    expect(lifetime({ expires: httpDate(NOW + 30_000), date: httpDate(NOW) })).toBe(30_000);
    expect(lifetime({ expires: httpDate(NOW + 30_000) })).toBe(30_000);
  });
  it('treats an invalid or repeated Expires as already stale', () => {
    expect(lifetime({ expires: '0' }, { defaultTtl: 1000 })).toBe(0);
    expect(lifetime({ expires: [httpDate(NOW + 1000), httpDate(NOW + 2000)] }, { defaultTtl: 1000 })).toBe(0);
  });
  it('then the engine ttl, else zero; never negative', () => {
    expect(lifetime({}, { defaultTtl: 7000 })).toBe(7000);
    expect(lifetime({})).toBe(0);
    expect(lifetime({ expires: httpDate(NOW - 60_000) })).toBe(0);
  });
  it('reads Age as its first value: the first line, the first list member; an invalid Age as none', () => {
    expect(ageOf(['7200', '0'])).toBe(7200);
    expect(ageOf(['0', '7200'])).toBe(0);
    expect(ageOf('7200, 0')).toBe(7200);
    expect(ageOf('0, 7200')).toBe(0);
    for (const invalid of ['abc', '-7200', '7200.0', '', ' ']) expect(ageOf(invalid)).toBe(0);
    expect(ageOf('99999999999')).toBe(2_147_483_648);
    expect(lifetime({ 'cache-control': 'max-age=3600', age: ['7200', '0'] })).toBe(0);
    expect(lifetime({ 'cache-control': 'max-age=3600', age: 'abc' })).toBe(3_600_000);
  });
  describe('heuristic freshness (RFC 9111 section 4.2.2)', () => {
    const heuristic = DEFAULT_HEURISTIC_FRESHNESS;
    const day = 86_400_000;
    const lm = (ago: number) => ({ 'last-modified': httpDate(NOW - ago), date: httpDate(NOW) });
    it('is a tenth of Date minus Last-Modified by default, at most a day', () => {
      expect(lifetime(lm(day), { heuristic, status: 200 })).toBe(day / 10);
      expect(lifetime(lm(100 * day), { heuristic, status: 404 })).toBe(day);
    });
    it('applies to heuristically cacheable statuses and public responses only', () => {
      expect(lifetime(lm(day), { heuristic, status: 500 })).toBe(0);
      expect(lifetime({ ...lm(day), 'cache-control': 'public' }, { heuristic, status: 599 })).toBe(day / 10);
    });
    it('yields to explicit freshness and to the engine ttl, and is off without the option', () => {
      expect(lifetime({ ...lm(day), 'cache-control': 'max-age=5' }, { heuristic, status: 200 })).toBe(5000);
      expect(lifetime(lm(day), { heuristic, status: 200, defaultTtl: 1000 })).toBe(1000);
      expect(lifetime(lm(day), { status: 200 })).toBe(0);
    });
    it('needs a valid Last-Modified before Date', () => {
      expect(lifetime({ 'last-modified': 'garbage', date: httpDate(NOW) }, { heuristic, status: 200 })).toBe(
        0,
      );
      expect(lifetime(lm(-day), { heuristic, status: 200 })).toBe(0);
    });
  });
  it('reduces header lifetimes by the initial age (Age, or apparent age from Date)', () => {
    const cc = parseCacheControl('max-age=60')!;
    const t = computeFreshness({ now: NOW, headers: { age: '15' }, cacheControl: cc });
    expect(t.initialAge).toBe(15);
    expect(t.staleAt - NOW).toBe(45_000);
    const d = computeFreshness({ now: NOW, headers: { date: httpDate(NOW - 20_000) }, cacheControl: cc });
    expect(d.initialAge).toBe(20);
    expect(d.staleAt - NOW).toBe(40_000);
    expect(currentAge(t, NOW + 10_500)).toBe(25);
    expect(lifetime({ 'cache-control': 'max-age=10', age: '100' })).toBe(0);
  });
  it('takes stale windows from options first, then from the response (RFC 5861)', () => {
    const cc = parseCacheControl('max-age=10, stale-while-revalidate=20, stale-if-error=30')!;
    const fromHeader = computeFreshness({ now: NOW, headers: {}, cacheControl: cc });
    expect(fromHeader.staleWhileRevalidateUntil - fromHeader.staleAt).toBe(20_000);
    expect(fromHeader.staleIfErrorUntil - fromHeader.staleAt).toBe(30_000);
    expect(fromHeader.expiresAt - fromHeader.staleAt).toBe(30_000);
    const fromOptions = computeFreshness({
      now: NOW,
      headers: {},
      cacheControl: cc,
      staleWhileRevalidate: 1000,
      staleIfError: 2000,
    });
    expect(fromOptions.staleWhileRevalidateUntil - fromOptions.staleAt).toBe(1000);
    expect(fromOptions.staleIfErrorUntil - fromOptions.staleAt).toBe(2000);
  });
  it('allows no stale serving under must-revalidate (RFC 9111 section 4.2.4)', () => {
    const cc = parseCacheControl('max-age=10, must-revalidate, stale-while-revalidate=20')!;
    const t = computeFreshness({ now: NOW, headers: {}, cacheControl: cc, staleIfError: 5000 });
    expect(t.expiresAt).toBe(t.staleAt);
  });
});

it('remainingTtl is floored while fresh and at most -1 once stale', () => {
  const t = {
    storedAt: NOW,
    initialAge: 0,
    staleAt: NOW + 10_000,
    staleWhileRevalidateUntil: 0,
    staleIfErrorUntil: 0,
    expiresAt: 0,
  };
  expect(remainingTtl(t, NOW)).toBe(10);
  expect(remainingTtl(t, NOW + 500)).toBe(9);
  expect(remainingTtl(t, NOW + 10_000)).toBe(-1);
  expect(remainingTtl(t, NOW + 15_000)).toBe(-5);
});
