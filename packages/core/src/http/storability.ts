/**
 * Whether a shared cache may store a response (RFC 9111 section 3), as a reason token when it may
 * not. The token goes into `Cache-Status: ...; detail=<reason>` (RFC 9211 section 2.8).
 */
import type { CacheControl } from './cache-control.js';
import type { HeaderMap } from './types.js';

/** Why a response was not stored, as shown in `Cache-Status` `detail`. */
export type NotStoredReason =
  /** A status outside {@link STORABLE_STATUSES}. */
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
 * The statuses stored by default: those RFC 9110 section 15.1 makes heuristically cacheable, so a
 * route `ttl` may apply to them; 206 is left out because the engine stores whole responses only.
 */
export const STORABLE_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501,
]);

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
 * a status outside {@link STORABLE_STATUSES}, a malformed `Cache-Control` or `Vary`, `no-store`,
 * `private` (also `private="field"`: a shared cache cannot strip what it does not know the origin
 * meant, so the qualified form is not stored either), unqualified `no-cache`, `Vary: *`, any
 * `Set-Cookie` (one user's cookie must never be replayed to another), or a request with
 * `Authorization` unless the response says `public`, `s-maxage` or `must-revalidate` or the route
 * opts in (RFC 9111 section 3.5), or a request with a private cookie unless the response says
 * `public` or `s-maxage`.
 */
export function notStorableReason(input: StorabilityInput): NotStoredReason | undefined {
  const cc = input.cacheControl;
  if (!STORABLE_STATUSES.has(input.status)) return 'status';
  if (cc === undefined) return 'malformed-cache-control';
  if (cc.noStore) return 'no-store';
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
