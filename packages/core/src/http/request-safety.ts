/**
 * Requests a shared cache must not answer from, nor store for: their response may depend on
 * something the key does not hold, so one such request could shape the page every later visitor
 * gets (cache poisoning). They go to the origin untouched (`Cache-Status: ...; fwd=bypass;
 * detail=<reason>`).
 */
import { headerString } from './headers.js';
import type { Fill, HeaderMap, RequestLike } from './types.js';

/** Why a request bypasses the cache, as shown in `Cache-Status` `detail`. */
export type UnsafeRequestReason =
  /**
   * The target holds a `#`. A fragment is never part of a request target (RFC 9112 section 3.2), and
   * frameworks disagree on what follows it (Fastify's router reads it as query): no key can be sure
   * to name what the handler sees.
   */
  | 'fragment'
  /**
   * A GET or HEAD with a body (`Content-Length` above zero, or any `Transfer-Encoding`). The body is
   * not in the key, yet body parsers hand it to the handler (RFC 9110 section 9.3.1: a body on GET
   * has no defined semantics).
   */
  | 'request-body'
  /** A method-override header (`X-HTTP-Method-Override` and kin): the handler may act on another method. */
  | 'method-override';

/** The request fields frameworks' method-override middleware read. */
const METHOD_OVERRIDE_FIELDS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/**
 * `undefined` for an ordinary request, else why it must bypass the cache: a `#` in the target, a
 * body on GET or HEAD, or a method-override header. Pure; cheap for the common request (one string
 * search and four field reads).
 */
export function unsafeRequestReason(req: RequestLike): UnsafeRequestReason | undefined {
  if (req.url.includes('#')) return 'fragment';
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return 'request-body';
  const length = headers['content-length'];
  if (length !== undefined && !isZero(headerString(length))) return 'request-body';
  for (const name of METHOD_OVERRIDE_FIELDS) {
    if (headers[name] !== undefined) return 'method-override';
  }
  return undefined;
}

/** Whether a `Content-Length` value says no body; anything unreadable counts as a body. */
function isZero(value: string | undefined): boolean {
  return value !== undefined && /^\s*0+\s*$/.test(value);
}

/** The request field that marks the engine's own background refreshes (`HttpCache.revalidateHeader`). */
export const REFRESH_MARKER = 'x-larder-revalidate';

/**
 * What a request object keeps out of sight of its handler: the refresh marker
 * {@link removeRefreshMarker} took from its fields, and the client's own conditional fields
 * {@link applyValidators} replaced. One property, so that a lookup of a request that has neither
 * (nearly every one) costs one missing-property read.
 */
const kSaved = Symbol('larder.saved-fields');
interface SavedFields {
  marker?: string;
  client?: ClientFields;
}

/** The fields kept on `holder`, created when `create`. */
function savedFields(holder: object, create: true): SavedFields;
function savedFields(holder: object, create: false): SavedFields | undefined;
function savedFields(holder: object, create: boolean): SavedFields | undefined {
  const slot = holder as Record<symbol, SavedFields | undefined>;
  let saved = slot[kSaved];
  if (saved === undefined && create) slot[kSaved] = saved = {};
  return saved;
}

/**
 * Remove the refresh marker from a request's fields before its handler runs (adapters call it after
 * the lookup): the marker carries the engine's secret, and a handler that echoes request fields (a
 * debug page, an error page) would otherwise send it to a client, or into a stored page. `rawHeaders`
 * is Node's flat `[name, value, ...]` list, cleaned in place too. The value is kept out of sight on
 * `holder` (the framework's request object), for {@link withRefreshMarker}.
 */
export function removeRefreshMarker(
  holder: object,
  headers: Record<string, unknown>,
  rawHeaders?: string[] | undefined,
): void {
  const value = headers[REFRESH_MARKER];
  if (value === undefined) return;
  savedFields(holder, true).marker = Array.isArray(value) ? value.join(', ') : String(value);
  delete headers[REFRESH_MARKER];
  if (rawHeaders !== undefined) {
    for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
      if (rawHeaders[i]!.toLowerCase() === REFRESH_MARKER) rawHeaders.splice(i, 2);
    }
  }
}

type ClientFields = Record<string, unknown>;

/**
 * `headers` as the client sent them, for a second lookup of the same request (a `@cacheResponse`
 * handler below the route's own lookup): with the refresh marker {@link removeRefreshMarker} took
 * from `holder`'s request, which must still know it is the engine's refresh, and with the client's
 * own conditional fields in place of those {@link applyValidators} gave the handler.
 */
export function withRefreshMarker(holder: object, headers: Readonly<HeaderMap>): Readonly<HeaderMap> {
  const saved = savedFields(holder, false);
  if (saved === undefined) return headers;
  const { marker, client } = saved;
  if (marker === undefined && client === undefined) return headers;
  const out: HeaderMap = { ...headers };
  if (marker !== undefined) out[REFRESH_MARKER] = marker;
  if (client !== undefined) {
    for (const name in client) {
      const value = client[name] as HeaderMap[string];
      if (value === undefined) delete out[name];
      else out[name] = value;
    }
  }
  return out;
}

/**
 * Before the handler runs (adapters call it after the lookup, with the lookup's fill): when the fill
 * revalidates a stale stored response, give the handler the conditional fields its validators make
 * (`If-None-Match`, `If-Modified-Since`; see `Fill.validators`), in `headers` and in Node's flat
 * `rawHeaders` list (for handlers that forward the raw lines), replacing the client's own. The client's
 * fields are kept on `holder` (the framework's request object), for {@link withRefreshMarker}; the
 * engine evaluates them itself against what the revalidation leaves stored.
 */
export function applyValidators(
  holder: object,
  fill: Fill | null | undefined,
  headers: Record<string, unknown>,
  rawHeaders?: string[] | undefined,
): void {
  const saved = savedFields(holder, false)?.client;
  const fields = fill?.validators?.();
  if (fields === undefined) {
    // a second lookup of the request (a decorator's) that revalidates nothing: the handler gets the
    // client's own fields back, not those of the first lookup's entry
    if (saved !== undefined) for (const name in saved) setField(headers, rawHeaders, name, saved[name]);
    return;
  }
  const client: ClientFields = {};
  for (const name in fields) {
    client[name] = headers[name];
    setField(headers, rawHeaders, name, fields[name as keyof typeof fields]);
  }
  // a second application (a decorator's own lookup) keeps what the client sent
  savedFields(holder, true).client = saved ?? client;
}

/** Set (or, for `undefined`, remove) field `name` in `headers` and in the flat `rawHeaders` list. */
function setField(
  headers: Record<string, unknown>,
  rawHeaders: string[] | undefined,
  name: string,
  value: unknown,
): void {
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  if (rawHeaders === undefined) return;
  for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
    if (rawHeaders[i]!.toLowerCase() === name) rawHeaders.splice(i, 2);
  }
  if (value === undefined) return;
  for (const line of Array.isArray(value) ? value : [value]) rawHeaders.push(name, String(line));
}
