/**
 * The request's own `Cache-Control` directives (RFC 9111 section 5.2.1) and whether a stored
 * response may answer a request that carries them. Unlike the response parser, this one is lenient:
 * a directive it cannot read is ignored, never a reason to refuse the request.
 */
import type { StoredEntry } from '../store/types.js';
import { parseCacheControl } from './cache-control.js';
import { formatCacheStatus } from './cache-status.js';
import { EMPTY_BODY } from './entry-response.js';
import { currentAge } from './freshness.js';
import { headerString } from './headers.js';
import type { HeaderMap, ResponseToSend } from './types.js';

/** The request directives the engine acts on. Durations in seconds, as on the wire. */
export interface RequestDirectives {
  /** `max-age`: the client wants a response no older than this (RFC 9111 section 5.2.1.1). */
  maxAge?: number;
  /**
   * `max-stale`: the client accepts a response stale by up to this much (RFC 9111 section 5.2.1.2);
   * `Infinity` for `max-stale` without a value (any staleness).
   */
  maxStale?: number;
  /** `min-fresh`: the client wants a response fresh for at least this long (RFC 9111 section 5.2.1.3). */
  minFresh?: number;
  /** `no-cache` (or `Pragma: no-cache` without `Cache-Control`): validate before reuse (section 5.2.1.4). */
  noCache: boolean;
  /** `no-store` (RFC 9111 section 5.2.1.5). */
  noStore: boolean;
  /** `only-if-cached`: a stored response or a 504, never the origin (RFC 9111 section 5.2.1.7). */
  onlyIfCached: boolean;
}

const DIGITS = /^[0-9]+$/;
/** RFC 9111 section 1.2.2: a delta-seconds too large to represent is taken as 2^31. */
const DELTA_MAX = 2_147_483_648;

/** A delta-seconds argument (token or quoted), or `undefined` when it is not one. */
function delta(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  return DIGITS.test(text) ? Math.min(Number(text), DELTA_MAX) : undefined;
}

/**
 * The directives of a request's `Cache-Control` (and `Pragma: no-cache`, which counts only when
 * `Cache-Control` is absent, RFC 9111 section 5.4); `undefined` when the request carries none the
 * engine acts on, so that the common request costs nothing more. A directive with an invalid
 * argument (`max-age=abc`) is ignored; a repeated one keeps its first value.
 */
export function parseRequestDirectives(headers: Readonly<HeaderMap>): RequestDirectives | undefined {
  const field = headerString(headers['cache-control']);
  if (field === undefined) {
    const pragma = headerString(headers.pragma);
    if (pragma === undefined || !/(?:^|,)\s*no-cache\s*(?:,|$)/i.test(pragma)) return undefined;
    return { noCache: true, noStore: false, onlyIfCached: false };
  }
  const d: RequestDirectives = { noCache: false, noStore: false, onlyIfCached: false };
  let any = false;
  for (const part of field.split(',')) {
    const at = part.indexOf('=');
    const name = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    const value = at === -1 ? undefined : part.slice(at + 1).trim();
    switch (name) {
      case 'max-age': {
        const n = delta(value);
        if (n !== undefined && d.maxAge === undefined) {
          d.maxAge = n;
          any = true;
        }
        break;
      }
      case 'min-fresh': {
        const n = delta(value);
        if (n !== undefined && d.minFresh === undefined) {
          d.minFresh = n;
          any = true;
        }
        break;
      }
      case 'max-stale': {
        // without a value: any staleness; with an invalid one, ignored
        const n = value === undefined ? Number.POSITIVE_INFINITY : delta(value);
        if (n !== undefined && d.maxStale === undefined) {
          d.maxStale = n;
          any = true;
        }
        break;
      }
      case 'no-cache':
        d.noCache = any = true;
        break;
      case 'no-store':
        d.noStore = any = true;
        break;
      case 'only-if-cached':
        d.onlyIfCached = any = true;
        break;
    }
  }
  return any ? d : undefined;
}

/** What {@link fitsRequest} weighs of a stored response, at the time of the request. */
export interface StoredFit {
  /** The response's current age in seconds (RFC 9111 section 4.2.3). */
  age: number;
  /** How long it stays fresh, in ms: negative once stale (by how much). */
  remaining: number;
  /**
   * Whether the response allows being served stale at all: not under `must-revalidate`,
   * `proxy-revalidate`, `s-maxage` (which implies proxy-revalidate for a shared cache) or `no-cache`
   * (RFC 9111 section 4.2.4).
   */
  mayServeStale: boolean;
}

/**
 * Whether a stored response may answer a request with directives `d`, without going to the origin
 * (RFC 9111 section 4): not under `no-cache`; no older than `max-age`; fresh for at least
 * `min-fresh`; and either fresh, or stale by no more than `max-stale` when the response allows it.
 */
export function fitsRequest(d: RequestDirectives, stored: StoredFit): boolean {
  if (d.noCache) return false;
  if (d.maxAge !== undefined && stored.age > d.maxAge) return false;
  if (d.minFresh !== undefined && stored.remaining < d.minFresh * 1000) return false;
  if (stored.remaining > 0) return true;
  if (d.maxStale === undefined || !stored.mayServeStale) return false;
  return -stored.remaining <= d.maxStale * 1000;
}

/**
 * Whether a stored response with `headers` may be served stale at a client's request (`max-stale`):
 * not when its `Cache-Control` says `must-revalidate`, `proxy-revalidate`, `no-cache` or `s-maxage`
 * (which carries proxy-revalidate's meaning for a shared cache), RFC 9111 sections 4.2.4 and 5.2.2.
 */
export function staleAllowed(headers: Readonly<HeaderMap>): boolean {
  const cc = parseCacheControl(headers['cache-control']);
  if (cc === undefined) return false;
  return !cc.mustRevalidate && !cc.proxyRevalidate && cc.noCache === false && cc.sMaxAge === undefined;
}

/**
 * The request's directives a shared cache honours: `max-stale`, `only-if-cached` and `no-store`
 * always (they never send a request to the origin that a stored response would have answered;
 * `no-store` is a MUST of RFC 9111 section 5.2.1.5, and only keeps this request's own response out);
 * `no-cache`, `max-age` and `min-fresh` (which do) only when `honourAll` (the engine's
 * `honorClientNoCache`), `max-age=0` then counting as `no-cache`. `undefined` for a request with
 * none, at the cost of two field reads.
 */
export function honouredDirectives(
  headers: Readonly<HeaderMap>,
  honourAll: boolean,
): RequestDirectives | undefined {
  if (headers['cache-control'] === undefined && headers.pragma === undefined) return undefined;
  const d = parseRequestDirectives(headers);
  if (d === undefined) return undefined;
  if (honourAll) return d.maxAge === 0 ? { ...d, noCache: true } : d;
  if (d.maxStale === undefined && !d.onlyIfCached && !d.noStore) return undefined;
  const honoured: RequestDirectives = { noCache: false, noStore: d.noStore, onlyIfCached: d.onlyIfCached };
  if (d.maxStale !== undefined) honoured.maxStale = d.maxStale;
  return honoured;
}

/** Whether `entry` may answer a request with directives `d` at `now` ({@link fitsRequest}). */
export function storedFits(d: RequestDirectives, entry: StoredEntry, now: number): boolean {
  return fitsRequest(d, {
    age: currentAge(entry, now),
    remaining: entry.staleAt - now,
    mayServeStale: now < entry.staleAt || staleAllowed(entry.headers),
  });
}

/** The answer to `only-if-cached` when nothing stored fits: a 504 (RFC 9111 section 5.2.1.7). */
export function onlyIfCachedResponse(name: string): ResponseToSend {
  return {
    status: 504,
    headers: { 'content-length': '0', 'cache-status': formatCacheStatus(name, { detail: 'only-if-cached' }) },
    body: EMPTY_BODY,
  };
}
