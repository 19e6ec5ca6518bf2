/**
 * Freshness (RFC 9111 section 4.2) and the stale windows of RFC 5861, turned into the absolute times
 * a {@link StoredEntry} carries, so stores never have to parse headers.
 */

import type { StoredEntry } from '../store/types.js';
import type { CacheControl } from './cache-control.js';
import { headerString } from './headers.js';
import { parseHttpDate } from './http-date.js';
import { STORABLE_STATUSES } from './storability.js';
import type { HeaderMap, HeaderValue } from './types.js';

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
  /**
   * Heuristic freshness (RFC 9111 section 4.2.2) for a response without explicit freshness, a
   * heuristically cacheable `status` (or `public`) and a `Last-Modified`; `undefined` turns it off.
   */
  heuristic?: HeuristicFreshness | undefined;
  /** The response status, for heuristic freshness. */
  status?: number | undefined;
  /** The configured stale-while-revalidate window in ms: wins over the response's extension. */
  staleWhileRevalidate?: number | undefined;
  /** The configured stale-if-error window in ms: wins over the response's extension. */
  staleIfError?: number | undefined;
}

/** Heuristic freshness: a fraction of the time since `Last-Modified`, capped. */
export interface HeuristicFreshness {
  /** The fraction of `Date - Last-Modified` taken as the fresh lifetime (RFC 9111 section 4.2.2 suggests 10%). */
  readonly fraction: number;
  /** The longest heuristic lifetime, in ms. */
  readonly max: number;
}

/** The times of an entry, as {@link StoredEntry} holds them. */
export type EntryTimes = Pick<
  StoredEntry,
  'storedAt' | 'initialAge' | 'staleAt' | 'staleWhileRevalidateUntil' | 'staleIfErrorUntil' | 'expiresAt'
>;

const DIGITS = /^[0-9]+$/;

/**
 * The `Age` the response carries, in seconds, or 0 when it has none or an invalid one (RFC 9111
 * section 5.1: a recipient ignores an invalid `Age`). A field given as a list, or on several lines,
 * takes its first value, as a recipient of a singleton field does.
 */
export function ageOf(value: HeaderValue | undefined): number {
  if (value === undefined) return 0;
  const line = Array.isArray(value) ? value[0] : String(value);
  const first = line?.split(',', 1)[0]?.trim();
  return first !== undefined && DIGITS.test(first) ? Math.min(Number(first), 2_147_483_648) : 0;
}

/**
 * The age the response already had when it reached us, in whole seconds (RFC 9111 section 4.2.3:
 * the larger of its `Age` and the apparent age `now - Date`).
 */
function initialAgeOf(headers: Readonly<HeaderMap>, now: number, date: number | undefined): number {
  const ageValue = ageOf(headers.age);
  const apparent = date === undefined ? 0 : Math.max(0, Math.floor((now - date) / 1000));
  return Math.max(ageValue, apparent);
}

/**
 * The entry times of a response stored at `now`. The fresh lifetime is the route's `ttl` when given,
 * else `s-maxage`, else `max-age`, else `Expires - Date` (an invalid or repeated `Expires` means
 * already stale, RFC 9111 section 5.3), else the engine's `ttl`, else the heuristic lifetime (a
 * fraction of `Date - Last-Modified`, RFC 9111 section 4.2.2) when `heuristic` is given, else zero; lifetimes from the
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
  } else if (input.defaultTtl !== undefined) {
    lifetime = input.defaultTtl;
  } else {
    lifetime = heuristicLifetime(input, date) - initialAge * 1000;
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

/**
 * The heuristic lifetime in ms (RFC 9111 section 4.2.2): `fraction` of `Date - Last-Modified`, at most
 * `max`, for a heuristically cacheable status or a `public` response; 0 without a valid
 * `Last-Modified` in the past, or when heuristics are off.
 */
function heuristicLifetime(input: FreshnessInput, date: number | undefined): number {
  const { heuristic, status, headers, cacheControl: cc } = input;
  if (heuristic === undefined || status === undefined) return 0;
  if (!STORABLE_STATUSES.has(status) && !cc.public) return 0;
  const modified = parseHttpDate(headerString(headers['last-modified']), input.now);
  const reference = date ?? input.now;
  if (modified === undefined || modified >= reference) return 0;
  return Math.min((reference - modified) * heuristic.fraction, heuristic.max);
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
