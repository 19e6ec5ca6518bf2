/**
 * Background refresh (stale-while-revalidate, RFC 5861 section 3): which keys are being refreshed,
 * how a refresh request is built and dispatched, and how the engine recognises its own refreshes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { headerString } from './headers.js';
import type { EffectiveRoute } from './options.js';
import { withoutCredentials } from './privacy.js';
import { REFRESH_MARKER } from './request-safety.js';
import type { HeaderMap, HttpCacheStats, RequestLike } from './types.js';

/** Request fields that must not reach a background refresh: it has to fetch a full, storable response. */
const REFRESH_DROPPED = [
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
  // the client's own directives: its no-store would keep the refresh from being stored for everyone
  'cache-control',
  'pragma',
];

/**
 * Who refreshes a key when several processes share a tier: the miss strategy's answer. `undefined`
 * from {@link RefreshClaims.claimRefresh} means this process refreshes without asking anyone.
 */
export interface RefreshClaims {
  /**
   * Ask to refresh `key`: `'go'` (this process does), `'others'` (another process does; keep serving
   * stale and do not ask again until it is done) or `'drop'` (nothing to do any more). `wanted` tells
   * whether this refresh is still the one running.
   */
  claimRefresh(key: string, wanted: () => boolean): Promise<'go' | 'others' | 'drop'> | undefined;
  /** The refresh of `key` ended: let go of whatever the claim took that its fill did not use. */
  releaseRefresh(key: string): void;
}

/** What {@link Revalidation} needs from the engine. */
export interface RevalidationOptions {
  /** Dispatches a refresh request through the application (the adapters set it); absent, no refresh. */
  readonly revalidate: ((req: RequestLike) => Promise<unknown>) | undefined;
  /** Longest a key counts as being refreshed, in ms. */
  readonly lockTimeout: number;
  readonly stats: HttpCacheStats;
  readonly report: (error: unknown, context: string) => void;
  /** With a shared tier: who of the fleet refreshes. */
  readonly claims: RefreshClaims | undefined;
}

/**
 * The engine's background refreshes: at most one per key (HTTP entries and {@link HttpCache.wrap}
 * values alike), each bounded by `lockTimeout`, and a per-engine secret that marks their requests.
 */
export class Revalidation {
  readonly #o: RevalidationOptions;
  readonly #refreshing = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #secret = randomBytes(18).toString('base64url');
  /** The secret's digest: refresh markers are compared digest to digest, in constant time whatever their length. */
  readonly #secretDigest = createHash('sha256').update(this.#secret).digest();
  #closed = false;

  constructor(options: RevalidationOptions) {
    this.#o = options;
  }

  /** Whether `req` is this engine's own refresh: a client that does not know the secret gets nothing special. */
  isRefresh(req: RequestLike): boolean {
    const value = headerString(req.headers[REFRESH_MARKER]);
    if (value === undefined) return false;
    // digests of equal length, compared in constant time: neither the secret's bytes nor its length
    // can be learnt from how long a wrong guess takes
    const given = createHash('sha256').update(value).digest();
    return timingSafeEqual(given, this.#secretDigest);
  }

  /** Start the one background refresh of `key` from a stale hit on `req`, unless one is running or none can be dispatched. */
  start(key: string, req: RequestLike, route: EffectiveRoute): void {
    const revalidate = this.#o.revalidate;
    if (revalidate === undefined || this.#refreshing.has(key) || this.#closed) return;
    const timer = this.begin(key);
    // without the credentials of whoever triggered it: the refresh fetches the page anyone gets
    const headers: HeaderMap = withoutCredentials(req.headers, route.cookies.keyCookies);
    for (const name of REFRESH_DROPPED) delete headers[name];
    headers[REFRESH_MARKER] = this.#secret;
    const refresh: RequestLike = { method: 'GET', url: req.url, headers };
    if (req.scheme !== undefined) refresh.scheme = req.scheme;
    void (async () => {
      // with a shared tier, one process of the fleet refreshes; the others keep serving stale until
      // its fill notice drops their copy (or lockTimeout passes), and do not ask again meanwhile
      let othersRefresh = false;
      try {
        const claim = this.#o.claims?.claimRefresh(
          key,
          () => !this.#closed && this.#refreshing.get(key) === timer,
        );
        if (claim !== undefined) {
          const answer = await claim;
          if (answer === 'others') othersRefresh = true;
          if (answer !== 'go') return;
        }
        await revalidate(refresh);
      } catch (error) {
        this.#o.report(error, 'revalidate');
      } finally {
        if (!othersRefresh) {
          this.#o.claims?.releaseRefresh(key);
          this.done(key, timer);
        }
      }
    })();
  }

  /** Whether `key` is being refreshed. */
  has(key: string): boolean {
    return this.#refreshing.has(key);
  }

  /** Whether refreshes may start: false once closed. */
  get open(): boolean {
    return !this.#closed;
  }

  /** Mark `key` as refreshing until {@link done}, or for `lockTimeout` at most; counts a revalidation. */
  begin(key: string): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => this.done(key, timer), this.#o.lockTimeout);
    timer.unref?.();
    this.#refreshing.set(key, timer);
    this.#o.stats.revalidations++;
    return timer;
  }

  /** End the refresh of `key`: the one started with `timer`, or whichever is running. */
  done(key: string, timer?: ReturnType<typeof setTimeout>): void {
    const current = this.#refreshing.get(key);
    if (current === undefined || (timer !== undefined && current !== timer)) return;
    clearTimeout(current);
    this.#refreshing.delete(key);
  }

  /** Forget every refresh and stop their timers; no refresh starts after. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#refreshing.values()) clearTimeout(timer);
    this.#refreshing.clear();
  }
}
