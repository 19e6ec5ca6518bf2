/**
 * The HTTP caching engine. Adapters hand it requests and origin responses; it decides everything
 * else (DESIGN "Layers and data flow").
 */
import { ConfigError } from '../errors.js';
import { type AbsorbedErrorHandler, absorbedErrorReporter } from '../internal/absorbed-errors.js';
import type { HttpPersistOptions, Persistence } from '../persist/persist.js';
import { MemoryStore } from '../store/memory-store.js';
import type {
  EntryVersion,
  FillClaim,
  FillCoordinator,
  FillLease,
  FillOutcome,
  SharedBackend,
} from '../store/shared-backend.js';
import { TieredStore } from '../store/tiered-store.js';
import { isPromiseLike, type ResponseStore, type StoredEntry } from '../store/types.js';
import { cacheKey, keyOrigin, normalizePathAndQuery } from './cache-key.js';
import type { CacheStatusParams, ForwardReason } from './cache-status.js';
import { countLookup, type LookupResultLabel, type RouteStats } from './diagnostics.js';
import { entryResponse } from './entry-response.js';
import {
  type FillHost,
  type FillPlan,
  type FlightOutcome,
  HttpFill,
  STALE_IF_ERROR_STATUSES,
} from './fill.js';
import { remainingTtl } from './freshness.js';
import { HitForPass } from './hit-for-pass.js';
import { InvalidationLog, unsafeInvalidationTags } from './invalidation-log.js';
import {
  type EffectiveRoute,
  EffectiveRoutes,
  type ResolvedHttpCacheOptions,
  type ResolvedRouteOptions,
  resolveHttpCacheOptions,
} from './options.js';
import { cookieKeyPart, type PrivateReason, privateReason, storedIsShareable } from './privacy.js';
import {
  honouredDirectives,
  onlyIfCachedResponse,
  type RequestDirectives,
  storedFits,
} from './request-directives.js';
import { REFRESH_MARKER, unsafeRequestReason } from './request-safety.js';
import { type RefreshClaims, Revalidation } from './revalidation.js';
import { FLIGHT_TIMEOUT, type FlightLeader, SingleFlight } from './single-flight.js';
import { isApplicationTag, keyTag, originUrlTag, urlTag } from './tags.js';
import type {
  HeaderMap,
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
 * How much sooner than `lockTimeout` a process stops waiting for the fleet's filler (at most this many
 * ms, and a tenth of `lockTimeout`): time to read the shared store once and hand its own waiters the
 * result before their in-process wait times out.
 */
const CLAIM_MARGIN = 50;
/**
 * Longest a fleet filler's own waiters wait for its shared-store write to land before they get the
 * outcome anyway, in ms (see `#leaseFlight`).
 */
const LOCAL_RELEASE_GRACE = 25;

interface LookupContext {
  req: RequestLike;
  route: EffectiveRoute;
  baseKey: string;
  /** The normalised path and query, once computed. */
  path: string | undefined;
  head: boolean;
  refresh: boolean;
  /** The client asked to bypass stored responses and the engine honours it. */
  clientNoCache: boolean;
  /** The request's directives the engine honours, when it carries any (RFC 9111 section 5.2.1). */
  directives: RequestDirectives | undefined;
  requestNoStore: boolean;
  /** What makes the request private: stored entries answer it only when explicitly shareable. */
  private: PrivateReason | undefined;
}

function isEntry(value: unknown): value is StoredEntry {
  const e = value as StoredEntry | undefined;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.body instanceof Uint8Array &&
    typeof e.status === 'number' &&
    typeof e.expiresAt === 'number' &&
    typeof e.staleAt === 'number' &&
    typeof e.headers === 'object' &&
    e.headers !== null
  );
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
  readonly #store: ResponseStore;
  /** With `shared`: the store, as L1 memory in front of the shared L2. */
  readonly #tiered: TieredStore | undefined;
  /** With `shared`: the fleet's stampede protocol. */
  readonly #fills: FillCoordinator | undefined;
  /** How long a claim waits for another process's fill, in ms. */
  readonly #claimWait: number;
  /** Every lease this engine obtained, to tell its own fills from other engines' in fill notices. */
  readonly #leases = new WeakSet<FillLease>();
  /** Leases taken for background refreshes, until the refresh's own lookup picks them up. */
  readonly #refreshLeases = new Map<string, FillLease>();
  /** Undo the hooks into the shared backend (remote fill listener, retain). */
  readonly #detach: (() => Promise<void>)[] = [];
  readonly #flights: SingleFlight<FlightOutcome>;
  readonly #hitForPass: HitForPass;
  readonly #log = new InvalidationLog();
  readonly #revalidation: Revalidation;
  readonly #memo: ValueMemo;
  readonly #routes: EffectiveRoutes;
  readonly #host: FillHost;
  readonly #reportAbsorbed: AbsorbedErrorHandler;
  readonly #shared: SharedBackend | undefined;
  #closed = false;
  /** While the memory store loads from disk (`persist`): requests wait for it. */
  #loading: Promise<void> | undefined;
  #persistence: Persistence | undefined;
  readonly #stats: HttpCacheStats = {
    hits: 0,
    staleHits: 0,
    misses: 0,
    passes: 0,
    coalesced: 0,
    stores: 0,
    notStored: 0,
    revalidations: 0,
    invalidations: 0,
    errors: 0,
    fleetLeads: 0,
    fleetWaits: 0,
    fleetTimeouts: 0,
    fleetUnavailable: 0,
  };

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
    // with `persist`, the memory store (the L1 with `shared`) is ours to create, load and close
    const memoryOptions = {
      maxEntries: o.maxEntries,
      maxBytes: o.maxBytes,
      now: o.now,
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    };
    const local = o.persist === undefined ? undefined : new MemoryStore(memoryOptions);
    if (local !== undefined) this.#loading = this.#load(local, o.persist!);
    if (shared === undefined) {
      this.#store = o.store ?? local ?? new MemoryStore(memoryOptions);
    } else {
      if (local !== undefined) this.#detach.push(() => local.close());
      const tiered = new TieredStore({
        ...(local !== undefined ? { l1: local } : {}),
        l2: shared.store,
        // engines sharing one backend each get their own endpoint, so they hear each other
        bus: shared.bus?.connect?.() ?? shared.bus,
        l1Ttl: shared.l1Ttl,
        // a given L1 is bounded by its own options
        ...(local === undefined
          ? {
              maxEntries: o.maxEntries,
              maxBytes: o.maxBytes,
              ...(o.seed === undefined ? {} : { seed: o.seed }),
            }
          : {}),
        now: o.now,
        onError: (error, context) => this.#report(error, `shared.${context}`),
        onInvalidation: (message) => this.#log.noteMessage(message),
      });
      this.#tiered = tiered;
      this.#store = tiered;
      this.#fills = shared.fills;
      const stop = shared.fills?.onFill?.((key, lease) => {
        if (lease !== undefined && this.#leases.has(lease)) return;
        // another engine stored a newer entry: drop ours, and stop waiting to refresh it ourselves
        void tiered.invalidateLocal({ keys: [key] });
        this.#revalidation.done(key);
      });
      if (stop !== undefined) this.#detach.push(async () => stop());
      const release = shared.retain?.();
      if (release !== undefined) this.#detach.push(release);
    }
    this.#claimWait = Math.max(0, o.lockTimeout - Math.min(CLAIM_MARGIN, o.lockTimeout / 10));
    this.#flights = new SingleFlight(o.lockTimeout);
    this.#hitForPass = new HitForPass(o.hitForPass);
    this.#routes = new EffectiveRoutes(o);
    this.#revalidation = new Revalidation({
      revalidate: o.revalidate,
      lockTimeout: o.lockTimeout,
      stats: this.#stats,
      report: (error, context) => this.#report(error, context),
      claims: this.#fills === undefined ? undefined : this.#refreshClaims(),
    });
    this.#memo = new ValueMemo({
      defaults: o.route,
      maxEntryBytes: o.maxEntryBytes,
      lockTimeout: o.lockTimeout,
      now: o.now,
      read: (key) => this.#read(key),
      write: (key, entry) => this.#write(key, entry),
      refreshes: this.#revalidation,
      stats: this.#stats,
      report: (error, context) => this.#report(error, context),
    });
    this.#host = {
      name: o.name,
      engine: this,
      etag: o.etag,
      exposeTagHeaders: o.exposeTagHeaders,
      now: () => this.#now(),
      write: (key, entry, index, lease) => this.#write(key, entry, index, lease),
      invalidateUnsafe: (req, headers) => this.#invalidateUnsafe(req, headers),
      markPass: (key) => this.#hitForPass.mark(key, this.#now()),
      drop: (key) => {
        void Promise.resolve()
          .then(() => this.#store.delete(key))
          .catch((error: unknown) => this.#report(error, 'store.delete'));
      },
      clearPass: (key) => this.#hitForPass.delete(key),
      respond: (entry, req, now, params) => entryResponse(entry, req, now, o.name, params),
      report: (error, context) => this.#report(error, context),
      count: (counter) => {
        this.#stats[counter]++;
      },
      generation: () => this.#log.generation,
      invalidatedSince: (generation, tags) => this.#log.invalidatedSince(generation, tags),
    };
  }

  /** Load the memory store from disk; a failure is reported and leaves the cache in memory only. */
  async #load(store: MemoryStore, options: HttpPersistOptions): Promise<void> {
    try {
      this.#persistence = await store.persist({ ...options });
    } catch (error) {
      this.#report(error, 'persist');
    } finally {
      this.#loading = undefined;
    }
  }

  /**
   * Resolves once the memory store has loaded from disk (with `persist`; at once without). Never
   * rejects: a failure to load is reported to `onError` and the engine runs in memory only.
   */
  async ready(): Promise<void> {
    await this.#loading;
  }

  /** The running persistence (with `persist`, once loaded and unless loading failed). */
  get persistence(): Persistence | undefined {
    return this.#persistence;
  }

  /** The store entries live in. */
  get store(): ResponseStore {
    return this.#store;
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
    if (this.#loading !== undefined) await this.#loading;
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
    const directives = honouredDirectives(req.headers, this.#o.honorClientNoCache);
    const clientNoCache = directives?.noCache === true;
    const requestNoStore = directives?.noStore === true;
    const refresh = this.#revalidation.isRefresh(req);
    const result = await this.#lookup(
      {
        req,
        route: r,
        baseKey,
        path,
        head: method === 'HEAD',
        refresh,
        clientNoCache,
        directives,
        requestNoStore,
        private:
          req.headers.authorization === undefined && req.headers.cookie === undefined
            ? undefined
            : privateReason(req, r.cacheAuthorized, r.cookies),
      },
      0,
    );
    countLookup(r.counts, resultLabel(result, refresh), this.#o.name, this, baseKey);
    return result;
  }

  /**
   * Lookup counts per route pattern (the `route` route option, which the adapters set from the
   * router; `'*'` for lookups without one), since construction. Read at scrape time by
   * `@larder/prometheus`: the engine counts them anyway, so metrics cost a hit nothing more.
   */
  routeStats(): RouteStats[] {
    return this.#routes.stats();
  }

  async #lookup(ctx: LookupContext, attempt: number): Promise<LookupResult> {
    const base = await this.#read(ctx.baseKey);
    let key = ctx.baseKey;
    let entry = base;
    let index: StoredEntry | undefined;
    let fwd: ForwardReason = 'miss';
    if (base?.vary !== undefined) {
      index = base;
      key = variantKey(ctx.baseKey, base.vary, ctx.req.headers);
      entry = await this.#read(key);
      if (entry === undefined) fwd = 'vary-miss';
    }
    const now = this.#now();
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
      let flight = this.#flights.begin(key);
      // with a shared tier, the refresh claim took the fleet's lease for this key before dispatching
      const lease = this.#refreshLeases.get(key);
      if (lease !== undefined) {
        this.#refreshLeases.delete(key);
        flight = this.#leaseFlight(flight, lease);
      }
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
      const outcome = await waiting;
      return this.#afterWait(ctx, outcome, { key, index, stale, fwd }, attempt);
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
    if (flight !== undefined && this.#fills !== undefined) {
      return this.#claim(ctx, { key, index, stale, fwd, flight, validation }, seen, attempt);
    }
    return this.#miss(ctx, { key, index, stale, fwd, flight, validation });
  }

  /**
   * The fleet's part of a miss (DESIGN "Stampede protection" item 2), after this process's
   * single-flight made this request its leader: lead the fill for the fleet, or wait for the
   * process that does and then look up again. Local waiters get what the leader learns.
   */
  async #claim(
    ctx: LookupContext,
    at: {
      key: string;
      index: StoredEntry | undefined;
      stale: StoredEntry | undefined;
      fwd: ForwardReason;
      flight: FlightLeader<FlightOutcome>;
      validation: ValidationPlan | undefined;
    },
    seen: StoredEntry | undefined,
    attempt: number,
  ): Promise<LookupResult> {
    const claim = await this.#tryClaim(at.key, this.#claimWait);
    this.#stats[CLAIM_COUNTERS[claim.kind]]++;
    const flight = at.flight;
    switch (claim.kind) {
      case 'unavailable':
        // the shared tier is down: exactly the single-process engine
        return this.#miss(ctx, at);
      case 'lead': {
        // the previous filler may have finished between our read and our lock: then read its entry
        // rather than calling the origin a second time
        const current = claim.current === undefined ? await this.#readShared(at.key) : claim.current;
        if (current != null && this.#changedSince(seen, current) && attempt < MAX_RETRIES) {
          void claim.lease.release({ kind: 'retry', abandoned: false });
          // our L1 may hold the older copy we saw: the next look must reach the shared store
          await this.#tiered?.invalidateLocal({ keys: [at.key] });
          flight.settle({ kind: 'retry', abandoned: false });
          return this.#lookup(ctx, attempt + 1);
        }
        return this.#miss(ctx, { ...at, flight: this.#leaseFlight(flight, claim.lease), lease: claim.lease });
      }
      case 'done': {
        const outcome = toFlightOutcome(claim.outcome);
        // an older copy in our L1 (kept for stale-if-error) must not hide the new entry from the re-look
        if (claim.outcome.kind === 'filled') await this.#tiered?.invalidateLocal({ keys: [at.key] });
        if (outcome.kind === 'uncacheable' && outcome.status < 500) {
          // as the filler's own process does: later requests here pass without queueing
          this.#hitForPass.mark(at.key, this.#now());
        }
        flight.settle(outcome);
        return this.#afterWait(ctx, outcome, at, attempt);
      }
      case 'timeout': {
        // the filler is slower than lockTimeout: one last look at the shared store, else the origin
        // without storing (nginx proxy_cache_lock_timeout)
        const current = await this.#readShared(at.key);
        if (current !== undefined && this.#changedSince(seen, current) && attempt < MAX_RETRIES) {
          await this.#tiered?.invalidateLocal({ keys: [at.key] });
          flight.settle({ kind: 'retry', abandoned: false });
          return this.#lookup(ctx, attempt + 1);
        }
        flight.expire();
        this.#stats.passes++;
        return this.#pass('lock-timeout', ctx.req, ctx.route, {
          kind: 'pass',
          key: at.key,
          fwd: at.fwd,
          stale: at.stale,
          detail: 'lock-timeout',
        });
      }
    }
  }

  /** `claim` on the coordinator, as `'unavailable'` when it throws or rejects (it should not). */
  async #tryClaim(key: string, wait: number): Promise<FillClaim> {
    try {
      const claim = await this.#fills!.claim(key, { wait });
      if (typeof claim === 'object' && claim !== null) {
        if (claim.kind === 'lead') this.#leases.add(claim.lease);
        return claim;
      }
      throw new TypeError('fills.claim resolved something that is not a claim');
    } catch (error) {
      this.#report(error, 'shared.claim');
      return { kind: 'unavailable' };
    }
  }

  /** The entry at `key` in the shared store itself (not L1), absorbing failures (a miss). */
  async #readShared(key: string): Promise<StoredEntry | undefined> {
    try {
      const entry = await this.#tiered!.l2.get(key);
      return isEntry(entry) ? entry : undefined;
    } catch (error) {
      this.#report(error, 'shared.l2.get');
      return undefined;
    }
  }

  /** Whether `now` is a usable entry that another fill wrote after the lookup that saw `seen`. */
  #changedSince(seen: StoredEntry | undefined, now: EntryVersion): boolean {
    const t = this.#now();
    if (t >= now.expiresAt || (now.vary === undefined && t >= now.staleAt)) return false;
    return seen === undefined || now.storedAt !== seen.storedAt || now.staleAt !== seen.staleAt;
  }

  /**
   * The flight of a fill that holds the fleet's lease: settling it also releases the lease, once the
   * store write has landed, telling the other processes how the fill ended; this process's own
   * waiters get the outcome then too (at most `LOCAL_RELEASE_GRACE` ms later than they would
   * without a fleet). `flight` may be absent (a background refresh while a request's fill runs):
   * the lease is released all the same.
   */
  #leaseFlight(
    flight: FlightLeader<FlightOutcome> | undefined,
    lease: FillLease,
  ): FlightLeader<FlightOutcome> {
    let released = false;
    const release = (outcome: FlightOutcome) => {
      if (released) return;
      released = true;
      const fill: FillOutcome = outcome.kind === 'stored' ? { kind: 'filled' } : outcome;
      lease.release(fill).catch((error: unknown) => this.#report(error, 'shared.release'));
    };
    return {
      get settled() {
        return flight?.settled ?? released;
      },
      settle: (outcome, linger) => {
        if (linger === undefined) {
          flight?.settle(outcome);
          release(outcome);
          return;
        }
        // the fleet first: answering this process's waiters is a burst of work that would hold up
        // the shared store's write and the notice the other processes wait for. They get the
        // outcome once the write has landed, or after a short grace should Redis be slow.
        const grace = setTimeout(() => flight?.settle(outcome, linger), LOCAL_RELEASE_GRACE);
        grace.unref?.();
        const done = () => {
          clearTimeout(grace);
          release(outcome);
          flight?.settle(outcome);
        };
        linger.then(done, done);
      },
      expire: () => {
        flight?.expire();
        release({ kind: 'retry', abandoned: true });
      },
    };
  }

  async #afterWait(
    ctx: LookupContext,
    outcome: FlightOutcome | typeof FLIGHT_TIMEOUT,
    at: { key: string; index: StoredEntry | undefined; stale: StoredEntry | undefined; fwd: ForwardReason },
    attempt: number,
  ): Promise<LookupResult> {
    const now = this.#now();
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
    at: Pick<
      FillPlan,
      'key' | 'index' | 'stale' | 'fwd' | 'flight' | 'onDone' | 'lease' | 'refresh' | 'validation'
    >,
  ): LookupResult {
    // the URL tag is only needed to store, so hits never pay for it
    ctx.path ??= normalizePathAndQuery(ctx.req.url);
    const fill = new HttpFill(this.#host, {
      kind: 'miss',
      baseKey: ctx.baseKey,
      urlTag: urlTag(ctx.path),
      req: ctx.req,
      route: ctx.route,
      requestNoStore: ctx.requestNoStore,
      private: ctx.private,
      originUrlTag: originUrlTag(keyOrigin(ctx.req), ctx.path),
      ...at,
    });
    return { kind: 'miss', fill };
  }

  #pass(
    reason: PassReason,
    req: RequestLike,
    route: EffectiveRoute,
    at: Pick<FillPlan, 'kind' | 'key' | 'fwd'> & Partial<Pick<FillPlan, 'detail' | 'stale' | 'index'>>,
  ): LookupResult {
    const fill = new HttpFill(this.#host, {
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

  /** Who of the fleet refreshes a key: one process takes the fleet's lease for it, the others wait. */
  #refreshClaims(): RefreshClaims {
    return {
      claimRefresh: async (key, wanted) => {
        const claim = await this.#tryClaim(key, 0);
        if (claim.kind === 'unavailable') return 'go';
        if (claim.kind !== 'lead') return 'others';
        if (!wanted()) {
          void claim.lease.release({ kind: 'retry', abandoned: true });
          return 'drop';
        }
        this.#refreshLeases.set(key, claim.lease);
        return 'go';
      },
      releaseRefresh: (key) => {
        // a lease the refresh's lookup did not pick up (the route is not cached any more, say)
        const lease = this.#refreshLeases.get(key);
        if (lease === undefined) return;
        this.#refreshLeases.delete(key);
        void lease.release({ kind: 'retry', abandoned: true });
      },
    };
  }

  #now(): number {
    return this.#o.now();
  }

  /**
   * Read `key`, absorbing store failures (a miss) and anything that is not an entry. Answers at once
   * when the store does (a memory hit costs no promise), else with a promise that never rejects.
   * With a shared tier, while this process has a fill of `key` in flight only L1 is read: the shared
   * store cannot have a newer entry before the fill ends (its waiters hear of it then), so a burst of
   * requests on a cold key costs one L2 read per process, not one per request.
   */
  #read(key: string): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    let pending: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      const tiered = this.#tiered;
      pending =
        tiered !== undefined && this.#flights.running(key) ? tiered.l1.get(key) : this.#store.get(key);
    } catch (error) {
      this.#report(error, 'store.get');
      return undefined;
    }
    if (!isPromiseLike(pending)) return this.#checkEntry(key, pending);
    return Promise.resolve(pending).then(
      (value) => this.#checkEntry(key, value),
      (error: unknown) => {
        this.#report(error, 'store.get');
        return undefined;
      },
    );
  }

  /** What a store answered, as an entry or `undefined` (something else is reported). */
  #checkEntry(key: string, value: unknown): StoredEntry | undefined {
    if (value === undefined || value === null) return undefined;
    if (isEntry(value)) return value;
    this.#report(
      new TypeError(`store.get(${JSON.stringify(key)}) returned something that is not an entry`),
      'store.get',
    );
    return undefined;
  }

  /**
   * Write an entry (and a Vary index), absorbing failures; resolves when both writes settled. With a
   * lease, L1 is written directly and the shared L2 through the lease (conditional on holding it).
   */
  #write(
    key: string,
    entry: StoredEntry,
    index?: { key: string; entry: StoredEntry },
    lease?: FillLease,
  ): Promise<void> {
    const tiered = this.#tiered;
    const one = (k: string, e: StoredEntry): Promise<void> => {
      if (lease !== undefined && tiered !== undefined) {
        const both = async () => {
          await Promise.all([tiered.setLocal(k, e), lease.write(k, e)]);
        };
        return both().catch((error: unknown) => this.#report(error, 'store.set'));
      }
      try {
        return Promise.resolve(this.#store.set(k, e)).catch((error: unknown) =>
          this.#report(error, 'store.set'),
        );
      } catch (error) {
        this.#report(error, 'store.set');
        return Promise.resolve();
      }
    };
    // the variant first: an index visible before its variant would send readers to a vary-miss
    const written = one(key, entry);
    if (index === undefined) return written;
    return Promise.all([written, one(index.key, index.entry)]).then(() => undefined);
  }

  #deleteByTags(tags: string[], context: string): Promise<number> {
    try {
      return Promise.resolve(this.#store.deleteByTags(tags)).then(
        (n) => {
          const removed = typeof n === 'number' && n > 0 ? n : 0;
          this.#stats.invalidations += removed;
          return removed;
        },
        (error: unknown) => {
          this.#report(error, context);
          return 0;
        },
      );
    } catch (error) {
      this.#report(error, context);
      return Promise.resolve(0);
    }
  }

  /** After a successful unsafe request: what it invalidates (RFC 9111 section 4.4). */
  #invalidateUnsafe(req: RequestLike, headers: Readonly<HeaderMap>): void {
    const tags = unsafeInvalidationTags(req, headers);
    this.#log.note(tags);
    void this.#deleteByTags(tags, 'invalidate');
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
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('invalidate', options, 'an object with key, url or tags');
    }
    const { key, url, tags } = options;
    if (key !== undefined && (typeof key !== 'string' || key === '')) {
      throw new ConfigError('key', key, 'a non-empty string');
    }
    if (url !== undefined && (typeof url !== 'string' || url === '')) {
      throw new ConfigError('url', url, 'a non-empty string');
    }
    if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) {
      throw new ConfigError('tags', tags, 'an array of strings');
    }
    if (key === undefined && url === undefined && tags === undefined) {
      throw new ConfigError('invalidate', options, 'at least one of key, url or tags');
    }
    const all: string[] = [];
    if (key !== undefined) all.push(keyTag(key));
    if (url !== undefined) all.push(urlTag(normalizePathAndQuery(url)));
    if (tags !== undefined) all.push(...tags.filter(isApplicationTag));
    this.#log.note(all);
    const removed = await this.#store.deleteByTags(all);
    if (key !== undefined) {
      // an entry written by something other than this engine carries no key tag
      await this.#store.delete(key);
      this.#hitForPass.delete(key);
    }
    this.#stats.invalidations += removed;
    return removed;
  }

  /** Remove every entry and forget hit-for-pass keys. Rejects when the store fails. */
  async clear(): Promise<void> {
    this.#log.note(undefined);
    this.#hitForPass.clear();
    await this.#store.clear();
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
    for (const lease of this.#refreshLeases.values()) void lease.release({ kind: 'retry', abandoned: true });
    this.#refreshLeases.clear();
    await this.#loading;
    if (this.#persistence !== undefined) {
      // the final snapshot, before the store stops
      await this.#persistence.close().catch((error: unknown) => this.#report(error, 'persist.close'));
      this.#persistence = undefined;
    }
    await this.#store.close?.();
    // the shared backend is not ours to close: we only let go of it (it closes when its last user does)
    for (const detach of this.#detach.splice(0)) {
      try {
        await detach();
      } catch (error) {
        this.#report(error, 'shared.release');
      }
    }
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

/** Which counter of {@link HttpCacheStats} a fleet claim's answer adds to. */
const CLAIM_COUNTERS = {
  lead: 'fleetLeads',
  done: 'fleetWaits',
  timeout: 'fleetTimeouts',
  unavailable: 'fleetUnavailable',
} as const satisfies Record<FillClaim['kind'], keyof HttpCacheStats>;

/** The metrics label of a lookup's answer. */
function resultLabel(result: LookupResult, refresh: boolean): LookupResultLabel {
  switch (result.kind) {
    case 'miss':
      return refresh ? 'revalidated' : 'miss';
    case 'pass':
      return result.reason === 'bypass' ? 'bypass' : 'pass';
    default:
      return result.kind;
  }
}

/** What a fleet filler's outcome means to this process's own waiters. */
function toFlightOutcome(outcome: FillOutcome): FlightOutcome {
  switch (outcome.kind) {
    case 'filled':
      // the entry is in the shared store: look up again (one read of L2, then L1 for the rest)
      return { kind: 'retry', abandoned: false };
    case 'uncacheable':
      return { kind: 'uncacheable', status: outcome.status };
    default:
      return { kind: 'retry', abandoned: outcome.abandoned === true };
  }
}
