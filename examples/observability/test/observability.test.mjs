// The example end to end: both apps on free loopback ports, the load script against each, then
// /metrics scraped over HTTP; and the dashboard's PromQL checked against the README and the metrics.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressApp, fastifyApp } from '../apps.mjs';
import { run, seeded } from '../load.mjs';

const here = new URL('../', import.meta.url);
const closers = [];
const bases = {};

beforeAll(async () => {
  const fastify = await fastifyApp();
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  closers.push(() => fastify.close());
  bases.fastify = `http://127.0.0.1:${fastify.server.address().port}`;
  const { app, cache } = expressApp();
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await cache.close();
  });
  bases.express = `http://127.0.0.1:${server.address().port}`;
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** Sum of the samples of `name` whose labels include every pair of `labels`. */
function total(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => m[2].includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

describe('examples/observability', () => {
  for (const framework of ['fastify', 'express']) {
    it(`${framework}: every request of the load shows in larder_requests_total, by route pattern`, async () => {
      const sent = await run(bases[framework], 150, { concurrency: 4, random: seeded(7) });
      const text = await (await fetch(`${bases[framework]}/metrics`)).text();
      expect(total(text, 'larder_requests_total', { cache: framework })).toBe(sent);
      expect(total(text, 'larder_requests_total', { route: '/products/:id', result: 'hit' })).toBeGreaterThan(
        0,
      );
      expect(total(text, 'larder_requests_total', { route: '*', result: 'pass' })).toBeGreaterThan(0);
      expect(text).not.toMatch(/route="\/products\/\d/);
      // one fill observation per origin call, one store per stored fill
      expect(total(text, 'larder_fill_duration_seconds_count', { outcome: 'stored' })).toBe(
        total(text, 'larder_stores_total'),
      );
      expect(total(text, 'larder_entries', { tier: 'memory' })).toBeGreaterThan(0);
      // prom-client's default process metrics sit beside Larder's
      expect(text).toContain('process_cpu_seconds_total');
    });
  }

  it("has the README's PromQL in the dashboard, over metrics the apps export", async () => {
    const dashboard = JSON.parse(readFileSync(new URL('dashboard.json', here), 'utf8'));
    const readme = readFileSync(new URL('README.md', here), 'utf8');
    const fromDashboard = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const fromReadme = [...readme.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((m) =>
      m[1].trim().split('\n'),
    );
    expect(fromReadme.sort()).toEqual([...fromDashboard].sort());
    const text = await (await fetch(`${bases.fastify}/metrics`)).text();
    for (const expr of fromDashboard) {
      for (const [metric] of expr.matchAll(/larder_\w+/g)) {
        const family = metric.replace(/_(bucket|count|sum)$/, '');
        expect(text, `${metric} in /metrics`).toContain(`# TYPE ${family} `);
      }
    }
  });
});
