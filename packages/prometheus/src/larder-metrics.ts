/**
 * Larder's metrics on a prom-client registry. Counters and gauges are read from the engine's own
 * counters when Prometheus scrapes (`collect()`): a hit costs nothing more with metrics than
 * without. Fill latencies arrive on the `larder:fill` diagnostics channel, which the engine only
 * publishes to while someone subscribes.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  ConfigError,
  checkOptions,
  FILL_CHANNEL,
  type FillMessage,
  type MetricsSnapshot,
  type MetricsTarget,
  metricsSource,
  readMetrics,
} from '@larder/core';
import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client';

/** Options of {@link larderMetrics}. */
export interface LarderMetricsOptions {
  /** The registry the metrics go to. @defaultValue prom-client's global `register` */
  register?: Registry;
  /**
   * The `cache` label of this target's series, which tells apart several caches in one registry.
   * @defaultValue the engine's `name` (`'larder'`), or `'cache'` for a core `Cache`
   */
  name?: string;
  /**
   * Upper bounds of the `larder_fill_duration_seconds` buckets, in seconds, increasing. One registry
   * has one set of buckets: a second target on it must give the same ones or none.
   * @defaultValue prom-client's: 0.005 to 10 s
   */
  buckets?: readonly number[];
}

/** What {@link larderMetrics} returns. */
export interface LarderMetrics {
  /** The `cache` label of the target's series. */
  readonly name: string;
  /** The registry the metrics are on. */
  readonly register: Registry;
  /** Stop reporting the target: its series leave the registry and fills are no longer observed. Idempotent. */
  close(): void;
}

/** The fill-latency buckets when none are given (prom-client's defaults), in seconds. */
export const DEFAULT_FILL_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const OPTION_NAMES = ['register', 'name', 'buckets'];

type Snapshots = () => Iterable<[string, MetricsSnapshot]>;

/** The metrics of one registry, shared by every target reported on it. */
interface RegistryMetrics {
  /** Targets by `cache` label: each reads its snapshot at scrape time. */
  readonly targets: Map<string, () => MetricsSnapshot>;
  readonly fills: Histogram<'cache' | 'route' | 'outcome'>;
  readonly buckets: readonly number[];
}

const registries = new WeakMap<Registry, RegistryMetrics>();

/**
 * Report `target` on a Prometheus registry: Fastify's `app.larder`, the Express middleware returned by
 * `larder()`, an `HttpCache`, or a core `Cache`.
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `larder_requests_total` | counter | `cache`, `route` (the route pattern), `result` (hit, stale, miss, revalidated, pass, bypass, error) |
 * | `larder_fill_duration_seconds` | histogram | `cache`, `route`, `outcome` (stored, not-stored, uncacheable, abandoned, pass): one observation per origin call |
 * | `larder_entries`, `larder_bytes` | gauge | `cache`, `tier` (memory) |
 * | `larder_evictions_total` | counter | `cache`, `reason` (evict, expire, delete, set, clear) |
 * | `larder_stores_total`, `larder_coalesced_total` | counter | `cache` |
 * | `larder_lock_waits_total` | counter | `cache`, `outcome` (acquired, filled, timeout, unavailable), with a fleet |
 * | `larder_redis_breaker_open` | gauge | `cache`, with a Redis backend's breaker |
 * | `larder_slow_operations_total` | counter | `cache`, for a core `Cache` (its slow log) |
 *
 * @throws {@link ConfigError} for a target that is none of these, an unknown or invalid option, a
 * `name` already reported on the registry, or `buckets` other than the registry's.
 */
export function larderMetrics(target: MetricsTarget, options: LarderMetricsOptions = {}): LarderMetrics {
  const source = metricsSource(target);
  checkOptions(options, OPTION_NAMES);
  const register = options.register ?? globalRegistry;
  if (
    typeof register !== 'object' ||
    register === null ||
    typeof register.registerMetric !== 'function' ||
    typeof register.getSingleMetric !== 'function'
  ) {
    throw new ConfigError('register', register, 'a prom-client Registry');
  }
  const name = options.name ?? ('name' in source ? source.name : 'cache');
  if (typeof name !== 'string' || name === '' || name.length > 100) {
    throw new ConfigError('name', name, 'a string of 1 to 100 characters');
  }
  const buckets = options.buckets === undefined ? undefined : checkBuckets(options.buckets);
  const metrics = registryMetrics(register, buckets);
  if (metrics.targets.has(name)) {
    throw new ConfigError('name', name, 'a name not yet reported on this registry (name each cache)');
  }
  metrics.targets.set(name, () => readMetrics(source));

  // one observation per origin call of this engine (the message names its engine: several engines
  // may share a name across registries)
  const series = new Set<string>();
  const onFill = (message: unknown) => {
    const m = message as FillMessage;
    if (m.engine !== source) return;
    series.add(`${m.route}\n${m.outcome}`);
    metrics.fills.observe({ cache: name, route: m.route, outcome: m.outcome }, m.durationMs / 1000);
  };
  subscribe(FILL_CHANNEL, onFill);

  let closed = false;
  return {
    name,
    register,
    close() {
      if (closed) return;
      closed = true;
      unsubscribe(FILL_CHANNEL, onFill);
      metrics.targets.delete(name);
      for (const key of series) {
        const [route, outcome] = key.split('\n') as [string, string];
        metrics.fills.remove({ cache: name, route, outcome });
      }
    },
  };
}

function checkBuckets(value: unknown): readonly number[] {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > value[i - 1]),
    )
  ) {
    return [...value] as number[];
  }
  throw new ConfigError('buckets', value, 'increasing positive numbers of seconds');
}

function registryMetrics(register: Registry, buckets: readonly number[] | undefined): RegistryMetrics {
  const existing = registries.get(register);
  // a registry cleared since (register.clear()) gets its metrics again
  if (existing !== undefined && register.getSingleMetric('larder_fill_duration_seconds') === existing.fills) {
    if (buckets !== undefined && buckets.join() !== existing.buckets.join()) {
      throw new ConfigError(
        'buckets',
        buckets,
        `the buckets already on this registry (${existing.buckets.join(', ')})`,
      );
    }
    return existing;
  }
  const targets = new Map<string, () => MetricsSnapshot>();
  const each: Snapshots = function* () {
    for (const [name, read] of targets) yield [name, read()];
  };
  const registers = [register];
  type Values<L extends string> = (
    s: MetricsSnapshot,
  ) => { labels?: Partial<Record<L, string>>; value: number }[];
  /** A counter or gauge whose samples are the targets' snapshots at scrape time. */
  const scraped = <L extends string>(
    type: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: readonly L[],
    values: Values<L>,
  ) => {
    const configuration = {
      name,
      help,
      labelNames: ['cache', ...labelNames] as ('cache' | L)[],
      registers,
      collect(this: Counter<'cache' | L> | Gauge<'cache' | L>) {
        this.reset();
        // a counter only goes up through inc(); right after reset() that sets it to the value read
        const put = this instanceof Counter ? this.inc.bind(this) : this.set.bind(this);
        for (const [cache, snapshot] of each()) {
          for (const v of values(snapshot)) put({ ...v.labels, cache } as never, v.value);
        }
      },
    };
    return type === 'counter'
      ? new Counter<'cache' | L>(configuration)
      : new Gauge<'cache' | L>(configuration);
  };
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    values: Values<L>,
  ) => scraped('counter', name, help, labelNames, values);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], values: Values<L>) =>
    scraped('gauge', name, help, labelNames, values);
  const one = (value: number | undefined) => (value === undefined ? [] : [{ value }]);

  counter(
    'larder_requests_total',
    'Lookups by route pattern and result.',
    ['route', 'result'],
    (s) => s.requests,
  );
  gauge('larder_entries', 'Entries held, by tier.', ['tier'], (s) => s.entries);
  gauge('larder_bytes', 'Bytes charged for the entries held, by tier.', ['tier'], (s) => s.bytes);
  counter(
    'larder_evictions_total',
    'Entries removed from memory, by reason.',
    ['reason'],
    (s) => s.evictions,
  );
  counter('larder_stores_total', 'Responses stored.', [], (s) => one(s.stores));
  counter(
    'larder_coalesced_total',
    "Requests answered by another request's fill, in this process or (with a fleet) another.",
    [],
    (s) => one(s.coalesced),
  );
  counter(
    'larder_lock_waits_total',
    "Claims on a key's fleet fill lock, by outcome.",
    ['outcome'],
    (s) => s.lockWaits,
  );
  gauge('larder_redis_breaker_open', "1 while the Redis backend's circuit breaker is open.", [], (s) =>
    one(s.breakerOpen),
  );
  counter('larder_slow_operations_total', 'Operations logged in the slow log.', [], (s) =>
    one(s.slowOperations),
  );
  const resolvedBuckets = buckets ?? DEFAULT_FILL_BUCKETS;
  const fills = new Histogram<'cache' | 'route' | 'outcome'>({
    name: 'larder_fill_duration_seconds',
    help: 'Origin calls from the lookup to the end of the fill, by route pattern and outcome.',
    labelNames: ['cache', 'route', 'outcome'],
    buckets: [...resolvedBuckets],
    registers,
  });
  const metrics: RegistryMetrics = { targets, fills, buckets: resolvedBuckets };
  registries.set(register, metrics);
  return metrics;
}
