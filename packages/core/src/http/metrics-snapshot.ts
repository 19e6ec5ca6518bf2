/**
 * One read of everything a metrics exporter shows, from the counters the engine and the cache keep
 * anyway: `@larder/prometheus` and `@larder/opentelemetry` call it at scrape time, so the request
 * path does no work for metrics beyond its own counting.
 */
import { Cache } from '../cache/cache.js';
import type { RemoveReason } from '../cache/cache-types.js';
import { ConfigError } from '../errors.js';
import { TieredStore } from '../store/tiered-store.js';
import { LOOKUP_RESULTS, type LookupResultLabel } from './diagnostics.js';
import { HttpCache } from './http-cache.js';

/** A {@link Cache} of any key, value and context types. */
// biome-ignore lint/suspicious/noExplicitAny: metrics read counters only, whatever the cache holds
export type AnyCache = Cache<any, any, any>;

/**
 * What metrics can be read from: an {@link HttpCache}, a core {@link Cache}, or anything with an
 * `engine` that is an `HttpCache` (Fastify's `app.larder`, the Express middleware of `larder()`).
 */
export type MetricsTarget = HttpCache | AnyCache | { readonly engine: HttpCache };

/** A labelled value. */
export interface LabelledValue<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly value: number;
}

/** Everything {@link readMetrics} reads; each field is absent where the target has no such thing. */
export interface MetricsSnapshot {
  /** Lookups by route pattern and result. */
  readonly requests: LabelledValue<'route' | 'result'>[];
  /** Entries held, by tier (`memory`). */
  readonly entries: LabelledValue<'tier'>[];
  /** Bytes charged for the entries held, by tier (`memory`). */
  readonly bytes: LabelledValue<'tier'>[];
  /** Entries removed from memory, by reason (`evict`, `expire`, `delete`, `set`, `clear`). */
  readonly evictions: LabelledValue<'reason'>[];
  /** Responses (or values) stored. */
  readonly stores: number;
  /** Requests answered by another request's fill: in process, and (with a fleet) another process's. */
  readonly coalesced: number | undefined;
  /** With a fleet: the answers to this process's claims on a key's fill lock, by outcome. */
  readonly lockWaits: LabelledValue<'outcome'>[];
  /** With a Redis backend that has a breaker: 1 while the breaker is open, else 0. */
  readonly breakerOpen: number | undefined;
  /** Slow operations logged (a `Cache` with `slowThreshold`). */
  readonly slowOperations: number | undefined;
}

/** The engine or cache behind `target`; throws {@link ConfigError} (naming `option`) for anything else. */
export function metricsSource(target: unknown, option = 'target'): HttpCache | AnyCache {
  if (target instanceof HttpCache || target instanceof Cache) return target;
  const engine = (target as { engine?: unknown } | null | undefined)?.engine;
  if (engine instanceof HttpCache) return engine;
  throw new ConfigError(
    option,
    target,
    "app.larder (Fastify), the middleware of larder() (Express), an HttpCache or a Cache from this copy of '@larder/core'",
  );
}

interface StoreCounters {
  readonly size: number;
  readonly bytes: number;
  stats?(): { evictions: Record<RemoveReason, number> };
}

function memoryTier(store: unknown): StoreCounters | undefined {
  const s = store instanceof TieredStore ? store.l1 : store;
  const c = s as Partial<StoreCounters> | undefined;
  return typeof c?.size === 'number' && typeof c.bytes === 'number' ? (c as StoreCounters) : undefined;
}

function evictions(counts: Record<RemoveReason, number> | undefined): LabelledValue<'reason'>[] {
  if (counts === undefined) return [];
  return Object.entries(counts).map(([reason, value]) => ({ labels: { reason }, value }));
}

/**
 * Read the counters of `source` (see {@link metricsSource}) once. Cheap: a copy of the engine's and
 * the memory store's counters, no store scan.
 */
export function readMetrics(source: HttpCache | AnyCache): MetricsSnapshot {
  if (source instanceof Cache) {
    const stats = source.stats();
    const last = source.slowlog(1)[0];
    return {
      requests: [
        { labels: { route: '*', result: 'hit' }, value: stats.hits },
        { labels: { route: '*', result: 'miss' }, value: stats.misses },
      ],
      entries: [{ labels: { tier: 'memory' }, value: source.size }],
      bytes: [{ labels: { tier: 'memory' }, value: source.calculatedSize }],
      evictions: evictions(stats.evictions),
      stores: stats.sets,
      coalesced: undefined,
      lockWaits: [],
      breakerOpen: undefined,
      slowOperations: last === undefined ? 0 : last.id + 1,
    };
  }
  const stats = source.stats();
  const requests: LabelledValue<'route' | 'result'>[] = [];
  for (const counts of source.routeStats()) {
    for (const result of LOOKUP_RESULTS) {
      requests.push({ labels: { route: counts.route, result }, value: counts[result as LookupResultLabel] });
    }
  }
  const memory = memoryTier(source.store);
  const shared = source.shared as
    | { fills?: unknown; breaker?: { readonly state?: unknown } | undefined }
    | undefined;
  const fleet = shared?.fills !== undefined;
  const breaker = shared?.breaker;
  return {
    requests,
    entries: memory === undefined ? [] : [{ labels: { tier: 'memory' }, value: memory.size }],
    bytes: memory === undefined ? [] : [{ labels: { tier: 'memory' }, value: memory.bytes }],
    evictions: evictions(memory?.stats?.().evictions),
    stores: stats.stores,
    coalesced: stats.coalesced + stats.fleetWaits,
    lockWaits: fleet
      ? [
          { labels: { outcome: 'acquired' }, value: stats.fleetLeads },
          { labels: { outcome: 'filled' }, value: stats.fleetWaits },
          { labels: { outcome: 'timeout' }, value: stats.fleetTimeouts },
          { labels: { outcome: 'unavailable' }, value: stats.fleetUnavailable },
        ]
      : [],
    breakerOpen: breaker === undefined ? undefined : breaker.state === 'open' ? 1 : 0,
    slowOperations: undefined,
  };
}
