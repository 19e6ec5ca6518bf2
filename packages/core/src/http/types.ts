/**
 * The contract between the HTTP engine ({@link HttpCache}) and its doors: the Fastify plugin, the
 * Express middleware and the decorators. Adapters translate their framework's request and reply to
 * these shapes; every decision about HTTP caching is made by the engine.
 */

import type { Duration } from '../duration.js';
import type { HttpPersistOptions } from '../persist/persist.js';
import type { SharedBackend } from '../store/shared-backend.js';
import type { ResponseStore } from '../store/types.js';

/** Header values as Node's `http` module carries them; names are lower-case. */
export type HeaderValue = string | number | readonly string[];
/** A header map with lower-case names. */
export type HeaderMap = Record<string, HeaderValue | undefined>;

/** What the engine needs to know of a request. */
export interface RequestLike {
  /** The method, upper-case (`'GET'`). */
  method: string;
  /** Path and query as received (`'/items?b=2&a=1'`); the engine normalises it for keys. */
  url: string;
  /** Request headers, lower-case names (`host`, `authorization`, `if-none-match`, ...). */
  headers: Readonly<HeaderMap>;
  /**
   * The scheme the framework gives the handler (`'https'` behind TLS, or from `X-Forwarded-Proto`
   * where the framework trusts the proxy). Keys of `https` requests carry it, so a page built from
   * the scheme is never shared across schemes. @defaultValue `'http'`
   */
  scheme?: string;
}

/** A complete response, as captured from the origin or as the engine asks the adapter to send it. */
export interface ResponseLike {
  status: number;
  /** Lower-case names. */
  headers: HeaderMap;
  /** The body bytes; empty for HEAD, 204 and 304. */
  body: Uint8Array;
}

/** Per-route cache settings (Fastify `config.cache`, Express `cache.route(...)`), also the plugin's defaults. */
export interface RouteCacheOptions {
  /**
   * Fresh lifetime. When given, it wins over the response's `s-maxage`, `max-age` and `Expires`
   * (the route owner knows best); when absent, those headers decide, then the plugin's `ttl`.
   */
  ttl?: Duration;
  /** Serve stale for this long after `ttl` while one background request refreshes (RFC 5861). */
  staleWhileRevalidate?: Duration;
  /** Serve stale for this long after `ttl` when the origin fails (throws or answers 5xx) (RFC 5861). */
  staleIfError?: Duration;
  /** Replace the key derivation: return the cache key for this request (Vary still selects variants). */
  key?: (req: RequestLike) => string;
  /** Tags for this request's entry, merged with `Surrogate-Key`/`Cache-Tag` from the response. */
  tags?: (req: RequestLike) => readonly string[];
  /**
   * Store responses to requests that carry `Authorization` even when the response does not say
   * `public`, `s-maxage` or `must-revalidate` (RFC 9111 section 3.5). Only for routes whose response
   * does not depend on who asks. @defaultValue false
   */
  cacheAuthorized?: boolean;
  /** Largest body stored, in bytes; larger responses pass through unstored. */
  maxEntryBytes?: number;
  /**
   * Tell browsers and CDNs how long they may keep the response too: a response that the cache stores
   * under a `ttl` (the route's or the plugin's) and that carries no `Cache-Control` of its own gets
   * `Cache-Control: public, max-age=<ttl in s>` (`'private'`: `private, max-age=...`, for browsers
   * only), sent to the client and stored, so hits send it with their `Age`. A request that carried
   * `Authorization` or `Cookie` always gets `private`. Off by default: nothing the handler did not
   * announce as shareable is announced by the cache. @defaultValue false
   */
  cacheControl?: boolean | 'public' | 'private';
  /**
   * Fresh lifetime of error responses (404, 410 and 5xx), in place of `ttl`: a 404 caused by an
   * input the key does not hold must not be served to everyone for a route's full `ttl`. Absent,
   * such responses are stored only when their own headers give them a lifetime (`max-age`,
   * `s-maxage`, `Expires`). @defaultValue none
   */
  negativeTtl?: Duration;
  /**
   * Serve and store for requests that carry cookies as for any other: only for routes whose response
   * does not depend on the visitor's cookies. By default a request with a `Cookie` (other than
   * `ignoreCookies` and `keyCookies`) is not served from the cache, and its response is stored only
   * when it says `public` or `s-maxage`. @defaultValue false
   */
  cacheCookies?: boolean;
  /**
   * Names of cookies that do not make a request private (analytics, consent banners); the handler
   * must not build the page from them. @defaultValue []
   */
  ignoreCookies?: readonly string[];
  /**
   * Names of cookies whose values go into the key, so each value has its own entry (a language
   * cookie); they do not make a request private. @defaultValue []
   */
  keyCookies?: readonly string[];
  /**
   * The route pattern (`'/items/:id'`, never a URL with its values) this route's lookups are counted
   * under in {@link HttpCache.routeStats} and in the `larder:lookup` / `larder:fill` diagnostics
   * messages (the `route` label of `@larder/prometheus`). The adapters set it from the router
   * (Fastify's route URL, Express's mount and route path); on the engine's options it names every
   * route that has none. @defaultValue `'*'`
   */
  route?: string;
}

/** Options of {@link HttpCache} (and of the adapters, which add their own few). */
export interface HttpCacheOptions extends RouteCacheOptions {
  /** Where entries live. @defaultValue a bounded {@link MemoryStore} */
  store?: ResponseStore;
  /**
   * A shared tier for a fleet of processes (`createRedisBackend(...)` from `@larder/redis`). The
   * engine then keeps entries in a {@link TieredStore}: its own memory store (bounded by `maxEntries`
   * and `maxBytes`) as L1 in front of the backend's shared store, kept coherent through the backend's
   * bus; and a miss is filled by one process of the fleet while the others wait for its fill notice,
   * at most `lockTimeout` (DESIGN "Stampede protection"). When the backend is down, the engine behaves
   * as a single process. Not with `store`.
   */
  shared?: SharedBackend;
  /**
   * Keep the memory store (the L1 with `shared`) on disk in `persist.dir`, so that a restart on the
   * same directory starts warm: see `persist()`. Requests wait for the load (it happens once, at
   * start). Not with a custom `store` (persist that store yourself).
   */
  persist?: HttpPersistOptions;
  /** Bounds of the default memory store (the L1 with `shared`): most entries. @defaultValue 10_000 */
  maxEntries?: number;
  /** Bounds of the default memory store (the L1 with `shared`): most total bytes (bodies and headers). @defaultValue 64 MiB */
  maxBytes?: number;
  /**
   * Seed of the default memory store's eviction policy (`w-tinylfu`: its sketch's hashing, admission
   * jitter and key sampling), so that the same requests evict the same entries run after run, in a
   * test or a replay. A safe integer. Not with `store` (configure that store itself).
   * @defaultValue a random seed per engine, so that no client can aim keys at its counters
   */
  seed?: number;
  /**
   * How long a request waits for another's in-flight fill of the same key (in this process, or with
   * `shared` in any process of the fleet) before going to the origin itself (and not storing).
   * @defaultValue 5 s
   */
  lockTimeout?: Duration;
  /**
   * How long a key whose response could not be stored is hit-for-pass (as Varnish's `return(pass)`
   * objects, not its hit-for-miss): its requests go straight to the origin, without waiting on one
   * another, and their responses are not stored (`Cache-Status: ...; detail=hit-for-pass`) until it
   * runs out; an invalidation of the key or `clear()` ends it early. A 5xx never starts it. `0`
   * turns it off. @defaultValue 10 s
   */
  hitForPass?: Duration;
  /**
   * Honour the request directives that send a request to the handler (RFC 9111 section 5.2.1):
   * `no-cache` (and `Pragma: no-cache`), `max-age` (`0` counts as `no-cache`) and `min-fresh`; a
   * stored response is then revalidated (or replaced) instead of served. Off, a client cannot make
   * the cache call the handler at will. `max-stale`, `only-if-cached` (a `504` when nothing stored
   * fits) and `no-store` (that request's response is not stored) never load the handler and are
   * always honoured. @defaultValue false
   */
  honorClientNoCache?: boolean;
  /**
   * How long past its freshness a stored response that carries a validator from the handler (an
   * `ETag` it set, or a `Last-Modified`) is kept, so that it can be revalidated (RFC 9111 section
   * 4.3): the handler then runs with `If-None-Match` / `If-Modified-Since`, and a `304` from it
   * refreshes the stored response instead of sending the body again (Varnish's `keep`). A response
   * that says `no-cache`, or whose explicit lifetime is zero, is stored for this long too, and
   * revalidated on every use. `0` keeps responses only for their stale windows (they are still
   * revalidated within them).
   * @defaultValue 1 h
   */
  keep?: Duration;
  /** Add a strong `ETag` computed from the body to stored responses that have none. @defaultValue true */
  etag?: boolean;
  /**
   * Heuristic freshness (RFC 9111 section 4.2.2) for responses that give no lifetime of their own
   * (no `max-age`, `s-maxage` or `Expires`) when neither the route nor the engine sets a `ttl`: a
   * `fraction` of the time between `Last-Modified` and `Date`, at most `max`, for the heuristically
   * cacheable statuses (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501) and `public`
   * responses. `false` turns it off (such responses are then not stored).
   * @defaultValue `{ fraction: 0.1, max: '1d' }`
   */
  heuristicFreshness?: boolean | { fraction?: number; max?: Duration };
  /**
   * Targeted cache-control fields (RFC 9213) this cache obeys, in order of precedence: the first one
   * a response carries with a valid value (a Structured Field Dictionary of cache directives) decides
   * for this cache in place of `Cache-Control` and `Expires`. The fields are forwarded unchanged. Add
   * your own (`['larder-cache-control', 'cdn-cache-control']`), or `[]` to obey none.
   * @defaultValue `['cdn-cache-control']`
   */
  targetedCacheControl?: readonly string[];
  /** Invalidate a URL's entries after a successful unsafe request to it (POST, PUT, PATCH, DELETE). @defaultValue true */
  invalidateOnUnsafe?: boolean;
  /**
   * Send `Surrogate-Key` and `Cache-Tag` on to clients. They are the origin's instructions to this
   * cache (its tags), so by default they are read, kept in the entry's tags and removed from what
   * clients get and from stored headers, as Fastly does. @defaultValue false
   */
  exposeTagHeaders?: boolean;
  /** The name in `Cache-Status` (RFC 9211). @defaultValue 'larder' */
  name?: string;
  /** Clock for freshness, in ms since the epoch (tests inject one). @defaultValue Date.now */
  now?: () => number;
  /**
   * How the engine runs a background refresh for stale-while-revalidate: dispatch `req` through the
   * application as a new internal request (the adapters pass Fastify's `inject` or light-my-request).
   * The request carries an internal header that makes the engine treat it as a refresh. Without it,
   * stale-while-revalidate serves stale but refreshes on the next miss.
   */
  revalidate?: (req: RequestLike) => Promise<unknown>;
  /** Called with errors the engine absorbed (store failures, refresh failures); never rethrown. */
  onError?: (error: unknown, context: string) => void;
}

/** What to send to the client, fully decided by the engine. */
export type ResponseToSend = ResponseLike;

/** The origin's part of a miss: give the engine what the origin answered. */
export interface Fill {
  /** The cache key being filled. */
  readonly key: string;
  /** The most body bytes that will be stored (the route's or the engine's `maxEntryBytes`); stop buffering past it. */
  readonly maxEntryBytes: number;
  /**
   * When the lookup found a stale stored response it can revalidate (RFC 9111 section 4.3): the
   * conditional fields the handler must get, `If-None-Match` and `If-Modified-Since` from the stored
   * response (a value of `undefined` removes the field), else `undefined`. Call it just before giving
   * the handler these fields (`applyValidators` does both): from then on a `304` from the handler
   * refreshes the stored response, and the client gets the stored body (or its own 304). Without the
   * call, a 304 from the handler is taken as the answer to the client's own conditions, and passed on.
   */
  validators?(): Readonly<Record<'if-none-match' | 'if-modified-since', string | undefined>> | undefined;
  /**
   * Status and headers are known, the body is not (streams): returns the headers to send (the
   * origin's own, unchanged, plus `Cache-Status`), and whether the body should be buffered for
   * storing. Or, when the origin failed with 5xx and a stale entry may be served instead
   * (stale-if-error), `{ substitute }`: send that instead of the origin's response.
   */
  start(
    status: number,
    headers: HeaderMap,
  ): { store: boolean; headers: HeaderMap } | { substitute: ResponseToSend };
  /** The body after `start` (only when `start` said `store: true`): stores the entry. */
  finish(body: Uint8Array): void;
  /**
   * A buffered response in one call: `start` then `finish`, and returns what to send (with
   * `Cache-Status`, a generated `ETag`, a 304 when the request was conditional and matches, or the
   * stale substitute under stale-if-error).
   */
  commit(response: ResponseLike): ResponseToSend;
  /**
   * The origin failed without a response (the handler threw and the framework has no response yet),
   * or the body exceeded `maxEntryBytes` (pass the string `'too-large'`: the key is then remembered as
   * hit-for-pass, so later requests do not buffer it again), or the client went away. Releases
   * waiters. Returns a stale response to send instead when stale-if-error allows, else `undefined`.
   */
  abandon(reason?: unknown): ResponseToSend | undefined;
  /**
   * Another lookup of this request decides its response (a route decorator's, below the cache that
   * handed out this fill): nothing is stored under this fill's key, the requests waiting on it go to
   * the origin, and for `hitForPass` later requests for the key pass instead of waiting on a fill that
   * will not store. A no-op once the fill has started. The adapters' `@cacheResponse` call it.
   */
  supersede?(): void;
}

/** The outcome of {@link HttpCache.lookup}. */
export type LookupResult =
  /** Serve `response` (a stored response, a 304, or a HEAD without body); the origin is not called. */
  | { kind: 'hit'; response: ResponseToSend }
  /** Serve `response`, a stale entry, at once; the engine has started at most one background refresh. */
  | { kind: 'stale'; response: ResponseToSend }
  /** Call the origin, then hand its response to `fill`. */
  | { kind: 'miss'; fill: Fill }
  /**
   * Call the origin and send what it answers; nothing will be stored (uncacheable request, unsafe
   * method, hit-for-pass, opted-out route, lock timeout). Still hand the response to `fill`: it adds
   * `Cache-Status`, invalidates after unsafe methods, and applies stale-if-error.
   */
  | { kind: 'pass'; reason: PassReason; fill: Fill };

/**
 * Why a request was passed to the origin without caching (RFC 9211 `fwd` where one applies):
 * `method` (not GET, or a HEAD that leads no fill), `bypass` (an opted-out route, a request the
 * engine will not key, a key that failed), `hit-for-pass` (the key's last response could not be
 * stored), `lock-timeout` (the fill it waited on was too slow).
 */
export type PassReason = 'method' | 'bypass' | 'hit-for-pass' | 'lock-timeout';

/** Counters of {@link HttpCache.stats}. */
export interface HttpCacheStats {
  hits: number;
  staleHits: number;
  misses: number;
  passes: number;
  /** Requests answered by another request's fill (single-flight). */
  coalesced: number;
  stores: number;
  notStored: number;
  revalidations: number;
  invalidations: number;
  /** Errors the engine absorbed (store failures, refresh failures). */
  errors: number;
  /** With `shared`: misses for which this process took the fleet's lock and called the origin. */
  fleetLeads: number;
  /** With `shared`: misses that waited for another process's fill and were told it ended. */
  fleetWaits: number;
  /** With `shared`: misses that waited for another process's fill longer than `lockTimeout`. */
  fleetTimeouts: number;
  /** With `shared`: misses for which the fleet's lock could not be asked (the shared tier was down). */
  fleetUnavailable: number;
}

/** What {@link HttpCache.invalidate} removes. */
export interface InvalidateOptions {
  /** A cache key (as `key(req)` returns, or as derived). */
  key?: string;
  /** A URL path with optional query (`'/items/1'`), on any host, all its variants. */
  url?: string;
  /** Every entry with any of these tags. */
  tags?: readonly string[];
}
