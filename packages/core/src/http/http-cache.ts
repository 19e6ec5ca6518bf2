/**
 * The HTTP caching engine. Adapters hand it requests and origin responses; it decides everything
 * else (DESIGN "Layers and data flow").
 */
import { ConfigError } from '../errors.js';
import { type AbsorbedErrorHandler, absorbedErrorReporter } from '../internal/absorbed-errors.js';
import type { Persistence } from '../persist/persist.js';
import { MemoryStore } from '../store/memory-store.js';
import type { FillLease, SharedBackend } from '../store/shared-backend.js';
import { isPromiseLike, type ResponseStore, type StoredEntry } from '../store/types.js';
import { cacheKey, normalizePathAndQuery } from './cache-key.js';
import type { CacheStatusParams, ForwardReason } from './cache-status.js';
import { countLookup, lookupLabel, newHttpCacheStats, type RouteStats } from './diagnostics.js';
import { entryResponse } from './entry-response.js';
import {
  type FillPlan,
  type FillServices,
  type FlightOutcome,
  HttpFill,
  STALE_IF_ERROR_STATUSES,
} from './fill.js';
import { FleetFill } from './fleet-fill.js';
import { remainingTtl } from './freshness.js';
import { HitForPass } from './hit-for-pass.js';
import { InvalidationLog, invalidationTags } from './invalidation-log.js';
import { type ClaimStep, LocalFill } from './local-fill.js';
import { type LookupContext, lookupContext } from './lookup-context.js';
import { type MissAt, missPlan } from './miss-plan.js';
import {
  type EffectiveRoute,
  EffectiveRoutes,
  type ResolvedHttpCacheOptions,
  type ResolvedRouteOptions,
  resolveHttpCacheOptions,
} from './options.js';
import { cookieKeyPart, storedIsShareable } from './privacy.js';
import { onlyIfCachedResponse, storedFits } from './request-directives.js';
import { REFRESH_MARKER, unsafeRequestReason } from './request-safety.js';
import { Revalidation } from './revalidation.js';
import { FLIGHT_TIMEOUT, type FlightLeader, SingleFlight } from './single-flight.js';
import type {
  HttpCacheOptions,
  HttpCacheStats,
  InvalidateOptions,
  LookupResult,
  PassReason,
  RequestLike,
  RouteCacheOptions,
} from './types.js';
import { type ValidationPlan, validationPlan } from './validation.js';
import { ValueMemo, type WrapOptions } from './value-memo.js';
import { variantKey } from './vary.js';

/** Methods that never change state (RFC 9110 section 9.2.1), so a response to them invalidates nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** How many times a waiter looks up again after a fill that taught nothing (threw, or request-specific). */
const MAX_RETRIES = 2;

/**
 * Whether a miss of this lookup may make it lead a fill (and claim the key for the fleet): not a
 * background refresh (its claim was taken before), a HEAD, a private request, or only-if-cached.
 */
function mayLeadFill(ctx: LookupContext): boolean {
  return !ctx.refresh && !ctx.head && ctx.private === undefined && ctx.directives?.onlyIfCached !== true;
}

/**
 * The framework-agnostic HTTP cache: key derivation, storability, freshness, Vary, 304s, `Age` and
 * `Cache-Status`, stale-while-revalidate, stale-if-error, tags and invalidation, single-flight and
 * hit-for-pass, over a {@link ResponseStore} (a bounded {@link MemoryStore} by default).
 *
 * Lookup-then-commit: `lookup(req, route)` answers `hit` or `stale` (send the response), or `miss`
 * or `pass` (call the origin, then hand its response to the returned {@link Fill}, whose `commit`
 * returns what to send). A failing store never fails a request: reads that fail are misses, writes
 * that fail are skipped, and both are reported to `onError`.
 */
export class HttpCache {
  /** The request header that marks the engine's own background refreshes (with a per-engine secret). */
  static readonly revalidateHeader = REFRESH_MARKER;

  readonly #o: ResolvedHttpCacheOptions;
  /** How misses are filled and entries read and written: alone, or with the fleet (`shared`). */
  readonly #misses: LocalFill;
  readonly #flights: SingleFlight<FlightOutcome>;
  readonly #hitForPass: HitForPass;
  readonly #log = new InvalidationLog();
  readonly #revalidation: Revalidation;
  readonly #memo: ValueMemo;
  readonly #routes: EffectiveRoutes;
  readonly #services: FillServices;
  readonly #reportAbsorbed: AbsorbedErrorHandler;
  readonly #shared: SharedBackend | undefined;
  #closed = false;
  #loading: Promise<void> | undefined; // the store loading (`persist`), as a field: every lookup reads it
  readonly #stats: HttpCacheStats = newHttpCacheStats();

  /**
   * @param options Engine options; every one is validated here, unknown names included.
   * @throws {@link ConfigError} naming the first invalid option and its value.
   */
  constructor(options: HttpCacheOptions = {}) {
    const o = resolveHttpCacheOptions(options);
    this.#o = o;
    this.#reportAbsorbed = absorbedErrorReporter(
      'HttpCache',
      o.onError,
      'LarderHttpCacheWarning',
      'LARDER_HTTP_CACHE_ERROR',
    );
    const shared = o.shared;
    this.#shared = shared;
    this.#flights = new SingleFlight(o.lockTimeout);
    this.#hitForPass = new HitForPass(o.hitForPass);
    const report = (error: unknown, context: string) => this.#report(error, context);
    // the miss strategy, chosen once (as bentocache chooses its one-tier or two-tier handler)
    this.#misses =
      shared === undefined
        ? new LocalFill(o, { stats: this.#stats, report })
        : new FleetFill(shared, o, {
            stats: this.#stats,
            report,
            flights: this.#flights,
            hitForPass: this.#hitForPass,
            log: this.#log,
            refreshDone: (key) => this.#revalidation.done(key),
          });
    this.#routes = new EffectiveRoutes(o);
    this.#loading = this.#misses.loading?.then(() => {
      this.#loading = undefined;
    });
    this.#revalidation = new Revalidation({
      revalidate: o.revalidate,
      lockTimeout: o.lockTimeout,
      stats: this.#stats,
      report,
      claims: this.#misses,
    });
    this.#memo = new ValueMemo(o, this.#misses, this.#revalidation, this.#stats, report);
    this.#services = {
      name: o.name,
      engine: this,
      etag: o.etag,
      exposeTagHeaders: o.exposeTagHeaders,
      now: o.now,
      writer: this.#misses,
      hitForPass: this.#hitForPass,
      log: this.#log,
      stats: this.#stats,
      report,
    };
  }

  /**
   * Resolves once the memory store has loaded from disk (with `persist`; at once without). Never
   * rejects: a failure to load is reported to `onError` and the engine runs in memory only.
   */
  async ready(): Promise<void> {
    await this.#misses.loading;
  }

  /** The running persistence (with `persist`, once loaded and unless loading failed). */
  get persistence(): Persistence | undefined {
    return this.#misses.persistence;
  }

  /** The store entries live in. */
  get store(): ResponseStore {
    return this.#misses.store;
  }

  /** The `shared` backend given at construction (metrics read its breaker), if any. */
  get shared(): SharedBackend | undefined {
    return this.#shared;
  }

  /** The engine's `name` (in `Cache-Status`, and the `cache` of diagnostics messages). */
  get name(): string {
    return this.#o.name;
  }

  /**
   * Look `req` up. GET and HEAD are served from the cache (HEAD from the GET entry); other methods
   * pass, and their fill invalidates the URL after a 2xx/3xx (RFC 9111 section 4.4). `route` is a
   * route's options, preferably as {@link validateRouteOptions} returned them (raw options are
   * validated on first use and remembered by identity); absent, the engine's defaults apply.
   * Never rejects because of the store; rejects with {@link ConfigError} for invalid raw route options.
   */
  async lookup(
    req: RequestLike,
    route?: ResolvedRouteOptions | RouteCacheOptions | false,
  ): Promise<LookupResult> {
    return this.lookupNow(req, route);
  }

  /**
   * {@link HttpCache.lookup}, answered synchronously whenever no wait is needed: a hit (or a miss) in
   * a store that reads synchronously (the default {@link MemoryStore}) costs no promise. A promise
   * otherwise, which never rejects because of the store. Adapters use it on their hot path.
   * @throws {@link ConfigError} for invalid raw route options (synchronously, or as a rejection).
   */
  lookupNow(
    req: RequestLike,
    route?: ResolvedRouteOptions | RouteCacheOptions | false,
  ): LookupResult | Promise<LookupResult> {
    if (this.#loading !== undefined) return this.#loading.then(() => this.lookupNow(req, route));
    const r = this.#routes.get(route === false ? undefined : route);
    const method = req.method.toUpperCase();
    if (route === false && (method === 'GET' || method === 'HEAD')) {
      // a route that opted out: untouched, but its unsafe requests below still invalidate
      this.#stats.passes++;
      countLookup(r.counts, 'bypass', this.#o.name, this, '');
      return this.#pass('bypass', req, r, { kind: 'pass', key: '', fwd: 'bypass' });
    }
    if (method !== 'GET' && method !== 'HEAD') {
      this.#stats.passes++;
      countLookup(r.counts, 'pass', this.#o.name, this, '');
      const unsafe = this.#o.invalidateOnUnsafe && !SAFE_METHODS.has(method);
      return this.#pass('method', req, r, {
        kind: unsafe ? 'unsafe' : 'pass',
        key: cacheKey(req),
        fwd: 'method',
      });
    }
    // a request whose response may depend on what no key holds: neither served nor stored
    const unsafeReason = unsafeRequestReason(req);
    if (unsafeReason !== undefined) {
      this.#stats.passes++;
      return this.#pass('bypass', req, r, { kind: 'pass', key: '', fwd: 'bypass', detail: unsafeReason });
    }
    let baseKey: string;
    let path: string | undefined;
    try {
      if (r.key === undefined) {
        path = normalizePathAndQuery(req.url);
        baseKey = cacheKey(req, path);
      } else {
        baseKey = r.key(req);
      }
      if (typeof baseKey !== 'string' || baseKey === '') {
        throw new TypeError(`key(req) must return a non-empty string, got ${typeof baseKey}`);
      }
      if (r.cookies.keyCookies.length > 0) baseKey += cookieKeyPart(req, r.cookies.keyCookies);
    } catch (error) {
      this.#report(error, 'key');
      this.#stats.passes++;
      countLookup(r.counts, 'error', this.#o.name, this, '');
      return this.#pass('bypass', req, r, { kind: 'pass', key: '', fwd: 'bypass', detail: 'key-error' });
    }
    const refresh = this.#revalidation.isRefresh(req);
    const ctx = lookupContext(req, r, baseKey, path, method === 'HEAD', this.#o.honorClientNoCache, refresh);
    const result = this.#lookup(ctx, 0);
    if (!isPromiseLike(result)) {
      countLookup(r.counts, lookupLabel(result, refresh), this.#o.name, this, baseKey);
      return result;
    }
    return result.then((settled) => {
      countLookup(r.counts, lookupLabel(settled, refresh), this.#o.name, this, baseKey);
      return settled;
    });
  }

  /**
   * Lookup counts per route pattern (the `route` option the adapters set; `'*'` without one), since
   * construction. `@larder/prometheus` reads them at scrape time: metrics cost a hit nothing more.
   */
  routeStats(): RouteStats[] {
    return this.#routes.stats();
  }

  /** Read the request's entry (through its Vary index), at once when the store answers at once. */
  #lookup(ctx: LookupContext, attempt: number): LookupResult | Promise<LookupResult> {
    const base = this.#misses.read(ctx.baseKey, mayLeadFill(ctx));
    if (isPromiseLike(base)) return base.then((b) => this.#variant(ctx, b, attempt));
    return this.#variant(ctx, base, attempt);
  }

  #variant(
    ctx: LookupContext,
    base: StoredEntry | undefined,
    attempt: number,
  ): LookupResult | Promise<LookupResult> {
    if (base?.vary === undefined) return this.#decide(ctx, ctx.baseKey, base, undefined, attempt);
    const key = variantKey(ctx.baseKey, base.vary, ctx.req.headers);
    const entry = this.#misses.read(key, mayLeadFill(ctx));
    if (isPromiseLike(entry)) return entry.then((e) => this.#decide(ctx, key, e, base, attempt));
    return this.#decide(ctx, key, entry, base, attempt);
  }

  /** Answer from what the store held at `key` (`index`: the Vary index it was found through). */
  #decide(
    ctx: LookupContext,
    key: string,
    found: StoredEntry | undefined,
    index: StoredEntry | undefined,
    attempt: number,
  ): LookupResult | Promise<LookupResult> {
    let entry = found;
    let fwd: ForwardReason = index !== undefined && found === undefined ? 'vary-miss' : 'miss';
    const now = this.#o.now();
    /** What the store held at `key`, usable or not: a fleet leader checks it did not change since. */
    const seen = entry;
    if (entry !== undefined && (entry.vary !== undefined || now >= entry.expiresAt)) entry = undefined;
    // a private request (credentials) gets only what the origin said anyone may get
    if (entry !== undefined && ctx.private !== undefined && !storedIsShareable(entry.headers, ctx.private)) {
      entry = undefined;
    }
    const stale = entry !== undefined && now < entry.staleIfErrorUntil ? entry : undefined;

    if (ctx.refresh) {
      // our own background refresh: always to the origin, never waiting on (or for) itself
      this.#stats.misses++;
      // with a shared tier, the refresh's claim took the fleet's lease for this key before dispatching
      const { flight, lease } = this.#misses.refreshFill(key, this.#flights.begin(key));
      return this.#miss(ctx, {
        key,
        index,
        stale,
        fwd: 'stale',
        flight,
        lease,
        onDone: () => this.#revalidation.done(key),
        refresh: true,
        validation: entry === undefined ? undefined : validationPlan(entry, ctx.req.headers),
      });
    }
    const d = ctx.directives;
    if (entry !== undefined && !ctx.clientNoCache) {
      const fits = d === undefined ? now < entry.staleAt : storedFits(d, entry, now);
      if (fits) {
        // fresh, or stale by no more than the client's max-stale allows
        this.#stats[now < entry.staleAt ? 'hits' : 'staleHits']++;
        return {
          kind: 'hit',
          response: entryResponse(entry, ctx.req, now, this.#o.name, this.#hitParams(entry, now)),
        };
      }
      // a client that asks for fresher than stored is not served stale
      const fresher = d !== undefined && (d.maxAge !== undefined || d.minFresh !== undefined);
      if (now >= entry.staleAt && now < entry.staleWhileRevalidateUntil && !fresher) {
        this.#stats.staleHits++;
        this.#revalidation.start(key, ctx.req, ctx.route);
        return {
          kind: 'stale',
          response: entryResponse(entry, ctx.req, now, this.#o.name, this.#hitParams(entry, now)),
        };
      }
    }
    if (d?.onlyIfCached === true) {
      // RFC 9111 section 5.2.1.7: nothing stored fits, and the origin is not to be asked
      this.#stats.passes++;
      return { kind: 'hit', response: onlyIfCachedResponse(this.#o.name) };
    }
    if (entry !== undefined) fwd = 'stale';
    if (ctx.clientNoCache) fwd = 'request';
    // a stale (or refused) entry with validators is revalidated rather than replaced (RFC 9111 section 4.3)
    const validation = entry === undefined || ctx.head ? undefined : validationPlan(entry, ctx.req.headers);

    if (ctx.private !== undefined) {
      // its answer is usually the visitor's own: it neither waits on another request's fill nor
      // makes others wait on it, and its fill stores only an explicitly shareable response (a HEAD,
      // which has no body to store for GET, passes)
      if (ctx.head) {
        this.#stats.passes++;
        return this.#pass('method', ctx.req, ctx.route, { kind: 'pass', key, fwd, stale });
      }
      this.#stats.misses++;
      return this.#miss(ctx, { key, index, stale, fwd, flight: undefined, validation });
    }
    const waiting = this.#flights.join(key);
    if (waiting !== undefined) {
      return waiting.then((outcome) => this.#afterWait(ctx, outcome, { key, index, stale, fwd }, attempt));
    }
    if (this.#hitForPass.has(key, now)) {
      this.#stats.passes++;
      return this.#pass('hit-for-pass', ctx.req, ctx.route, {
        kind: 'pass',
        key,
        fwd,
        detail: 'hit-for-pass',
        stale,
      });
    }
    if (ctx.head) {
      // a HEAD response has no body to store for GET; it goes forward without leading a fill
      this.#stats.passes++;
      return this.#pass('method', ctx.req, ctx.route, { kind: 'pass', key, fwd, stale });
    }
    this.#stats.misses++;
    const flight = this.#flights.begin(key);
    if (flight === undefined) return this.#miss(ctx, { key, index, stale, fwd, flight, validation });
    const at = { key, index, stale, fwd, validation };
    const step = this.#misses.claim(key, flight, seen, attempt < MAX_RETRIES);
    return isPromiseLike(step)
      ? step.then((s) => this.#afterClaim(ctx, at, flight, s, attempt))
      : this.#afterClaim(ctx, at, flight, step, attempt);
  }

  /** Go on with a miss as the miss strategy said (see {@link ClaimStep}). */
  #afterClaim(
    ctx: LookupContext,
    at: {
      key: string;
      index: StoredEntry | undefined;
      stale: StoredEntry | undefined;
      fwd: ForwardReason;
      validation: ValidationPlan | undefined;
    },
    flight: FlightLeader<FlightOutcome>,
    step: ClaimStep,
    attempt: number,
  ): LookupResult | Promise<LookupResult> {
    switch (step.kind) {
      case 'fill':
        return this.#miss(ctx, at, step.flight ?? flight, step.lease);
      case 'again':
        return this.#lookup(ctx, attempt + 1);
      case 'waited':
        return this.#afterWait(ctx, step.outcome, at, attempt);
      case 'timeout':
        this.#stats.passes++;
        return this.#pass('lock-timeout', ctx.req, ctx.route, {
          kind: 'pass',
          ...at,
          detail: 'lock-timeout',
        });
    }
  }

  async #afterWait(
    ctx: LookupContext,
    outcome: FlightOutcome | typeof FLIGHT_TIMEOUT,
    at: { key: string; index: StoredEntry | undefined; stale: StoredEntry | undefined; fwd: ForwardReason },
    attempt: number,
  ): Promise<LookupResult> {
    const now = this.#o.now();
    if (outcome === FLIGHT_TIMEOUT) {
      this.#stats.passes++;
      return this.#pass('lock-timeout', ctx.req, ctx.route, { kind: 'pass', ...at, detail: 'lock-timeout' });
    }
    if (outcome.kind === 'stored') {
      // the leader's response may vary on a field this request sends differently
      const expected =
        outcome.vary.length === 0 ? ctx.baseKey : variantKey(ctx.baseKey, outcome.vary, ctx.req.headers);
      if (expected === outcome.key) {
        this.#stats.hits++;
        this.#stats.coalesced++;
        return {
          kind: 'hit',
          response: entryResponse(outcome.entry, ctx.req, now, this.#o.name, { hit: true, collapsed: true }),
        };
      }
    } else if (outcome.kind === 'uncacheable' || outcome.abandoned) {
      const failed = outcome.kind === 'retry' || STALE_IF_ERROR_STATUSES.has(outcome.status);
      if (failed && at.stale !== undefined && now < at.stale.staleIfErrorUntil) {
        this.#stats.staleHits++;
        this.#stats.coalesced++;
        const params: CacheStatusParams = { fwd: 'stale', collapsed: true };
        if (outcome.kind === 'uncacheable') params.fwdStatus = outcome.status;
        return { kind: 'stale', response: entryResponse(at.stale, ctx.req, now, this.#o.name, params) };
      }
      if (outcome.kind === 'uncacheable') {
        this.#stats.passes++;
        return this.#pass('hit-for-pass', ctx.req, ctx.route, {
          kind: 'pass',
          ...at,
          detail: 'hit-for-pass',
        });
      }
    }
    if (attempt >= MAX_RETRIES) {
      this.#stats.passes++;
      return this.#pass('lock-timeout', ctx.req, ctx.route, { kind: 'pass', ...at, detail: 'lock-timeout' });
    }
    return this.#lookup(ctx, attempt + 1);
  }

  #hitParams(entry: StoredEntry, now: number): CacheStatusParams {
    return { hit: true, ttl: remainingTtl(entry, now) };
  }

  #miss(
    ctx: LookupContext,
    at: MissAt,
    flight?: FlightLeader<FlightOutcome>,
    lease?: FillLease,
  ): LookupResult {
    return { kind: 'miss', fill: new HttpFill(this.#services, missPlan(ctx, at, flight, lease)) };
  }

  #pass(
    reason: PassReason,
    req: RequestLike,
    route: EffectiveRoute,
    at: Pick<FillPlan, 'kind' | 'key' | 'fwd'> & Partial<Pick<FillPlan, 'detail' | 'stale' | 'index'>>,
  ): LookupResult {
    const fill = new HttpFill(this.#services, {
      baseKey: at.key,
      urlTag: '',
      originUrlTag: '',
      req,
      route,
      requestNoStore: false,
      ...at,
      flight: undefined,
    });
    return { kind: 'pass', reason, fill };
  }

  /**
   * Report an error an adapter absorbed, as the engine reports its own: to `onError` (else as a
   * process warning, once), counted in `stats().errors`. Never throws.
   */
  reportError(error: unknown, context: string): void {
    this.#report(error, context);
  }

  #report(error: unknown, context: string): void {
    this.#stats.errors++;
    this.#reportAbsorbed(error, context);
  }

  /**
   * Remove entries: by cache `key` (the entry and all its Vary variants), by `url` (a path with
   * optional query, normalised as keys are; every variant on every host), and by `tags` (route tags,
   * `Surrogate-Key`, `Cache-Tag`, {@link HttpCache.wrap} tags). Resolves how many entries were removed
   * (as the store counts them). Rejects with {@link ConfigError} for invalid arguments, and with the
   * store's error when the store fails: an explicit invalidation must not silently do nothing.
   */
  async invalidate(options: InvalidateOptions): Promise<number> {
    const all = invalidationTags(options);
    const key = options.key;
    this.#log.note(all);
    const store = this.#misses.store;
    const removed = await store.deleteByTags(all);
    if (key !== undefined) {
      // an entry written by something other than this engine carries no key tag
      await store.delete(key);
      this.#hitForPass.delete(key);
    }
    this.#stats.invalidations += removed;
    return removed;
  }

  /** Remove every entry and forget hit-for-pass keys. Rejects when the store fails. */
  async clear(): Promise<void> {
    this.#log.note(undefined);
    this.#hitForPass.clear();
    await this.#misses.store.clear();
  }

  /** A snapshot of the counters since construction. */
  stats(): HttpCacheStats {
    return { ...this.#stats };
  }

  /**
   * Stop every timer (in-flight waits end as lock timeouts, background refreshes are forgotten) and
   * close the store. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flights.close();
    this.#memo.close();
    this.#revalidation.close();
    this.#hitForPass.clear();
    this.#misses.stop();
    await this.#misses.close();
  }

  /**
   * Cache the result of `fn` under `key` for callers that are not HTTP handlers (the decorator).
   * Concurrent calls for a missing key share one call of `fn` (waiting at most `lockTimeout`, then
   * calling `fn` themselves); rejections are shared with those waiters but never stored. Values go
   * through `node:v8` `serialize`/`deserialize`, so Dates, Maps, Sets, typed arrays and bigints
   * survive and every hit returns a fresh copy; a value that cannot be serialised (a function) is
   * returned but not stored, as is one that `condition` turns down. With `staleWhileRevalidate`, a
   * stale value is returned at once while one background call of `fn` refreshes it. `key` is used as
   * the store key as is, so it shares the namespace of `key(req)` results; `invalidate({ key })` and
   * `invalidate({ tags })` remove it.
   * @throws {@link ConfigError} (as a rejection) for an invalid key, fn or option, or with no `ttl`
   * here nor on the engine.
   */
  async wrap<T>(key: string, fn: () => T | Promise<T>, options: WrapOptions<T> = {}): Promise<T> {
    const o = this.#memo.resolve(key, fn, options as WrapOptions);
    if (this.#loading !== undefined) await this.#loading;
    return this.#memo.wrap(key, fn, o);
  }
}
