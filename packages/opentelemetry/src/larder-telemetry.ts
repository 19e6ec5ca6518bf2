/**
 * Larder through the OpenTelemetry API: spans from the engine's diagnostics channels (misses and
 * revalidations from the fill `TracingChannel`, Redis calls from `tracing:larder:redis`), and the
 * metrics of `@larder/prometheus` as OTel instruments, read when the SDK collects.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import {
  ConfigError,
  checkOptions,
  FILL_CHANNEL,
  FILL_TRACING_CHANNEL,
  type FillMessage,
  type FillTrace,
  type MetricsSnapshot,
  type MetricsTarget,
  metricsSource,
  REDIS_TRACING_CHANNEL,
  type RedisCallTrace,
  readMetrics,
} from '@larder/core';
import {
  type Attributes,
  type MeterProvider,
  metrics,
  type Observable,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** Options of {@link larderTelemetry}. */
export interface LarderTelemetryOptions {
  /** Where spans go. @defaultValue the global tracer provider (`trace.getTracerProvider()`) */
  tracerProvider?: TracerProvider;
  /** Where metrics go. @defaultValue the global meter provider (`metrics.getMeterProvider()`) */
  meterProvider?: MeterProvider;
  /** The `larder.cache` attribute of this target's spans and metrics. @defaultValue the engine's `name` (`'larder'`), `'cache'` for a core `Cache` */
  name?: string;
  /** Spans for Redis calls (every command of a `createRedisBackend` in the process). @defaultValue true */
  redisSpans?: boolean;
}

/** What {@link larderTelemetry} returns. */
export interface LarderTelemetry {
  /** The `larder.cache` attribute. */
  readonly name: string;
  /** Stop: no more spans, and the metrics callbacks report nothing. Idempotent. */
  close(): void;
}

/** The instrumentation scope of spans and metrics. */
export const INSTRUMENTATION_SCOPE = '@larder/opentelemetry';

const OPTION_NAMES = ['tracerProvider', 'meterProvider', 'name', 'redisSpans'];

/**
 * Spans and metrics of `target`: Fastify's `app.larder`, the Express middleware of `larder()`, an
 * `HttpCache` or a core `Cache`.
 *
 * Spans: `larder.miss` from the lookup that missed to the end of its fill (origin call and store),
 * `larder.revalidate` for a background refresh (stale-while-revalidate), both with `larder.cache`,
 * `larder.route` and `larder.outcome`; and `redis <command>` (client spans, `db.system.name` redis)
 * for the Redis calls of a shared backend. Each starts in the active context, so it nests under
 * the request's server span. Keys and URLs are never recorded (they may carry personal data).
 *
 * Metrics (read at collection, except the histogram): `larder.requests` (`larder.route`,
 * `larder.result`), `larder.fill.duration` (s, `larder.route`, `larder.outcome`), `larder.entries`,
 * `larder.bytes` (`larder.tier`), `larder.evictions` (`larder.reason`), `larder.stores`,
 * `larder.coalesced`, `larder.lock_waits` (`larder.outcome`), `larder.redis.breaker_open`,
 * `larder.slow_operations`; each with `larder.cache`.
 *
 * @throws {@link ConfigError} for a target that is none of these, or an unknown or invalid option.
 */
export function larderTelemetry(
  target: MetricsTarget,
  options: LarderTelemetryOptions = {},
): LarderTelemetry {
  const source = metricsSource(target);
  checkOptions(options, OPTION_NAMES);
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  if (typeof tracerProvider?.getTracer !== 'function') {
    throw new ConfigError('tracerProvider', tracerProvider, 'an OpenTelemetry TracerProvider');
  }
  const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
  if (typeof meterProvider?.getMeter !== 'function') {
    throw new ConfigError('meterProvider', meterProvider, 'an OpenTelemetry MeterProvider');
  }
  const name = options.name ?? ('name' in source ? source.name : 'cache');
  if (typeof name !== 'string' || name === '') throw new ConfigError('name', name, 'a non-empty string');
  const redisSpans = options.redisSpans ?? true;
  if (typeof redisSpans !== 'boolean') throw new ConfigError('redisSpans', redisSpans, 'true or false');

  const tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE);
  const meter = meterProvider.getMeter(INSTRUMENTATION_SCOPE);
  const stops: (() => void)[] = [];
  let closed = false;

  // spans of this engine's misses and revalidations
  stops.push(
    traceSpans<FillTrace>(
      FILL_TRACING_CHANNEL,
      (t) =>
        t.engine !== source || (t.kind !== 'miss' && t.kind !== 'revalidate')
          ? undefined
          : tracer.startSpan(t.kind === 'miss' ? 'larder.miss' : 'larder.revalidate', {
              kind: SpanKind.INTERNAL,
              attributes: { 'larder.cache': name, 'larder.route': t.route },
            }),
      (t, span) => span.setAttribute('larder.outcome', t.outcome ?? 'abandoned'),
    ),
  );
  if (redisSpans) {
    stops.push(
      traceSpans<RedisCallTrace>(REDIS_TRACING_CHANNEL, (t) =>
        tracer.startSpan(`redis ${t.command}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': 'redis', 'db.operation.name': t.command, 'larder.cache': name },
        }),
      ),
    );
  }

  // the fill histogram, from larder:fill
  const fillDuration = meter.createHistogram('larder.fill.duration', {
    description: 'Origin calls from the lookup to the end of the fill, by route pattern and outcome.',
    unit: 's',
  });
  const onFill = (message: unknown) => {
    const m = message as FillMessage;
    if (m.engine !== source) return;
    fillDuration.record(m.durationMs / 1000, {
      'larder.cache': name,
      'larder.route': m.route,
      'larder.outcome': m.outcome,
    });
  };
  subscribe(FILL_CHANNEL, onFill);
  stops.push(() => unsubscribe(FILL_CHANNEL, onFill));

  // everything else, read once per collection
  const requests = meter.createObservableCounter('larder.requests', {
    description: 'Lookups by route pattern and result.',
  });
  const entries = meter.createObservableGauge('larder.entries', { description: 'Entries held, by tier.' });
  const bytes = meter.createObservableGauge('larder.bytes', {
    description: 'Bytes charged for the entries held, by tier.',
    unit: 'By',
  });
  const evictions = meter.createObservableCounter('larder.evictions', {
    description: 'Entries removed from memory, by reason.',
  });
  const stores = meter.createObservableCounter('larder.stores', { description: 'Responses stored.' });
  const coalesced = meter.createObservableCounter('larder.coalesced', {
    description: "Requests answered by another request's fill, in this process or (with a fleet) another.",
  });
  const lockWaits = meter.createObservableCounter('larder.lock_waits', {
    description: "Claims on a key's fleet fill lock, by outcome.",
  });
  const breakerOpen = meter.createObservableGauge('larder.redis.breaker_open', {
    description: "1 while the Redis backend's circuit breaker is open.",
  });
  const slowOperations = meter.createObservableCounter('larder.slow_operations', {
    description: 'Operations logged in the slow log.',
  });
  const observables: Observable[] = [
    requests,
    entries,
    bytes,
    evictions,
    stores,
    coalesced,
    lockWaits,
    breakerOpen,
    slowOperations,
  ];
  const base = { 'larder.cache': name };
  const labelled = (labels: Readonly<Record<string, string>>): Attributes => {
    const out: Attributes = { ...base };
    for (const [key, value] of Object.entries(labels)) out[`larder.${key}`] = value;
    return out;
  };
  const callback = (result: {
    observe(observable: Observable, value: number, attributes?: Attributes): void;
  }) => {
    if (closed) return;
    const s: MetricsSnapshot = readMetrics(source);
    for (const v of s.requests) result.observe(requests, v.value, labelled(v.labels));
    for (const v of s.entries) result.observe(entries, v.value, labelled(v.labels));
    for (const v of s.bytes) result.observe(bytes, v.value, labelled(v.labels));
    for (const v of s.evictions) result.observe(evictions, v.value, labelled(v.labels));
    for (const v of s.lockWaits) result.observe(lockWaits, v.value, labelled(v.labels));
    result.observe(stores, s.stores, base);
    if (s.coalesced !== undefined) result.observe(coalesced, s.coalesced, base);
    if (s.breakerOpen !== undefined) result.observe(breakerOpen, s.breakerOpen, base);
    if (s.slowOperations !== undefined) result.observe(slowOperations, s.slowOperations, base);
  };
  meter.addBatchObservableCallback(callback, observables);
  stops.push(() => meter.removeBatchObservableCallback(callback, observables));

  return {
    name,
    close() {
      if (closed) return;
      closed = true;
      for (const stop of stops.splice(0)) stop();
    },
  };
}

/**
 * Follow the `TracingChannel` `channel`: a span from `start` (when `begin` returns one) to
 * `asyncEnd`, marked as an error on `error`. Returns the unsubscribe.
 */
function traceSpans<T extends { error?: unknown }>(
  channel: string,
  begin: (context: T) => Span | undefined,
  finish?: (context: T, span: Span) => void,
): () => void {
  const spans = new WeakMap<T, Span>();
  const handlers = {
    start(context: T) {
      const span = begin(context);
      if (span !== undefined) spans.set(context, span);
    },
    end() {},
    asyncStart() {},
    error(context: T) {
      const span = spans.get(context);
      if (span === undefined) return;
      if (context.error instanceof Error) span.recordException(context.error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: describe(context.error) });
    },
    asyncEnd(context: T) {
      const span = spans.get(context);
      if (span === undefined) return;
      spans.delete(context);
      finish?.(context, span);
      span.end();
    },
  };
  const traced = tracingChannel<unknown, T>(channel);
  traced.subscribe(handlers);
  return () => traced.unsubscribe(handlers);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'abandoned';
}
