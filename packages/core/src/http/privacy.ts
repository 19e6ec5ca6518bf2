/**
 * What makes a request private to a shared cache (RFC 9111 section 3.5, and what Varnish's built-in
 * configuration does): credentials. A request carrying `Authorization` or a `Cookie` is answered by
 * the origin and its response is not stored, unless the response says it is shareable (`public`,
 * `s-maxage`) or the route opts in; cookies can be named as ignorable (analytics) or as part of the
 * key (a language cookie).
 */
import type { CacheControl } from './cache-control.js';
import { parseCacheControl } from './cache-control.js';
import { headerString } from './headers.js';
import type { HeaderMap, RequestLike } from './types.js';

/** Why a request is private, as shown in `Cache-Status` `detail` when its response is not stored. */
export type PrivateReason = 'authorization' | 'cookie';

/** The cookie settings of a route, resolved. */
export interface CookieRules {
  /** The route stores and serves for requests with cookies as for any other. */
  readonly cacheCookies: boolean;
  /** Names of cookies that do not make a request private (analytics, consent). */
  readonly ignoreCookies: ReadonlySet<string>;
  /** Names of cookies whose values go into the key (sorted); they do not make a request private either. */
  readonly keyCookies: readonly string[];
}

/** The names of the cookies in a `Cookie` field, in order (RFC 6265 section 5.4: `name=value; ...`). */
function cookiePairs(field: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of field.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (name === '') continue;
    out.push([name, eq === -1 ? '' : part.slice(eq + 1).trim()]);
  }
  return out;
}

/**
 * `undefined` when `req` may be served from and stored in a shared cache, else what makes it
 * private: `Authorization` (unless `cacheAuthorized`), or a `Cookie` naming anything other than
 * ignored or key cookies (unless `cacheCookies`).
 */
export function privateReason(
  req: RequestLike,
  cacheAuthorized: boolean,
  cookies: CookieRules,
): PrivateReason | undefined {
  const headers = req.headers;
  if (headers.authorization !== undefined && !cacheAuthorized) return 'authorization';
  const field = headers.cookie;
  if (field === undefined || cookies.cacheCookies) return undefined;
  const text = headerString(field);
  if (text === undefined) return undefined;
  for (const [name] of cookiePairs(text)) {
    if (!cookies.ignoreCookies.has(name) && !cookies.keyCookies.includes(name)) return 'cookie';
  }
  return undefined;
}

/**
 * The part of the key the route's key cookies add: `''` when it names none, else one line per
 * named cookie the request carries (`\ncookie:lang=fr`), in name order, so that each value gets its
 * own entry. A cookie named twice counts by its first value, as most cookie parsers read it.
 */
export function cookieKeyPart(req: RequestLike, names: readonly string[]): string {
  if (names.length === 0) return '';
  const text = headerString(req.headers.cookie);
  if (text === undefined) return '';
  const pairs = cookiePairs(text);
  let out = '';
  for (const name of names) {
    const pair = pairs.find(([n]) => n === name);
    if (pair !== undefined) out += `\ncookie:${name}=${encodeURIComponent(pair[1])}`;
  }
  return out;
}

/**
 * Whether a response says a shared cache may give it to anyone, credentials or not (RFC 9111
 * section 3.5): `public` or `s-maxage`, and for `Authorization` also `must-revalidate`.
 */
export function isExplicitlyShareable(cc: CacheControl | undefined, reason: PrivateReason): boolean {
  if (cc === undefined) return false;
  return cc.public || cc.sMaxAge !== undefined || (reason === 'authorization' && cc.mustRevalidate);
}

/** {@link isExplicitlyShareable} of stored response headers. */
export function storedIsShareable(headers: Readonly<HeaderMap>, reason: PrivateReason): boolean {
  return isExplicitlyShareable(parseCacheControl(headers['cache-control']), reason);
}

/** Request fields that carry credentials: a background refresh never sends them. */
const CREDENTIAL_FIELDS = ['authorization', 'proxy-authorization', 'cookie'] as const;

/**
 * The request fields of a background refresh triggered by `headers`: no credentials (so the refresh
 * cannot fetch, and store, the page of whoever happened to trigger it), except the route's key
 * cookies, which select the entry being refreshed.
 */
export function withoutCredentials(headers: Readonly<HeaderMap>, keyCookies: readonly string[]): HeaderMap {
  const out: HeaderMap = { ...headers };
  for (const name of CREDENTIAL_FIELDS) delete out[name];
  if (keyCookies.length > 0) {
    const text = headerString(headers.cookie);
    if (text !== undefined) {
      const kept = cookiePairs(text).filter(([name]) => keyCookies.includes(name));
      if (kept.length > 0) out.cookie = kept.map(([n, v]) => `${n}=${v}`).join('; ');
    }
  }
  return out;
}
