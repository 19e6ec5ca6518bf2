import { Cache, ConfigError, HttpCache } from '@larder/core';
import { register as globalRegister, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { larderMetrics } from '../src/index.js';
import { sample } from './support/sample.js';

const engines: HttpCache[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
  globalRegister.clear();
});

function engine(name?: string): HttpCache {
  const e = new HttpCache({ ttl: '1m', ...(name === undefined ? {} : { name }) });
  engines.push(e);
  return e;
}

/** One request through the engine as an adapter does: lookup, then the origin's answer on a miss. */
async function get(e: HttpCache, url: string, route = { route: '/r' }): Promise<string> {
  const result = await e.lookup({ method: 'GET', url, headers: { host: 'example.test' } }, route);
  if (result.kind === 'miss' || result.kind === 'pass') {
    result.fill.commit({ status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('x') });
  }
  return result.kind;
}

describe('larderMetrics', () => {
  it("goes to prom-client's global registry by default", async () => {
    const e = engine();
    larderMetrics(e);
    await get(e, '/a');
    const text = await globalRegister.metrics();
    expect(sample(text, 'larder_requests_total', { cache: 'larder', route: '/r', result: 'miss' })).toBe(1);
  });

  it('tells several caches in one registry apart by name, and refuses a name twice', async () => {
    const register = new Registry();
    const a = engine('a');
    const b = engine('b');
    larderMetrics(a, { register });
    larderMetrics(b, { register });
    await get(a, '/x');
    await get(a, '/x');
    await get(b, '/x');
    const text = await register.metrics();
    expect(sample(text, 'larder_requests_total', { cache: 'a', route: '/r', result: 'hit' })).toBe(1);
    expect(sample(text, 'larder_requests_total', { cache: 'b', route: '/r', result: 'hit' })).toBe(0);
    expect(
      sample(text, 'larder_fill_duration_seconds_count', { cache: 'a', route: '/r', outcome: 'stored' }),
    ).toBe(1);
    expect(
      sample(text, 'larder_fill_duration_seconds_count', { cache: 'b', route: '/r', outcome: 'stored' }),
    ).toBe(1);
    expect(() => larderMetrics(engine(), { register, name: 'a' })).toThrow(ConfigError);
  });

  it('puts fills in the given buckets, and stops reporting a closed target', async () => {
    const register = new Registry();
    const e = engine();
    const handle = larderMetrics(e, { register, buckets: [0.5, 1] });
    await get(e, '/x');
    let text = await register.metrics();
    expect(
      sample(text, 'larder_fill_duration_seconds_bucket', {
        cache: 'larder',
        route: '/r',
        outcome: 'stored',
        le: '0.5',
      }),
    ).toBe(1);
    expect(text).not.toContain('le="0.005"');
    handle.close();
    await get(e, '/y');
    text = await register.metrics();
    expect(text).not.toContain('cache="larder"');
    // the name is free again
    expect(larderMetrics(e, { register }).name).toBe('larder');
  });

  it('throws ConfigError naming a bad target or option', () => {
    expect(() => larderMetrics({} as never)).toThrow(/target/);
    expect(() => larderMetrics(engine(), { register: {} as never })).toThrow(/register/);
    expect(() => larderMetrics(engine(), { name: '' })).toThrow(/name/);
    expect(() => larderMetrics(engine(), { buckets: [1, 0.5] })).toThrow(/buckets/);
    expect(() => larderMetrics(engine(), { regsiter: new Registry() } as never)).toThrow(/regsiter/);
    const register = new Registry();
    larderMetrics(engine('one'), { register, buckets: [1, 2] });
    expect(() => larderMetrics(engine('two'), { register, buckets: [1, 3] })).toThrow(ConfigError);
  });

  it('reports a core Cache: hits, misses, entries, evictions by reason and the slow log', async () => {
    let now = 0;
    const cache = new Cache<string, string>({
      max: 2,
      slowThreshold: 0,
      perf: { now: () => (now += 1) },
    });
    const register = new Registry();
    larderMetrics(cache, { register, name: 'sessions' });
    cache.set('a', '1');
    cache.set('b', '2');
    cache.get('a');
    cache.get('zzz');
    cache.set('c', '3'); // evicts b, the least recently used
    cache.delete('a');
    const text = await register.metrics();
    const l = { cache: 'sessions' };
    expect(sample(text, 'larder_requests_total', { ...l, route: '*', result: 'hit' })).toBe(1);
    expect(sample(text, 'larder_requests_total', { ...l, route: '*', result: 'miss' })).toBe(1);
    expect(sample(text, 'larder_entries', { ...l, tier: 'memory' })).toBe(1);
    expect(sample(text, 'larder_evictions_total', { ...l, reason: 'evict' })).toBe(1);
    expect(sample(text, 'larder_evictions_total', { ...l, reason: 'delete' })).toBe(1);
    expect(sample(text, 'larder_stores_total', l)).toBe(3);
    expect(sample(text, 'larder_slow_operations_total', l)).toBeGreaterThanOrEqual(6);
  });
});
