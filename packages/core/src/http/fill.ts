/**
 * The {@link Fill} handed out with a `miss` or a `pass`: it receives what the origin answered and
 * decides, once, whether to store it, what to send, and what the requests waiting on it get.
 */

import type { FillLease } from '../store/shared-backend.js';
import type { StoredEntry } from '../store/types.js';
import { type CacheControl, parseCacheControl } from './cache-control.js';
import {
  appendCacheStatus,
  type CacheStatusParams,
  type ForwardReason,
  formatCacheStatus,
} from './cache-status.js';
import { isConditional, isNotModified, notModifiedHeaders } from './conditional.js';
import { endFill, type FillOutcomeLabel, type FillTrace, startFill } from './diagnostics.js';
import { EMPTY_BODY, entryResponse } from './entry-response.js';
import { strongEtag } from './etag.js';
import { ageOf, computeFreshness, type EntryTimes } from './freshness.js';
import { headerString, storableHeaders } from './headers.js';
import type { HitForPass } from './hit-for-pass.js';
import { type InvalidationLog, unsafeInvalidationTags } from './invalidation-log.js';
import type { EffectiveRoute } from './options.js';
import type { PrivateReason } from './privacy.js';
import { REFRESH_MARKER } from './request-safety.js';
import type { FlightLeader } from './single-flight.js';
import { type NotStoredReason, notStorableReason } from './storability.js';
import { entryTags, keyTag } from './tags.js';
import { targetedCacheControl } from './targeted-cache-control.js';
import type { Fill, HeaderMap, HttpCacheStats, RequestLike, ResponseLike, ResponseToSend } from './types.js';
import { freshenedHeaders, hasValidator, selectsStored, type ValidationPlan } from './validation.js';
import { parseVary, variantKey, varyIndexEntry } from './vary.js';

/** Origin statuses that stale-if-error may replace (RFC 5861 section 4). */
export const STALE_IF_ERROR_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/**
 * Statuses that describe this request rather than the resource (a 304 to the client's own
 * validators, a 412 or 416 to its preconditions or range, a 206): they say nothing about whether the
 * next request's response can be stored, so they neither mark hit-for-pass nor end the waiters' turn.
 */
const REQUEST_SPECIFIC_STATUSES: ReadonlySet<number> = new Set([206, 304, 412, 416]);
const REQUEST_SPECIFIC_REASONS: ReadonlySet<NotStoredReason> = new Set([
  'authorization',
  'cookie',
  'request-no-store',
  'incomplete',
]);

/**
 * Error statuses whose lifetime is the route's `negativeTtl` rather than its `ttl`: they are as often
 * caused by the request (an input the key does not hold) as by the resource.
 */
export function isNegativeStatus(status: number): boolean {
  return status === 404 || status === 410 || (status >= 500 && status <= 599);
}

/** Response fields that are this cache's own instructions or secrets, never sent on nor stored. */
const TAG_FIELDS = ['surrogate-key', 'cache-tag'] as const;

/** The fields never stored: the engine's refresh marker, and the tag fields unless exposed. */
const MARKER_ONLY: readonly string[] = [REFRESH_MARKER];
const MARKER_AND_TAGS: readonly string[] = [REFRESH_MARKER, ...TAG_FIELDS];

/** What a single-flight leader hands its waiters. */
export type FlightOutcome =
  /** Stored at `key`; `vary` are the field names that selected it (waiters check they match). */
  | { kind: 'stored'; key: string; entry: StoredEntry; vary: readonly string[] }
  /** Not storable; waiters go to the origin themselves (or serve stale for a 5xx under stale-if-error). */
  | { kind: 'uncacheable'; status: number }
  /** Nothing learned about the resource (the origin threw, or the answer was request-specific): look up again. */
  | { kind: 'retry'; abandoned: boolean };

/** Where a fill writes: the engine's miss strategy (see `local-fill.ts`). */
export interface EntryWriter {
  /**
   * Write `entry` at `key` (and a Vary index entry), absorbing failures; settles when done, or is
   * `undefined` when readers see the entry already. With a `lease` (this process fills the key for
   * the fleet), the shared tier is written through it.
   */
  write(
    key: string,
    entry: StoredEntry,
    index?: { key: string; entry: StoredEntry },
    lease?: FillLease,
  ): Promise<void> | undefined;
  /** Remove the entry at `key` (every tier), absorbing failures. */
  drop(key: string): void;
  /** Delete the entries carrying any of `tags`, absorbing failures; resolves how many went. */
  purge(tags: string[], context: string): Promise<number>;
}

/** The engine's parts a fill uses. */
export interface FillServices {
  /** The engine's `name`, in `Cache-Status`. */
  readonly name: string;
  /** The engine, as diagnostics messages name it. */
  readonly engine: object;
  /** Add a strong `ETag` to stored responses without one. */
  readonly etag: boolean;
  /** Send `Surrogate-Key` and `Cache-Tag` on to clients (and keep them in stored headers). */
  readonly exposeTagHeaders: boolean;
  readonly now: () => number;
  readonly writer: EntryWriter;
  /** Keys whose last response could not be stored. */
  readonly hitForPass: HitForPass;
  /** Invalidations: a fill does not store what one made while the origin answered. */
  readonly log: InvalidationLog;
  readonly stats: HttpCacheStats;
  readonly report: (error: unknown, context: string) => void;
}

/** Everything the lookup learned that the fill needs. */
export interface FillPlan {
  /** `miss` may store; `pass` never does; `unsafe` never does and invalidates on success. */
  kind: 'miss' | 'pass' | 'unsafe';
  /** The key being filled (the variant key when a Vary index was found). */
  key: string;
  /** The URL's base key (derived or from `key(req)`). */
  baseKey: string;
  /** The internal URL tag. */
  urlTag: string;
  /** The internal URL tag on the request's origin (what unsafe requests to it invalidate). */
  originUrlTag: string;
  req: RequestLike;
  route: EffectiveRoute;
  /** The `fwd` of this response's `Cache-Status`. */
  fwd: ForwardReason;
  /** `detail` for a pass (`hit-for-pass`, `lock-timeout`, ...). */
  detail?: string | undefined;
  /** A stored entry that stale-if-error may serve instead of an origin failure. */
  stale?: StoredEntry | undefined;
  /** The Vary index found at the base key, if any. */
  index?: StoredEntry | undefined;
  /** Set when this fill leads a single flight. */
  flight?: FlightLeader<FlightOutcome> | undefined;
  /** Set when this fill leads the fleet (shared tier): the shared store is written through it. */
  lease?: FillLease | undefined;
  /** Called once when the fill is over (ends a background refresh). */
  onDone?: (() => void) | undefined;
  /** The request said `no-store` and the engine honours client directives. */
  requestNoStore: boolean;
  /** What makes the request private, if anything: its response is stored only when explicitly shareable. */
  private?: PrivateReason | undefined;
  /** A background refresh (stale-while-revalidate) rather than a client's miss. */
  refresh?: boolean | undefined;
  /** The stale stored response this miss revalidates, when it has validators (RFC 9111 section 4.3). */
  validation?: ValidationPlan | undefined;
}

interface Pending {
  status: number;
  headers: HeaderMap;
  cc: CacheControl;
  vary: string[];
  times: EntryTimes;
}

type Decision = { store: boolean; headers: HeaderMap } | { substitute: ResponseToSend };

/**
 * Whether `body` is shorter than the `Content-Length` its headers declare: the origin's stream ended
 * early, and replaying it as complete would hand every later client a truncated page.
 */
function isShort(headers: Readonly<HeaderMap>, body: Uint8Array): boolean {
  const declared = headerString(headers['content-length']);
  if (declared === undefined) return false;
  const n = Number(declared);
  return Number.isFinite(n) && n > body.byteLength;
}

/** The engine's {@link Fill}. One use: after `commit`, `finish` or `abandon`, further calls change nothing. */
export class HttpFill implements Fill {
  readonly key: string;
  readonly #s: FillServices;
  readonly #plan: FillPlan;
  #state: 'new' | 'started' | 'done' = 'new';
  #pending: Pending | undefined;
  /** Why the fill was abandoned, for the diagnostics `error` event. */
  #error: unknown;

  /** The invalidation counter when the origin was asked: a later purge of this entry wins over it. */
  readonly #generation: number;
  /** Set while diagnostics subscribers follow this fill. */
  #trace: FillTrace | undefined;
  /** Why the response was not stored, once decided. */
  #reason: NotStoredReason | undefined;
  /** The handler was given the stored response's validators: its 304 is about the stored response. */
  #validatorsSent = false;

  constructor(services: FillServices, plan: FillPlan) {
    this.#s = services;
    this.#plan = plan;
    this.key = plan.key;
    this.#generation = services.log.generation;
    this.#trace = startFill(
      services.name,
      services.engine,
      plan.route.counts.route,
      plan.key,
      plan.refresh === true ? 'revalidate' : plan.kind,
    );
  }

  start(
    status: number,
    headers: HeaderMap,
  ): { store: boolean; headers: HeaderMap } | { substitute: ResponseToSend } {
    if (this.#state !== 'new') return { store: false, headers };
    const revalidated = this.#revalidated(status, headers);
    if (revalidated !== undefined) return { substitute: revalidated };
    return this.#decide(status, headers, undefined);
  }

  validators(): Readonly<Record<'if-none-match' | 'if-modified-since', string | undefined>> | undefined {
    const plan = this.#plan;
    const r = plan.validation;
    if (r === undefined || plan.kind !== 'miss' || this.#state !== 'new') return undefined;
    if (!this.#validatorsSent) {
      this.#validatorsSent = true;
      // the adapter is about to write our fields into the request's own headers: what the client
      // sent is kept here, for its 304 and for the Vary'd key
      plan.req = { ...plan.req, headers: { ...plan.req.headers } };
    }
    return r.request.headers;
  }

  finish(body: Uint8Array): void {
    if (this.#state !== 'started' || this.#pending === undefined) return;
    if (body.byteLength > this.#plan.route.maxEntryBytes) {
      this.#notStored('too-large', this.#pending.status);
      return;
    }
    if (isShort(this.#pending.headers, body)) {
      this.#notStored('incomplete', this.#pending.status);
      return;
    }
    this.#store(body);
  }

  commit(response: ResponseLike): ResponseToSend {
    if (this.#state !== 'new') return response;
    const revalidated = this.#revalidated(response.status, response.headers);
    if (revalidated !== undefined) return revalidated;
    const decision = this.#decide(response.status, response.headers, response.body.byteLength);
    if ('substitute' in decision) return decision.substitute;
    const { headers } = decision;
    if (!decision.store) return { status: response.status, headers, body: response.body };
    if (isShort(response.headers, response.body)) {
      // sent as the origin wrote it, but never replayed as if it were complete
      this.#notStored('incomplete', response.status);
      headers['cache-status'] = appendCacheStatus(
        response.headers['cache-status'],
        formatCacheStatus(this.#s.name, { fwd: this.#plan.fwd, detail: 'incomplete' }),
      );
      return { status: response.status, headers, body: response.body };
    }
    const entry = this.#store(response.body);
    // a generated validator goes to this client too, so its next request can be conditional
    if (headers.etag === undefined && entry.headers.etag !== undefined) headers.etag = entry.headers.etag;
    const req = this.#plan.req;
    if (isConditional(req.headers) && isNotModified(req.headers, response.status, headers)) {
      const notModified = notModifiedHeaders(headers);
      notModified['cache-status'] = headers['cache-status'];
      return { status: 304, headers: notModified, body: EMPTY_BODY };
    }
    return { status: response.status, headers, body: response.body };
  }

  /** The most body bytes this fill will store; adapters stop buffering past it. */
  get maxEntryBytes(): number {
    return this.#plan.route.maxEntryBytes;
  }

  abandon(reason?: unknown): ResponseToSend | undefined {
    const state = this.#state;
    if (state === 'done') return undefined;
    if (state === 'started' && reason === 'too-large') {
      // a body that outgrew the limit will do so again: remember the key as pass (hit-for-pass)
      this.#notStored('too-large', this.#pending?.status ?? 200);
      return undefined;
    }
    this.#state = 'done';
    this.#error = reason ?? 'abandoned';
    if (state === 'started') {
      // headers are out already: a substitute cannot be sent, and the body was cut short (too large,
      // or the client left); waiters go to the origin rather than retrying a fill that may do the same
      this.#end({ kind: 'uncacheable', status: this.#pending?.status ?? 0 });
      return undefined;
    }
    this.#end({ kind: 'retry', abandoned: true });
    return this.#substitute(undefined);
  }

  /**
   * A 304 from the handler that validates the stored response (RFC 9111 section 4.3.3): the stored
   * headers freshened with the 304's (section 4.3.4) are judged and stored as a new response with the
   * stored body would be, and the client gets that response (or its own 304, range, HEAD). `undefined`
   * for any other answer, which takes the ordinary path.
   */
  #revalidated(status: number, headers: HeaderMap): ResponseToSend | undefined {
    const r = this.#plan.validation;
    if (status !== 304 || r === undefined || !this.#validatorsSent) return undefined;
    const stored = r.entry;
    if (!selectsStored(headers, r.request, r.validators)) {
      // a 304 for the client's own tags goes to it as it is
      if (r.request.withClientTags) return undefined;
      // one naming another representation than the stored (RFC 9111 section 4.3.4) updates
      // nothing; the stored response is this client's answer, as it is, and is left stale
      this.#notStored('status', 304);
      return entryResponse(stored, this.#plan.req, this.#s.now(), this.#s.name, {
        fwd: this.#plan.fwd,
        fwdStatus: 304,
        detail: 'validator-mismatch',
      });
    }
    const drop = this.#s.exposeTagHeaders ? [REFRESH_MARKER] : [REFRESH_MARKER, ...TAG_FIELDS];
    const merged = freshenedHeaders(stored.headers, headers, drop);
    // the new lifetime counts from the 304's own Age and Date
    const input: HeaderMap = headers.age === undefined ? merged : { ...merged, age: headers.age };
    const decision = this.#decide(stored.status, input, stored.body.byteLength);
    if ('substitute' in decision) return decision.substitute;
    const now = this.#s.now();
    const params: CacheStatusParams = { fwd: this.#plan.fwd, fwdStatus: 304 };
    let entry: StoredEntry;
    if (decision.store) {
      entry = this.#store(stored.body);
      params.stored = true;
    } else {
      // not storable any more (the 304 said no-store, or set a cookie): this client still gets it
      entry = { ...stored, headers: merged, storedAt: now, initialAge: ageOf(headers.age) };
      // and the stored response, now updated into one a shared cache may not keep, is dropped, or
      // max-stale, stale-while-revalidate and stale-if-error would go on serving it to everyone
      // (unless the request had credentials: see #notStored)
      const reason = this.#reason;
      if (reason !== undefined && !REQUEST_SPECIFIC_REASONS.has(reason) && this.#plan.private === undefined) {
        this.#s.writer.drop(this.key);
      }
    }
    return entryResponse(entry, this.#plan.req, now, this.#s.name, params);
  }

  supersede(): void {
    if (this.#state !== 'new') return;
    if (this.#plan.kind !== 'miss') {
      this.#state = 'done';
      this.#end(undefined);
      return;
    }
    // as a response this cache may not store: not stored, waiters released, and the key passes
    // for hitForPass (unless the request is what made it personal, see #notStored)
    this.#notStored('no-store', 200);
  }

  #decide(status: number, headers: HeaderMap, bodyLength: number | undefined): Decision {
    this.#state = 'started';
    const plan = this.#plan;
    if (plan.kind === 'unsafe') {
      this.#state = 'done';
      // RFC 9111 section 4.4: a non-error response to an unsafe method invalidates the target URI
      if (status >= 200 && status < 400) {
        const tags = unsafeInvalidationTags(plan.req, headers);
        this.#s.log.note(tags);
        void this.#s.writer.purge(tags, 'invalidate');
      }
      this.#end(undefined);
      return { store: false, headers: this.#withStatus(headers, { fwd: 'method' }) };
    }
    if (STALE_IF_ERROR_STATUSES.has(status)) {
      const substitute = this.#substitute(status);
      if (substitute !== undefined) {
        this.#state = 'done';
        // no hit-for-pass: the next request should lead a coalesced retry, not stampede the origin
        this.#end({ kind: 'uncacheable', status });
        return { substitute };
      }
    }
    if (plan.kind === 'pass') {
      this.#state = 'done';
      this.#end(undefined);
      return { store: false, headers: this.#withStatus(headers, { fwd: plan.fwd, detail: plan.detail }) };
    }
    const now = this.#s.now();
    // a targeted field (RFC 9213) replaces Cache-Control and Expires for this cache's decisions
    const targeted = targetedCacheControl(headers, plan.route.targets);
    const cc = targeted ?? parseCacheControl(headers['cache-control']);
    const decisive =
      targeted === undefined || headers.expires === undefined ? headers : { ...headers, expires: undefined };
    const vary = parseVary(headers.vary);
    // a response with a validator is kept past its freshness, to be revalidated; one that says
    // no-cache is then stored too, stale from the start, and revalidated on every use
    const validated = plan.route.keep > 0 && hasValidator(headers);
    const revalidateOnly = validated && cc?.noCache === true;
    let reason = notStorableReason({
      status,
      headers: decisive,
      cacheControl: revalidateOnly ? { ...cc!, noCache: false } : cc,
      vary,
      authorized: plan.private === 'authorization',
      cacheAuthorized: false,
      cookie: plan.private === 'cookie',
      requestNoStore: plan.requestNoStore,
    });
    let times: EntryTimes | undefined;
    if (reason === undefined) {
      const route = plan.route;
      // an error status gets the route's negativeTtl, else only what its own headers say
      const negative = isNegativeStatus(status);
      times = computeFreshness({
        now,
        headers: decisive,
        cacheControl: cc!,
        ttl: negative ? route.negativeTtl : route.ttl,
        defaultTtl: negative ? undefined : route.defaultTtl,
        // an error status is stored only with explicit freshness (or negativeTtl), never by heuristic
        heuristic: negative ? undefined : route.heuristic,
        status,
        staleWhileRevalidate: route.staleWhileRevalidate,
        staleIfError: route.staleIfError,
      });
      if (revalidateOnly) {
        // RFC 9111 section 5.2.2.4: never used without validation, so never served stale either
        times = { ...times, staleAt: now, staleWhileRevalidateUntil: now, staleIfErrorUntil: now };
      }
      // an explicit lifetime of zero (max-age=0, an Expires in the past) with a validator: kept to
      // be revalidated; a response that gives no lifetime at all is not stored
      const explicit =
        revalidateOnly ||
        cc!.maxAge !== undefined ||
        cc!.sMaxAge !== undefined ||
        decisive.expires !== undefined;
      if (validated) times = { ...times, expiresAt: Math.max(times.expiresAt, times.staleAt + route.keep) };
      if (times.staleAt <= now && !(validated && explicit)) {
        reason = 'no-ttl';
        const silent = headers['cache-control'] === undefined && headers.expires === undefined;
        if (silent && route.ttl === undefined && route.defaultTtl === undefined) warnNoTtl(plan.req, status);
      }
    }
    if (reason === undefined) {
      const declared = Number(headerString(headers['content-length']));
      const length = bodyLength ?? (Number.isFinite(declared) ? declared : 0);
      if (length > plan.route.maxEntryBytes) reason = 'too-large';
    }
    if (reason !== undefined) {
      this.#notStored(reason, status);
      return { store: false, headers: this.#withStatus(headers, { fwd: plan.fwd, detail: reason }) };
    }
    const announce = plan.route.cacheControl;
    if (announce !== undefined && headers['cache-control'] === undefined && headers.expires === undefined) {
      // the lifetime came from our ttl: tell the client and the CDNs, never as shareable when personal
      const personal = plan.req.headers.authorization !== undefined || plan.req.headers.cookie !== undefined;
      const seconds = Math.max(0, Math.floor((times!.staleAt - now) / 1000));
      headers = Object.assign({}, headers);
      headers['cache-control'] = `${personal ? 'private' : announce}, max-age=${seconds}`;
    }
    this.#pending = { status, headers, cc: cc!, vary: vary as string[], times: times! };
    return { store: true, headers: this.#withStatus(headers, { fwd: plan.fwd, stored: true }) };
  }

  /**
   * The origin's headers (a copy) with this cache's `Cache-Status` member appended, without the tag
   * fields (unless `exposeTagHeaders`) and without the engine's refresh marker.
   */
  #withStatus(headers: HeaderMap, params: CacheStatusParams): HeaderMap {
    const member = formatCacheStatus(this.#s.name, params);
    // see entryResponse: a spread plus an extra property is slow in V8
    const out: HeaderMap = Object.assign({}, headers);
    out['cache-status'] = appendCacheStatus(headers['cache-status'], member);
    if (!this.#s.exposeTagHeaders) {
      if (out['surrogate-key'] !== undefined) delete out['surrogate-key'];
      if (out['cache-tag'] !== undefined) delete out['cache-tag'];
    }
    if (out[REFRESH_MARKER] !== undefined) delete out[REFRESH_MARKER];
    return out;
  }

  /** The stale entry as the response to this request, when stale-if-error still allows it. */
  #substitute(status: number | undefined): ResponseToSend | undefined {
    const stale = this.#plan.stale;
    if (stale === undefined) return undefined;
    const now = this.#s.now();
    if (now >= stale.staleIfErrorUntil) return undefined;
    this.#s.stats.staleHits++;
    const params: CacheStatusParams = { fwd: 'stale' };
    if (status !== undefined) params.fwdStatus = status;
    return entryResponse(stale, this.#plan.req, now, this.#s.name, params);
  }

  #notStored(reason: NotStoredReason, status: number): void {
    this.#state = 'done';
    this.#reason = reason;
    this.#s.stats.notStored++;
    // so is any answer to a request with credentials: a member's Set-Cookie or private page says
    // nothing about the page anonymous visitors get
    const specific =
      REQUEST_SPECIFIC_REASONS.has(reason) ||
      REQUEST_SPECIFIC_STATUSES.has(status) ||
      this.#plan.private !== undefined;
    // a 5xx is a passing failure of the origin, not a property of the URL: it never makes the URL
    // pass for hitForPass (the next request should be free to store a good response)
    if (!specific && status < 500) this.#s.hitForPass.mark(this.key, this.#s.now());
    this.#end(specific ? { kind: 'retry', abandoned: false } : { kind: 'uncacheable', status });
  }

  #store(body: Uint8Array): StoredEntry {
    const plan = this.#plan;
    const s = this.#s;
    const p = this.#pending!;
    this.#state = 'done';
    const always = s.exposeTagHeaders ? MARKER_ONLY : MARKER_AND_TAGS;
    const drop = Array.isArray(p.cc.noCache) ? [...p.cc.noCache, ...always] : always;
    const headers = storableHeaders(p.headers, drop);
    if (p.status !== 204 && p.status !== 304) headers['content-length'] = String(body.byteLength);
    if (s.etag && headers.etag === undefined && (p.status === 200 || p.status === 203)) {
      headers.etag = strongEtag(body);
    }
    const t = p.times;
    // spelled out rather than spread: one object shape for every entry, built without a copy loop
    const entry: StoredEntry = {
      status: p.status,
      headers,
      body,
      storedAt: t.storedAt,
      initialAge: t.initialAge,
      staleAt: t.staleAt,
      staleWhileRevalidateUntil: t.staleWhileRevalidateUntil,
      staleIfErrorUntil: t.staleIfErrorUntil,
      expiresAt: t.expiresAt,
      tags: entryTags(plan.route.tags, plan.req, p.headers, plan, s.report),
    };
    if (s.log.invalidatedSince(this.#generation, entry.tags)) {
      // a write or purge of this resource landed while the origin was answering: the response may
      // predate it, so storing it would undo the invalidation for a whole TTL
      s.stats.notStored++;
      this.#end({ kind: 'retry', abandoned: false });
      return entry;
    }
    const key = p.vary.length === 0 ? plan.baseKey : variantKey(plan.baseKey, p.vary, plan.req.headers);
    const index =
      p.vary.length === 0
        ? undefined
        : {
            key: plan.baseKey,
            entry: varyIndexEntry(p.vary, entry, plan.index, [
              plan.urlTag,
              plan.originUrlTag,
              keyTag(plan.baseKey),
            ]),
          };
    const written = s.writer.write(key, entry, index, plan.lease);
    s.stats.stores++;
    s.hitForPass.delete(this.key);
    if (key !== this.key) s.hitForPass.delete(key);
    this.#end({ kind: 'stored', key, entry, vary: p.vary }, written);
    return entry;
  }

  /** Settle the flight (if leading) and signal the end of the fill, once. */
  #end(outcome: FlightOutcome | undefined, linger?: Promise<unknown>): void {
    const plan = this.#plan;
    if (outcome !== undefined && plan.flight !== undefined) plan.flight.settle(outcome, linger);
    const onDone = plan.onDone;
    plan.onDone = undefined;
    onDone?.();
    const trace = this.#trace;
    if (trace !== undefined) {
      this.#trace = undefined;
      endFill(trace, outcomeLabel(outcome), this.#error);
    }
  }
}

let warnedNoTtl = false;

/**
 * Warn once per process that a response was not stored because nothing gave it a lifetime: neither
 * the route nor the plugin has a `ttl`, and the handler sent no `Cache-Control: max-age`, `s-maxage`
 * or `Expires`. Without this, `config: { cache: true }` on such a handler caches nothing, silently.
 */
function warnNoTtl(req: RequestLike, status: number): void {
  if (warnedNoTtl) return;
  warnedNoTtl = true;
  process.emitWarning(
    `Larder stored nothing for ${req.method} ${req.url} (status ${status}): no ttl was set and the response ` +
      'has no Cache-Control max-age/s-maxage or Expires. Give the route or the plugin a ttl ' +
      "(Fastify config: { cache: { ttl: '1m' } }, Express cache.route({ ttl: '1m' }), larder({ ttl: '1m' })), " +
      'or send Cache-Control from the handler.',
    { type: 'LarderWarning', code: 'LARDER_NO_TTL' },
  );
}

/** The diagnostics label of how a fill ended. */
function outcomeLabel(outcome: FlightOutcome | undefined): FillOutcomeLabel {
  if (outcome === undefined) return 'pass';
  if (outcome.kind === 'retry') return outcome.abandoned ? 'abandoned' : 'not-stored';
  return outcome.kind;
}
