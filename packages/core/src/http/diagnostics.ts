/**
 * What the engine tells observers: per-route lookup counters (read at scrape time) and
 * `node:diagnostics_channel` messages (published only while someone subscribes), so that metrics
 * exporters and APM agents need no hook of their own in the request path.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { HttpCacheStats, LookupResult } from './types.js';

/** The channel of one message per lookup: {@link LookupMessage}. */
export const LOOKUP_CHANNEL = 'larder:lookup';
/** The channel of one message per origin call the engine saw end: {@link FillMessage}. */
export const FILL_CHANNEL = 'larder:fill';
/**
 * The `TracingChannel` of fills: `tracing:larder:fill:start` when the engine hands out a fill (the
 * origin is about to be called), `end` right after, then `asyncStart` and `asyncEnd` when the fill
 * ends, and `error` before them when it was abandoned; one {@link FillTrace} object travels through
 * all of them, so a subscriber can keep a span per context.
 */
export const FILL_TRACING_CHANNEL = 'larder:fill';
/**
 * The `TracingChannel` of Redis calls (`tracing:larder:redis:*`), published by `@larder/redis`
 * around each command with `{ command, key? }`, through `tracePromise`.
 */
export const REDIS_TRACING_CHANNEL = 'larder:redis';

/** The context of a traced Redis call on {@link REDIS_TRACING_CHANNEL}. */
export interface RedisCallTrace {
  /** The operation: `get`, `set`, `del`, `publish`, `eval <script>`, ... */
  readonly command: string;
  /** The key it reads or writes, when it has one. */
  readonly key: string | undefined;
  /** Set by `tracePromise` when the call rejects. */
  error?: unknown;
}

/** How a lookup was answered; a label of `larder_requests_total`. */
export type LookupResultLabel = 'hit' | 'stale' | 'miss' | 'revalidated' | 'pass' | 'bypass' | 'error';

/** The lookup results, in the order metrics list them. */
export const LOOKUP_RESULTS: readonly LookupResultLabel[] = [
  'hit',
  'stale',
  'miss',
  'revalidated',
  'pass',
  'bypass',
  'error',
];

/** How a fill ended; a label of `larder_fill_duration_seconds`. */
export type FillOutcomeLabel = 'stored' | 'not-stored' | 'uncacheable' | 'abandoned' | 'pass';

/** The message on `larder:lookup`. */
export interface LookupMessage {
  /** The engine's `name`. */
  readonly cache: string;
  /** The engine itself, to tell apart engines of the same name. */
  readonly engine: object;
  /** The route pattern (`'*'` when none was given). */
  readonly route: string;
  /** The request's base cache key (`''` when none was derived: a bypass, an unsafe method). */
  readonly key: string;
  readonly result: LookupResultLabel;
}

/** The message on `larder:fill`. */
export interface FillMessage {
  readonly cache: string;
  readonly engine: object;
  readonly route: string;
  /** The key filled. */
  readonly key: string;
  /** `miss` (may store), `revalidate` (a background refresh), `pass` or `unsafe` (never store). */
  readonly kind: 'miss' | 'revalidate' | 'pass' | 'unsafe';
  readonly outcome: FillOutcomeLabel;
  /** From the lookup that handed out the fill to its end (stored, refused or abandoned), in ms. */
  readonly durationMs: number;
}

/** The context object of the fill `TracingChannel`. */
export interface FillTrace {
  readonly cache: string;
  readonly engine: object;
  readonly route: string;
  readonly key: string;
  readonly kind: FillMessage['kind'];
  /** `performance.now()` when the fill was handed out. */
  readonly start: number;
  /** Set before `asyncStart`. */
  outcome?: FillOutcomeLabel;
  /** Set before `error`: why the fill was abandoned. */
  error?: unknown;
}

/** Lookup counters of one route pattern, read by {@link HttpCache.routeStats}. */
export class RouteCounters {
  hit = 0;
  stale = 0;
  miss = 0;
  revalidated = 0;
  pass = 0;
  bypass = 0;
  error = 0;
  /** @param route The route pattern. */
  constructor(readonly route: string) {}
}

/** One route's lookup counts, as {@link HttpCache.routeStats} returns them. */
export type RouteStats = { readonly route: string } & Readonly<Record<LookupResultLabel, number>>;

const lookupChannel = channel(LOOKUP_CHANNEL);
const fillChannel = channel(FILL_CHANNEL);
const fillTracing = tracingChannel<unknown, FillTrace>(FILL_TRACING_CHANNEL);

/** Count one lookup on its route, and publish it when someone listens. */
export function countLookup(
  counters: RouteCounters,
  result: LookupResultLabel,
  cache: string,
  engine: object,
  key: string,
): void {
  counters[result]++;
  if (lookupChannel.hasSubscribers) {
    lookupChannel.publish({ cache, engine, route: counters.route, key, result } satisfies LookupMessage);
  }
}

/** The trace of a fill being handed out, or `undefined` (and nothing done) when nobody listens. */
export function startFill(
  cache: string,
  engine: object,
  route: string,
  key: string,
  kind: FillMessage['kind'],
): FillTrace | undefined {
  const traced = fillTracing.hasSubscribers;
  if (!traced && !fillChannel.hasSubscribers) return undefined;
  const trace: FillTrace = { cache, engine, route, key, kind, start: performance.now() };
  if (traced) {
    fillTracing.start.publish(trace);
    fillTracing.end.publish(trace);
  }
  return trace;
}

/** End a fill that {@link startFill} traced. */
export function endFill(trace: FillTrace, outcome: FillOutcomeLabel, error?: unknown): void {
  trace.outcome = outcome;
  if (error !== undefined) {
    trace.error = error;
    fillTracing.error.publish(trace);
  }
  fillTracing.asyncStart.publish(trace);
  fillTracing.asyncEnd.publish(trace);
  if (fillChannel.hasSubscribers) {
    fillChannel.publish({
      cache: trace.cache,
      engine: trace.engine,
      route: trace.route,
      key: trace.key,
      kind: trace.kind,
      outcome,
      durationMs: performance.now() - trace.start,
    } satisfies FillMessage);
  }
}

/** The metrics label of a lookup's answer (`refresh`: the lookup was the engine's own background refresh). */
export function lookupLabel(result: LookupResult, refresh: boolean): LookupResultLabel {
  switch (result.kind) {
    case 'miss':
      return refresh ? 'revalidated' : 'miss';
    case 'pass':
      return result.reason === 'bypass' ? 'bypass' : 'pass';
    default:
      return result.kind;
  }
}

/** An engine's counters at construction: every one zero. */
export function newHttpCacheStats(): HttpCacheStats {
  return {
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
}
