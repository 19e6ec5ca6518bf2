/**
 * Spans and metrics read back through the OpenTelemetry SDK's in-memory exporters after real
 * requests (Fastify inject), and Redis spans over a real redis-server on a free loopback port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, HttpCache } from '@larder/core';
import { larder } from '@larder/fastify';
import { createRedisBackend } from '@larder/redis';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../redis/test/support/redis-server.js';
import { larderTelemetry } from '../src/index.js';

const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function providers() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  closers.push(() => meterProvider.shutdown());
  /** Collect now: every data point of `name`, as [attributes, value]. */
  const points = async (name: string) => {
    exporter.reset();
    await reader.forceFlush();
    const metric = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => [p.attributes, p.value] as const);
  };
  return { spans, tracerProvider, meterProvider, points };
}

async function app(shared?: ReturnType<typeof createRedisBackend>) {
  const fastify = Fastify();
  await fastify.register(larder, {
    ttl: '1m',
    ...(shared === undefined ? {} : { shared }),
    onError: () => {},
  });
  let calls = 0;
  fastify.get('/items/:id', { config: { cache: true } }, async (req) => {
    calls++;
    await sleep(5);
    return { id: (req.params as { id: string }).id };
  });
  fastify.get('/boom', { config: { cache: true } }, async () => {
    throw new Error('origin failed');
  });
  await fastify.ready();
  closers.push(() => fastify.close());
  return { fastify, calls: () => calls };
}

describe('larderTelemetry', () => {
  it('gives one larder.miss span and the same counts as Prometheus for 1 miss and 3 hits', async () => {
    const { spans, tracerProvider, meterProvider, points } = providers();
    const { fastify, calls } = await app();
    const telemetry = larderTelemetry(fastify.larder, { tracerProvider, meterProvider });
    closers.push(() => telemetry.close());
    for (let i = 0; i < 4; i++) await fastify.inject({ method: 'GET', url: '/items/1' });
    expect(calls()).toBe(1);

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(['larder.miss']);
    expect(finished[0]!.attributes).toEqual({
      'larder.cache': 'larder',
      'larder.route': '/items/:id',
      'larder.outcome': 'stored',
    });

    const requests = await points('larder.requests');
    const count = (result: string) =>
      requests.find(([a]) => a['larder.route'] === '/items/:id' && a['larder.result'] === result)?.[1];
    expect(count('miss')).toBe(1);
    expect(count('hit')).toBe(3);
    expect(await points('larder.entries')).toEqual([
      [{ 'larder.cache': 'larder', 'larder.tier': 'memory' }, 1],
    ]);
    const fills = await points('larder.fill.duration');
    expect(fills).toHaveLength(1);
    expect((fills[0]![1] as { count: number }).count).toBe(1);
    expect(fills[0]![0]).toEqual({
      'larder.cache': 'larder',
      'larder.route': '/items/:id',
      'larder.outcome': 'stored',
    });
  });

  it('marks the span of an abandoned fill as an error, and a 5xx answer as uncacheable', async () => {
    const { spans, tracerProvider, meterProvider } = providers();
    const { fastify } = await app();
    closers.push(larderTelemetry(fastify.larder, { tracerProvider, meterProvider }).close);
    const res = await fastify.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    const engine = fastify.larder.engine;
    const miss = await engine.lookup({ method: 'GET', url: '/gone', headers: { host: 'a.test' } });
    if (miss.kind === 'miss') miss.fill.abandon(new Error('handler threw'));
    const [boom, gone] = spans.getFinishedSpans();
    expect(boom?.attributes['larder.outcome']).toBe('uncacheable');
    expect(gone?.name).toBe('larder.miss');
    expect(gone?.attributes['larder.outcome']).toBe('abandoned');
    expect(gone?.status).toEqual({ code: 2, message: 'handler threw' }); // SpanStatusCode.ERROR
    expect(gone?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('traces the Redis calls of a shared backend as client spans', async () => {
    const server = await startRedisServer();
    closers.push(() => server.stop());
    const client = createClient({ socket: { host: server.host, port: server.port } });
    client.on('error', () => {});
    await client.connect();
    closers.push(() => client.destroy());
    const shared = createRedisBackend({ client, prefix: 'otel:' });
    closers.push(() => shared.close());
    const { spans, tracerProvider, meterProvider } = providers();
    const { fastify } = await app(shared);
    closers.push(larderTelemetry(fastify.larder, { tracerProvider, meterProvider }).close);
    await fastify.inject({ method: 'GET', url: '/items/9' });
    const names = spans.getFinishedSpans().map((s) => s.name);
    expect(names).toContain('larder.miss');
    // at least the entry read and the lock (the write and the notice may land after the response)
    expect(names.filter((n) => n.startsWith('redis ')).length).toBeGreaterThanOrEqual(2);
    const read = spans.getFinishedSpans().find((s) => s.name.startsWith('redis eval'))!;
    expect(read.kind).toBe(2); // SpanKind.CLIENT
    expect(read.attributes['db.system.name']).toBe('redis');
    // keys and URLs are never recorded
    expect(JSON.stringify(spans.getFinishedSpans().map((s) => s.attributes))).not.toContain('items/9');
  });

  it('throws ConfigError naming a bad target or option', () => {
    const engine = new HttpCache();
    closers.push(() => engine.close());
    expect(() => larderTelemetry({} as never)).toThrow(ConfigError);
    expect(() => larderTelemetry(engine, { redisSpans: 'yes' as never })).toThrow(/redisSpans/);
    expect(() => larderTelemetry(engine, { tracer: {} } as never)).toThrow(/tracer/);
  });
});
