import { describe, expect, it } from 'vitest';
import { parseCacheControl } from '../../src/http/cache-control.js';
import { computeFreshness, currentAge, remainingTtl } from '../../src/http/freshness.js';
import type { HeaderMap } from '../../src/http/types.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const httpDate = (ms: number) => new Date(ms).toUTCString();

function lifetime(headers: HeaderMap, extra: { ttl?: number; defaultTtl?: number } = {}): number {
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
