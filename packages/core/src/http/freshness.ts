/**
 * Freshness (RFC 9111 section 4.2) and the stale windows of RFC 5861, turned into the absolute times
 * a {@link StoredEntry} carries, so stores never have to parse headers.
 */

import type { StoredEntry } from '../store/types.js';
import type { CacheControl } from './cache-control.js';
import { headerString } from './headers.js';
import { parseHttpDate } from './http-date.js';
import type { HeaderMap } from './types.js';

/** What freshness is computed from. Durations in milliseconds. */
export interface FreshnessInput {
  /** The time the response is stored, ms since the epoch. */
  now: number;
  /** The origin's response headers. */
  headers: Readonly<HeaderMap>;
  /** The response's parsed `Cache-Control`. */
  cacheControl: CacheControl;
  /** The route's `ttl` in ms: wins over the response's headers. */
  ttl?: number | undefined;
  /** The engine's `ttl` in ms: used when neither the route nor the response gives a lifetime. */
  defaultTtl?: number | undefined;
  /** The configured stale-while-revalidate window in ms: wins over the response's extension. */
  staleWhileRevalidate?: number | undefined;
  /** The configured stale-if-error window in ms: wins over the response's extension. */
  staleIfError?: number | undefined;
}

/** The times of an entry, as {@link StoredEntry} holds them. */
export type EntryTimes = Pick<
  StoredEntry,
  'storedAt' | 'initialAge' | 'staleAt' | 'staleWhileRevalidateUntil' | 'staleIfErrorUntil' | 'expiresAt'
>;

const DIGITS = /^[0-9]+$/;

/**
 * The age the response already had when it reached us, in whole seconds (RFC 9111 section 4.2.3:
 * the larger of its `Age` and the apparent age `now - Date`).
 */
function initialAgeOf(headers: Readonly<HeaderMap>, now: number, date: number | undefined): number {
  const ageText = headerString(headers.age)?.trim();
  const ageValue =
    ageText !== undefined && DIGITS.test(ageText) ? Math.min(Number(ageText), 2_147_483_648) : 0;
  const apparent = date === undefined ? 0 : Math.max(0, Math.floor((now - date) / 1000));
  return Math.max(ageValue, apparent);
}

/**
 * The entry times of a response stored at `now`. The fresh lifetime is the route's `ttl` when given,
 * else `s-maxage`, else `max-age`, else `Expires - Date` (an invalid or repeated `Expires` means
 * already stale, RFC 9111 section 5.3), else the engine's `ttl`, else zero; lifetimes from the
 * response's headers are reduced by its initial age (RFC 9111 section 4.2.3); never negative. The
 * stale windows start at `staleAt`: the configured ones, else the response's `stale-while-revalidate`
 * and `stale-if-error` (RFC 5861); both are zero under `must-revalidate` or `proxy-revalidate`
 * (RFC 9111 section 4.2.4 forbids serving such a response stale).
 */
export function computeFreshness(input: FreshnessInput): EntryTimes {
  const { now, headers, cacheControl: cc } = input;
  const date = parseHttpDate(headerString(headers.date), now);
  const initialAge = initialAgeOf(headers, now, date);
  let lifetime: number;
  if (input.ttl !== undefined) {
    lifetime = input.ttl;
  } else if (cc.sMaxAge !== undefined || cc.maxAge !== undefined) {
    lifetime = ((cc.sMaxAge ?? cc.maxAge)! - initialAge) * 1000;
  } else if (headers.expires !== undefined) {
    const lines = headers.expires;
    const single = typeof lines === 'string' || typeof lines === 'number' || new Set(lines).size === 1;
    const expires = single ? parseHttpDate(headerString(lines), now) : undefined;
    lifetime = expires === undefined ? 0 : expires - (date ?? now) - initialAge * 1000;
  } else {
    lifetime = input.defaultTtl ?? 0;
  }
  lifetime = Math.max(0, lifetime);
  const noStale = cc.mustRevalidate || cc.proxyRevalidate;
  const swr = noStale ? 0 : (input.staleWhileRevalidate ?? (cc.staleWhileRevalidate ?? 0) * 1000);
  const sie = noStale ? 0 : (input.staleIfError ?? (cc.staleIfError ?? 0) * 1000);
  const staleAt = now + lifetime;
  return {
    storedAt: now,
    initialAge,
    staleAt,
    staleWhileRevalidateUntil: staleAt + swr,
    staleIfErrorUntil: staleAt + sie,
    expiresAt: staleAt + Math.max(swr, sie),
  };
}

/** The `Age` of `entry` at `now`, in whole seconds (RFC 9111 section 4.2.3). */
export function currentAge(entry: EntryTimes, now: number): number {
  return Math.max(0, Math.floor((now - entry.storedAt) / 1000)) + entry.initialAge;
}

/**
 * The remaining freshness of `entry` at `now` in whole seconds for `Cache-Status: ttl` (RFC 9211
 * section 2.4): rounded down while fresh, and at most -1 once stale, so a stale response never reads
 * as fresh.
 */
export function remainingTtl(entry: EntryTimes, now: number): number {
  const seconds = Math.floor((entry.staleAt - now) / 1000);
  return now >= entry.staleAt ? Math.min(-1, seconds) : seconds;
}
