// TypeScript compiled to CommonJS under moduleResolution node (NestJS's default tsconfig): the types
// resolve through `types`, the code through require() of our ESM builds. Prometheus and
// OpenTelemetry watch the same cache, on a real prom-client registry and an OTel tracer.
import { Cache, type Duration } from '@larder/core';
import { type ExpressRouteOptions, larder } from '@larder/express';
import { larderTelemetry } from '@larder/opentelemetry';
import { larderMetrics } from '@larder/prometheus';
import { INVALID_SPAN_CONTEXT, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import express from 'express';
import { Registry } from 'prom-client';

const ttl: Duration = '5 minutes';
const options: ExpressRouteOptions = { ttl, tags: (req) => [`item:${req.params.id}`] };
const cache = larder({ ttl: '1m' });
const lru = new Cache<string, number>({ max: 10 });
lru.set('a', 1);

const register = new Registry();
const metrics = larderMetrics(cache, { register, name: 'api' });
const spans: string[] = [];
// a tracer that records span names (an SDK would export them); the spans it returns are the API's own
const tracer = {
  startSpan(name: string) {
    spans.push(name);
    return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  },
} as unknown as Tracer;
const tracerProvider: TracerProvider = { getTracer: () => tracer };
const telemetry = larderTelemetry(cache, { tracerProvider, name: 'api' });

const app = express();
let calls = 0;
app.get('/items/:id', cache.route(options), (req, res) => {
  res.json({ id: req.params.id, calls: ++calls });
});
const server = app.listen(0, '127.0.0.1', async () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const a = await fetch(`http://127.0.0.1:${port}/items/1`);
  const b = await fetch(`http://127.0.0.1:${port}/items/1`);
  const scraped = await register.metrics();
  server.close();
  telemetry.close();
  metrics.close();
  await cache.close();
  console.log(
    JSON.stringify({
      first: a.headers.get('cache-status'),
      second: b.headers.get('cache-status'),
      calls,
      lru: lru.get('a'),
      requests: scraped
        .split('\n')
        .filter((line) => line.startsWith('larder_requests_total{') && !line.endsWith(' 0')),
      spans,
    }),
  );
});
