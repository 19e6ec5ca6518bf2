/**
 * Whether a shared cache may store a response (RFC 9111 section 3), as a reason token when it may
 * not. The token goes into `Cache-Status: ...; detail=<reason>` (RFC 9211 section 2.8).
 */
import type { CacheControl } from './cache-control.js';
import type { HeaderMap } from './types.js';

/** Why a response was not stored, as shown in `Cache-Status` `detail`. */
export type NotStoredReason =
  /**
   * A status that is not final, is request-specific (206, 304), is neither heuristically cacheable
   * nor given explicit freshness, or is not understood under `must-understand`.
   */
  | 'status'
  /** `Cache-Control` could not be read with certainty. */
  | 'malformed-cache-control'
  /** `Vary` named something that is not a field name. */
  | 'malformed-vary'
  | 'no-store'
  | 'private'
  /** Unqualified `no-cache`: it could be stored, but every use would need revalidation. */
  | 'no-cache'
  /** `Vary: *`: no later request can be shown to match. */
  | 'vary-star'
  | 'set-cookie'
  /** The request carried `Authorization` (RFC 9111 section 3.5). */
  | 'authorization'
  /** The request carried a cookie that is neither ignored nor keyed, and the response is not `public`/`s-maxage`. */
  | 'cookie'
  /** The body ended before the `Content-Length` it declared. */
  | 'incomplete'
  /** The request said `no-store` and the engine honours client directives. */
  | 'request-no-store'
  /** A zero fresh lifetime and no stale window. */
  | 'no-ttl'
  /** The body is over `maxEntryBytes`. */
  | 'too-large';

/**
 * The statuses RFC 9110 section 15.1 makes heuristically cacheable: stored without explicit
 * freshness (a route `ttl`, the engine's `ttl`, or heuristic freshness then gives the lifetime). 206
 * is left out because the engine stores whole responses only.
 */
export const STORABLE_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/**
 * The final statuses this cache understands (those RFC 9110 section 15 defines), for `must-understand`
 * (RFC 9111 section 5.2.2.3). 206 is not among them: the engine never stores a partial response.
 */
export const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408,
  409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505,
]);

/**
 * Whether a response gives its own freshness or permission to be cached (RFC 9111 section 3):
 * `max-age`, `s-maxage`, `Expires` (even an invalid one, which means already stale), or `public`
 * (which also allows heuristic freshness for any status, RFC 9111 section 4.2.2).
 */
function explicitlyCacheable(cc: CacheControl, headers: Readonly<HeaderMap>): boolean {
  return cc.maxAge !== undefined || cc.sMaxAge !== undefined || cc.public || headers.expires !== undefined;
}

/**
 * Whether a response with this status may be stored at all (RFC 9111 section 3): a final status
 * other than 206 and 304 (those describe one request), heuristically cacheable or explicitly
 * cacheable, and understood when the response says `must-understand`.
 */
function storableStatus(status: number, cc: CacheControl, headers: Readonly<HeaderMap>): boolean {
  if (status < 200 || status > 599 || status === 206 || status === 304) return false;
  if (cc.mustUnderstand && !UNDERSTOOD_STATUSES.has(status)) return false;
  return STORABLE_STATUSES.has(status) || explicitlyCacheable(cc, headers);
}

/** What {@link notStorableReason} judges. */
export interface StorabilityInput {
  status: number;
  headers: Readonly<HeaderMap>;
  /** The parsed `Cache-Control`, `undefined` when malformed. */
  cacheControl: CacheControl | undefined;
  /** The parsed `Vary`, as {@link parseVary} returns it. */
  vary: readonly string[] | '*' | undefined;
  /** Whether the request carried `Authorization`. */
  authorized: boolean;
  /** Whether the route stores authorized responses regardless. */
  cacheAuthorized: boolean;
  /** Whether the request said `no-store` and the engine honours it. */
  requestNoStore?: boolean;
  /** Whether the request carried cookies that make it private (see `privateReason`). */
  cookie?: boolean;
}

/**
 * `undefined` when a shared cache may store the response, else the first reason it may not:
 * a status it may not store (not final, 206 or 304, neither in {@link STORABLE_STATUSES} nor
 * explicitly cacheable, or not understood under `must-understand`), a malformed `Cache-Control` or `Vary`, `no-store`,
 * `private` (also `private="field"`: a shared cache cannot strip what it does not know the origin
 * meant, so the qualified form is not stored either), unqualified `no-cache`, `Vary: *`, any
 * `Set-Cookie` (one user's cookie must never be replayed to another), or a request with
 * `Authorization` unless the response says `public`, `s-maxage` or `must-revalidate` or the route
 * opts in (RFC 9111 section 3.5), or a request with a private cookie unless the response says
 * `public` or `s-maxage`.
 */
export function notStorableReason(input: StorabilityInput): NotStoredReason | undefined {
  const cc = input.cacheControl;
  if (cc === undefined) return STORABLE_STATUSES.has(input.status) ? 'malformed-cache-control' : 'status';
  if (!storableStatus(input.status, cc, input.headers)) return 'status';
  // must-understand: a cache that understands the status ignores no-store (RFC 9111 section 5.2.2.3)
  if (cc.noStore && !cc.mustUnderstand) return 'no-store';
  if (cc.private) return 'private';
  if (cc.noCache === true) return 'no-cache';
  if (input.vary === undefined) return 'malformed-vary';
  if (input.vary === '*') return 'vary-star';
  if (input.headers['set-cookie'] !== undefined) return 'set-cookie';
  if (input.requestNoStore) return 'request-no-store';
  if (
    input.authorized &&
    !input.cacheAuthorized &&
    !cc.public &&
    cc.sMaxAge === undefined &&
    !cc.mustRevalidate
  ) {
    return 'authorization';
  }
  if (input.cookie && !cc.public && cc.sMaxAge === undefined) return 'cookie';
  return undefined;
}
