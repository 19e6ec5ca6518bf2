/**
 * Validation of the engine's and the routes' options, done once (at construction, at route
 * registration) so that requests never parse a duration. Every failure is a {@link ConfigError}
 * naming the option and the value.
 */
import { parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { knownOptions, seedOption } from '../internal/options-check.js';
import { checkPersistOptions, type HttpPersistOptions } from '../persist/persist.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES } from '../store/memory-store.js';
import type { SharedBackend } from '../store/shared-backend.js';
import type { ResponseStore } from '../store/types.js';
import { RouteCounters, type RouteStats } from './diagnostics.js';
import type { HeuristicFreshness } from './freshness.js';
import type { CookieRules } from './privacy.js';
import { DEFAULT_TARGETED_FIELDS } from './targeted-cache-control.js';
import type { HttpCacheOptions, RequestLike, RouteCacheOptions } from './types.js';

/** {@link RouteCacheOptions} after validation: durations in milliseconds, absent options absent. */
export interface ResolvedRouteOptions {
  /** Fresh lifetime in ms, winning over the response's headers. */
  readonly ttl?: number;
  /** Stale-while-revalidate window in ms (RFC 5861 section 3). */
  readonly staleWhileRevalidate?: number;
  /** Stale-if-error window in ms (RFC 5861 section 4). */
  readonly staleIfError?: number;
  /** The cache key override. */
  readonly key?: (req: RequestLike) => string;
  /** The tags of this request's entry. */
  readonly tags?: (req: RequestLike) => readonly string[];
  /** Store responses to authorized requests (RFC 9111 section 3.5). */
  readonly cacheAuthorized?: boolean;
  /** Largest body stored, in bytes. */
  readonly maxEntryBytes?: number;
  /** The `Cache-Control` sent from the ttl, if any (`true` resolves to `'public'`). */
  readonly cacheControl?: 'public' | 'private' | false;
  /** Fresh lifetime in ms of 404, 410 and 5xx responses, in place of `ttl`. */
  readonly negativeTtl?: number;
  /** Serve and store for requests with cookies as for any other. */
  readonly cacheCookies?: boolean;
  /** Cookies that do not make a request private. */
  readonly ignoreCookies?: readonly string[];
  /** Cookies whose values go into the key, sorted by name. */
  readonly keyCookies?: readonly string[];
  /** The route pattern the route's lookups are counted under. */
  readonly route?: string;
}

/** {@link HttpCacheOptions} after validation, with defaults applied. Durations in milliseconds. */
export interface ResolvedHttpCacheOptions {
  /** The engine-wide route options (`ttl` and the others), the defaults under every route's. */
  readonly route: ResolvedRouteOptions;
  /** Largest body stored, in bytes. @defaultValue 2 MiB */
  readonly maxEntryBytes: number;
  /** The store given, or `undefined` for the default {@link MemoryStore}. */
  readonly store: ResponseStore | undefined;
  /** The shared tier given, if any (then `store` is `undefined`). */
  readonly shared: SharedBackend | undefined;
  /** Persistence of the memory store (the L1 with `shared`), if asked for. */
  readonly persist: HttpPersistOptions | undefined;
  /** @defaultValue 10_000 */
  readonly maxEntries: number;
  /** @defaultValue 64 MiB */
  readonly maxBytes: number;
  /** Seed of the default memory store's policy; `undefined` for a random one. */
  readonly seed: number | undefined;
  /** @defaultValue 5000 ms */
  readonly lockTimeout: number;
  /** @defaultValue 10_000 ms */
  readonly hitForPass: number;
  /** @defaultValue false */
  readonly honorClientNoCache: boolean;
  /** How long past its freshness a response with a validator is kept for revalidation, in ms. @defaultValue 3_600_000 */
  readonly keep: number;
  /** @defaultValue true */
  readonly etag: boolean;
  /** Heuristic freshness, `undefined` when turned off. @defaultValue `{ fraction: 0.1, max: 86_400_000 }` */
  readonly heuristicFreshness: HeuristicFreshness | undefined;
  /** Targeted cache-control fields obeyed, lower-case, in order. @defaultValue `['cdn-cache-control']` */
  readonly targetedCacheControl: readonly string[];
  /** @defaultValue true */
  readonly invalidateOnUnsafe: boolean;
  /** @defaultValue false */
  readonly exposeTagHeaders: boolean;
  /** @defaultValue 'larder' */
  readonly name: string;
  /** @defaultValue Date.now */
  readonly now: () => number;
  /** Dispatches a background refresh through the application; absent, stale entries are served until their window ends. */
  readonly revalidate: ((req: RequestLike) => Promise<unknown>) | undefined;
  /** Receives absorbed errors; absent, each context warns once through `process.emitWarning`. */
  readonly onError: ((error: unknown, context: string) => void) | undefined;
}

/** Default largest stored body: 2 MiB. */
export const DEFAULT_MAX_ENTRY_BYTES = 2 * 1024 * 1024;

const ROUTE_OPTION_NAMES = [
  'ttl',
  'staleWhileRevalidate',
  'staleIfError',
  'key',
  'tags',
  'cacheAuthorized',
  'maxEntryBytes',
  'cacheControl',
  'negativeTtl',
  'cacheCookies',
  'ignoreCookies',
  'keyCookies',
  'route',
] as const satisfies readonly (keyof RouteCacheOptions)[];

const ENGINE_OPTION_NAMES = [
  ...ROUTE_OPTION_NAMES,
  'store',
  'shared',
  'persist',
  'maxEntries',
  'maxBytes',
  'seed',
  'lockTimeout',
  'hitForPass',
  'honorClientNoCache',
  'keep',
  'etag',
  'heuristicFreshness',
  'targetedCacheControl',
  'invalidateOnUnsafe',
  'exposeTagHeaders',
  'name',
  'now',
  'revalidate',
  'onError',
] as const satisfies readonly (keyof HttpCacheOptions)[];

const STORE_METHODS = ['get', 'set', 'delete', 'deleteByTags', 'clear'] as const;

/** Route options objects that came out of {@link validateRouteOptions}, so lookups skip validation. */
const resolved = new WeakSet<object>();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dotted(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function positiveInteger(option: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new ConfigError(option, value, 'a positive integer');
}

function boolean(option: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new ConfigError(option, value, 'true or false');
}

/** A cookie name: an RFC 6265 token (section 4.1.1). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function cookieNames(option: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && COOKIE_NAME.test(v))) {
    return [...new Set(value as string[])].sort();
  }
  throw new ConfigError(option, value, 'an array of cookie names');
}

/**
 * The longest timer Node keeps: a longer delay is clamped to 1 ms, which would turn a wait into none
 * (2^31 - 1 ms, about 24.8 days).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function func<F>(option: string, value: unknown): F {
  if (typeof value === 'function') return value as F;
  throw new ConfigError(option, value, 'a function');
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A route pattern: printable, at most 200 characters (a metrics label, so never a whole URL). */
function routeLabel(option: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 200 && !hasControlCharacter(value)) {
    return value;
  }
  throw new ConfigError(option, value, 'a route pattern: a string of 1 to 200 printable characters');
}

/**
 * Validate route cache options (Fastify `config.cache`, Express `cache.route(...)`) once, at
 * registration, and return them normalised: durations in milliseconds, absent options left out.
 * `prefix` is prepended to option names in errors (`'config.cache'` gives `config.cache.ttl`).
 * Throws {@link ConfigError} for an unknown option, a bad duration (`'5 min'`, `-1`), a non-function
 * `key` or `tags`, a non-boolean `cacheAuthorized` or a `maxEntryBytes` that is not a positive integer.
 * The result may be passed to {@link HttpCache.lookup} as is.
 */
export function validateRouteOptions(options: unknown, prefix = ''): ResolvedRouteOptions {
  if (isObject(options) && resolved.has(options)) return options as ResolvedRouteOptions;
  if (!isObject(options)) throw new ConfigError(prefix === '' ? 'route' : prefix, options, 'an object');
  knownOptions(options, ROUTE_OPTION_NAMES, prefix);
  const out = resolveRouteFields(options, prefix);
  resolved.add(out);
  return out;
}

function resolveRouteFields(options: Record<string, unknown>, prefix: string): ResolvedRouteOptions {
  const out: {
    -readonly [K in keyof ResolvedRouteOptions]: ResolvedRouteOptions[K];
  } = {};
  const {
    ttl,
    staleWhileRevalidate,
    staleIfError,
    key,
    tags,
    cacheAuthorized,
    maxEntryBytes,
    negativeTtl,
    cacheCookies,
    ignoreCookies,
    keyCookies,
    cacheControl,
    route,
  } = options;
  if (ttl !== undefined) out.ttl = parseDuration(dotted(prefix, 'ttl'), ttl);
  if (staleWhileRevalidate !== undefined) {
    out.staleWhileRevalidate = parseDuration(dotted(prefix, 'staleWhileRevalidate'), staleWhileRevalidate);
  }
  if (staleIfError !== undefined)
    out.staleIfError = parseDuration(dotted(prefix, 'staleIfError'), staleIfError);
  if (key !== undefined) out.key = func(dotted(prefix, 'key'), key);
  if (tags !== undefined) out.tags = func(dotted(prefix, 'tags'), tags);
  if (cacheAuthorized !== undefined)
    out.cacheAuthorized = boolean(dotted(prefix, 'cacheAuthorized'), cacheAuthorized);
  if (maxEntryBytes !== undefined)
    out.maxEntryBytes = positiveInteger(dotted(prefix, 'maxEntryBytes'), maxEntryBytes);
  if (cacheControl !== undefined) {
    if (cacheControl === true || cacheControl === 'public') out.cacheControl = 'public';
    else if (cacheControl === false || cacheControl === 'private') out.cacheControl = cacheControl;
    else
      throw new ConfigError(
        dotted(prefix, 'cacheControl'),
        cacheControl,
        "true, false, 'public' or 'private'",
      );
  }
  if (negativeTtl !== undefined) out.negativeTtl = parseDuration(dotted(prefix, 'negativeTtl'), negativeTtl);
  if (cacheCookies !== undefined) out.cacheCookies = boolean(dotted(prefix, 'cacheCookies'), cacheCookies);
  if (ignoreCookies !== undefined)
    out.ignoreCookies = cookieNames(dotted(prefix, 'ignoreCookies'), ignoreCookies);
  if (keyCookies !== undefined) out.keyCookies = cookieNames(dotted(prefix, 'keyCookies'), keyCookies);
  if (route !== undefined) out.route = routeLabel(dotted(prefix, 'route'), route);
  return Object.freeze(out);
}

/** Whether `options` is a {@link ResolvedRouteOptions} returned by {@link validateRouteOptions}. */
export function isResolvedRouteOptions(options: unknown): options is ResolvedRouteOptions {
  return isObject(options) && resolved.has(options);
}

/**
 * Validate {@link HttpCacheOptions} and apply defaults. Throws {@link ConfigError} naming the first
 * bad option, unknown names included.
 */
export function resolveHttpCacheOptions(options: unknown): ResolvedHttpCacheOptions {
  if (options === undefined) options = {};
  if (!isObject(options)) throw new ConfigError('options', options, 'an object');
  knownOptions(options, ENGINE_OPTION_NAMES, '');
  const o = options;
  const defined = (name: string) => o[name] !== undefined;
  const { maxEntryBytes, ...routeFields } = Object.fromEntries(
    ROUTE_OPTION_NAMES.filter(defined).map((name) => [name, o[name]]),
  );
  const route = resolveRouteFields(routeFields, '');
  resolved.add(route);

  let store: ResponseStore | undefined;
  if (o.store !== undefined) {
    const s = o.store;
    if (!isObject(s) || STORE_METHODS.some((m) => typeof s[m] !== 'function')) {
      throw new ConfigError(
        'store',
        s,
        `a ResponseStore (an object with ${STORE_METHODS.join(', ')} methods)`,
      );
    }
    if (s.close !== undefined && typeof s.close !== 'function') {
      throw new ConfigError('store', s, 'a ResponseStore whose close, when present, is a method');
    }
    store = s as unknown as ResponseStore;
    // bounds of the default store would be silently ignored; a custom store is bounded by its own options
    for (const name of ['maxEntries', 'maxBytes', 'seed']) {
      if (defined(name))
        throw new ConfigError(name, o[name], 'no value when a store is given (configure the store itself)');
    }
  }

  let shared: SharedBackend | undefined;
  if (o.shared !== undefined) {
    if (store !== undefined) {
      throw new ConfigError('shared', o.shared, 'no value when a store is given (shared brings its own)');
    }
    shared = checkShared(o.shared);
  }

  let persist: HttpPersistOptions | undefined;
  if (o.persist !== undefined) {
    if (store !== undefined) {
      throw new ConfigError(
        'persist',
        o.persist,
        'no value when a store is given (persist that store itself)',
      );
    }
    checkPersistOptions(o.persist, 'persist.');
    persist = o.persist as HttpPersistOptions;
  }

  const name = o.name ?? 'larder';
  if (typeof name !== 'string' || !/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(name)) {
    throw new ConfigError('name', name, 'a non-empty string of printable ASCII');
  }
  const lockTimeout = defined('lockTimeout') ? parseDuration('lockTimeout', o.lockTimeout) : 5000;
  if (lockTimeout <= 0 || lockTimeout > MAX_TIMER_MS) {
    throw new ConfigError(
      'lockTimeout',
      o.lockTimeout,
      'a duration above zero and below 2^31 ms (24.8 days)',
    );
  }
  const hitForPass = defined('hitForPass') ? parseDuration('hitForPass', o.hitForPass) : 10_000;

  return {
    route,
    maxEntryBytes:
      maxEntryBytes === undefined ? DEFAULT_MAX_ENTRY_BYTES : positiveInteger('maxEntryBytes', maxEntryBytes),
    store,
    shared,
    persist,
    maxEntries: defined('maxEntries') ? positiveInteger('maxEntries', o.maxEntries) : DEFAULT_MAX_ENTRIES,
    maxBytes: defined('maxBytes') ? positiveInteger('maxBytes', o.maxBytes) : DEFAULT_MAX_BYTES,
    seed: defined('seed') ? seedOption(o, 'seed') : undefined,
    lockTimeout,
    hitForPass,
    honorClientNoCache: defined('honorClientNoCache')
      ? boolean('honorClientNoCache', o.honorClientNoCache)
      : false,
    keep: defined('keep') ? parseDuration('keep', o.keep) : DEFAULT_KEEP,
    etag: defined('etag') ? boolean('etag', o.etag) : true,
    heuristicFreshness: resolveHeuristic(o.heuristicFreshness),
    targetedCacheControl: defined('targetedCacheControl')
      ? fieldNames('targetedCacheControl', o.targetedCacheControl)
      : DEFAULT_TARGETED_FIELDS,
    invalidateOnUnsafe: defined('invalidateOnUnsafe')
      ? boolean('invalidateOnUnsafe', o.invalidateOnUnsafe)
      : true,
    exposeTagHeaders: defined('exposeTagHeaders') ? boolean('exposeTagHeaders', o.exposeTagHeaders) : false,
    name,
    now: defined('now') ? func('now', o.now) : Date.now,
    revalidate: defined('revalidate') ? func('revalidate', o.revalidate) : undefined,
    onError: defined('onError') ? func('onError', o.onError) : undefined,
  };
}

/** Default `keep`: an hour. */
export const DEFAULT_KEEP = 3_600_000;

/** Default heuristic freshness: 10% of the time since `Last-Modified`, at most a day. */
export const DEFAULT_HEURISTIC_FRESHNESS: HeuristicFreshness = Object.freeze({
  fraction: 0.1,
  max: 86_400_000,
});

/** A list of header field names, lower-cased; `Cache-Control` itself is not a targeted field. */
function fieldNames(option: string, value: unknown): readonly string[] {
  const expected = 'an array of header field names (other than cache-control)';
  if (!Array.isArray(value)) throw new ConfigError(option, value, expected);
  for (const name of value) {
    const valid = typeof name === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
    // the offending name is shown, not the whole list
    if (!valid || name.toLowerCase() === 'cache-control') throw new ConfigError(option, name, expected);
  }
  return Object.freeze(value.map((name: string) => name.toLowerCase()));
}

/** `heuristicFreshness` resolved: `undefined` when off. */
function resolveHeuristic(value: unknown): HeuristicFreshness | undefined {
  if (value === undefined || value === true) return DEFAULT_HEURISTIC_FRESHNESS;
  if (value === false) return undefined;
  if (!isObject(value))
    throw new ConfigError('heuristicFreshness', value, 'true, false or { fraction, max }');
  knownOptions(value, ['fraction', 'max'], 'heuristicFreshness');
  const { fraction, max } = value;
  if (fraction !== undefined && !(typeof fraction === 'number' && fraction > 0 && fraction <= 1)) {
    throw new ConfigError('heuristicFreshness.fraction', fraction, 'a number above 0 and at most 1');
  }
  return Object.freeze({
    fraction: fraction ?? DEFAULT_HEURISTIC_FRESHNESS.fraction,
    max: max === undefined ? DEFAULT_HEURISTIC_FRESHNESS.max : parseDuration('heuristicFreshness.max', max),
  });
}

/** Checks the shape of a {@link SharedBackend}: its store, and its optional bus, fills and l1Ttl. */
function checkShared(value: unknown): SharedBackend {
  const expected = 'a SharedBackend (createRedisBackend from @larder/redis): { store, bus?, fills? }';
  if (!isObject(value)) throw new ConfigError('shared', value, expected);
  const s = value.store;
  if (!isObject(s) || STORE_METHODS.some((m) => typeof s[m] !== 'function')) {
    throw new ConfigError(
      'shared.store',
      s,
      `a ResponseStore (an object with ${STORE_METHODS.join(', ')} methods)`,
    );
  }
  const bus = value.bus;
  if (
    bus !== undefined &&
    (!isObject(bus) || typeof bus.publish !== 'function' || typeof bus.subscribe !== 'function')
  ) {
    throw new ConfigError('shared.bus', bus, 'an object with publish and subscribe methods');
  }
  if (isObject(bus) && bus.connect !== undefined && typeof bus.connect !== 'function') {
    throw new ConfigError('shared.bus', bus, 'a bus whose connect, when present, is a method');
  }
  const fills = value.fills;
  if (fills !== undefined && (!isObject(fills) || typeof fills.claim !== 'function')) {
    throw new ConfigError('shared.fills', fills, 'an object with a claim method');
  }
  const l1Ttl = value.l1Ttl;
  if (l1Ttl !== undefined && !(typeof l1Ttl === 'number' && Number.isFinite(l1Ttl) && l1Ttl > 0)) {
    throw new ConfigError('shared.l1Ttl', l1Ttl, 'a number of ms above zero');
  }
  if (value.retain !== undefined && typeof value.retain !== 'function') {
    throw new ConfigError('shared.retain', value.retain, 'a function');
  }
  return value as unknown as SharedBackend;
}

/** A route's options merged with the engine's, as a lookup and its fill use them. Durations in ms. */
export interface EffectiveRoute {
  /** The route's own `ttl`, which wins over the response's headers. */
  readonly ttl: number | undefined;
  /** The engine's `ttl`, used when the response gives no lifetime. */
  readonly defaultTtl: number | undefined;
  /** Heuristic freshness, after `defaultTtl`; `undefined` when off. */
  readonly heuristic: HeuristicFreshness | undefined;
  /** The targeted cache-control fields obeyed (RFC 9213), lower-case, first wins. */
  readonly targets: readonly string[];
  /** How long past its freshness a response with a validator is kept for revalidation, in ms. */
  readonly keep: number;
  readonly staleWhileRevalidate: number | undefined;
  readonly staleIfError: number | undefined;
  readonly key: ((req: RequestLike) => string) | undefined;
  readonly tags: readonly ((req: RequestLike) => readonly string[])[];
  readonly cacheAuthorized: boolean;
  readonly maxEntryBytes: number;
  /** Send `Cache-Control` from the ttl (see `RouteCacheOptions.cacheControl`). */
  readonly cacheControl: 'public' | 'private' | undefined;
  /** Lifetime of 404, 410 and 5xx responses in place of `ttl`; absent, only their own headers give one. */
  readonly negativeTtl: number | undefined;
  readonly cookies: CookieRules;
  /** The lookup counters of the route's pattern. */
  readonly counts: RouteCounters;
}

/**
 * The engine's {@link EffectiveRoute}s: each route object merged with the engine's options once and
 * remembered by identity, and the lookup counters per route pattern (bounded by the application's
 * routes).
 */
export class EffectiveRoutes {
  readonly #o: ResolvedHttpCacheOptions;
  readonly #routes = new WeakMap<object, EffectiveRoute>();
  readonly #counters = new Map<string, RouteCounters>();
  /** The engine's defaults, for lookups without route options. */
  readonly default: EffectiveRoute;

  constructor(options: ResolvedHttpCacheOptions) {
    this.#o = options;
    this.default = this.#merge(undefined);
  }

  /**
   * `route` merged with the engine's options (the defaults when absent); raw options are validated
   * on first use. @throws {@link ConfigError} for invalid raw route options.
   */
  get(route: ResolvedRouteOptions | RouteCacheOptions | undefined): EffectiveRoute {
    if (route === undefined) return this.default;
    let effective = this.#routes.get(route);
    if (effective === undefined) {
      effective = this.#merge(validateRouteOptions(route));
      this.#routes.set(route, effective);
    }
    return effective;
  }

  /** Lookup counts per route pattern, since construction. */
  stats(): RouteStats[] {
    return [...this.#counters.values()].map((c) => ({ ...c }));
  }

  #merge(route: ResolvedRouteOptions | undefined): EffectiveRoute {
    const o = this.#o;
    const engine = o.route;
    const tags: ((req: RequestLike) => readonly string[])[] = [];
    if (engine.tags !== undefined) tags.push(engine.tags);
    if (route?.tags !== undefined) tags.push(route.tags);
    return {
      ttl: route?.ttl,
      defaultTtl: engine.ttl,
      heuristic: o.heuristicFreshness,
      targets: o.targetedCacheControl,
      keep: o.keep,
      staleWhileRevalidate: route?.staleWhileRevalidate ?? engine.staleWhileRevalidate,
      staleIfError: route?.staleIfError ?? engine.staleIfError,
      key: route?.key ?? engine.key,
      tags,
      cacheAuthorized: route?.cacheAuthorized ?? engine.cacheAuthorized ?? false,
      maxEntryBytes: route?.maxEntryBytes ?? o.maxEntryBytes,
      cacheControl: (route?.cacheControl ?? engine.cacheControl) || undefined,
      negativeTtl: route?.negativeTtl ?? engine.negativeTtl,
      cookies: {
        cacheCookies: route?.cacheCookies ?? engine.cacheCookies ?? false,
        ignoreCookies: new Set(route?.ignoreCookies ?? engine.ignoreCookies ?? []),
        keyCookies: route?.keyCookies ?? engine.keyCookies ?? [],
      },
      counts: this.#countersOf(route?.route ?? engine.route ?? '*'),
    };
  }

  /** The counters of route pattern `route`, shared by every route object with that pattern. */
  #countersOf(route: string): RouteCounters {
    let counters = this.#counters.get(route);
    if (counters === undefined) {
      counters = new RouteCounters(route);
      this.#counters.set(route, counters);
    }
    return counters;
  }
}
