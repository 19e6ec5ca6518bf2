import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FILL_CHANNEL,
  FILL_TRACING_CHANNEL,
  type FillMessage,
  type FillTrace,
  HttpCache,
  LOOKUP_CHANNEL,
  type LookupMessage,
} from '../../src/index.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function listen<T>(name: string): T[] {
  const seen: T[] = [];
  const fn = (m: unknown) => seen.push(m as T);
  subscribe(name, fn);
  cleanups.push(() => unsubscribe(name, fn));
  return seen;
}

function engine(options: ConstructorParameters<typeof HttpCache>[0] = {}): HttpCache {
  const e = new HttpCache({ ttl: '1m', ...options });
  cleanups.push(() => e.close());
  return e;
}

const req = (url: string, method = 'GET') => ({ method, url, headers: { host: 'a.test' } });
const ok = { status: 200, headers: {}, body: Buffer.from('body') };

describe('diagnostics_channel', () => {
  it('publishes one larder:lookup per lookup and one larder:fill per origin call', async () => {
    let clock = 1_000;
    const e = engine({ name: 'edge', now: () => clock });
    const lookups = listen<LookupMessage>(LOOKUP_CHANNEL);
    const fills = listen<FillMessage>(FILL_CHANNEL);
    const route = { route: '/items/:id' };
    const miss = await e.lookup(req('/items/1'), route);
    expect(miss.kind).toBe('miss');
    if (miss.kind === 'miss') miss.fill.commit(ok);
    await e.lookup(req('/items/1'), route);
    await e.lookup(req('/items/1'), false);
    const post = await e.lookup(req('/items/1', 'POST'), route);
    if (post.kind === 'pass') post.fill.commit(ok);
    clock += 1;

    expect(lookups.map((m) => [m.cache, m.route, m.result])).toEqual([
      ['edge', '/items/:id', 'miss'],
      ['edge', '/items/:id', 'hit'],
      ['edge', '*', 'bypass'],
      ['edge', '/items/:id', 'pass'],
    ]);
    expect(lookups[0]!.key).toContain('/items/1');
    expect(lookups[0]!.engine).toBe(e);
    expect(fills.map((m) => [m.cache, m.route, m.kind, m.outcome])).toEqual([
      ['edge', '/items/:id', 'miss', 'stored'],
      ['edge', '/items/:id', 'unsafe', 'pass'],
    ]);
    expect(fills[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(e.routeStats()).toContainEqual({
      route: '/items/:id',
      hit: 1,
      stale: 0,
      miss: 1,
      revalidated: 0,
      pass: 1,
      bypass: 0,
      error: 0,
    });
  });

  it('traces a fill through the fill TracingChannel, with its error when abandoned', async () => {
    const e = engine();
    const events: [string, FillTrace][] = [];
    const channel = tracingChannel<unknown, FillTrace>(FILL_TRACING_CHANNEL);
    const handlers = {
      start: (m: FillTrace) => events.push(['start', { ...m }]),
      end: (m: FillTrace) => events.push(['end', { ...m }]),
      asyncStart: (m: FillTrace) => events.push(['asyncStart', { ...m }]),
      asyncEnd: (m: FillTrace) => events.push(['asyncEnd', { ...m }]),
      error: (m: FillTrace) => events.push(['error', { ...m }]),
    };
    channel.subscribe(handlers);
    cleanups.push(() => channel.unsubscribe(handlers));
    const miss = await e.lookup(req('/boom'));
    if (miss.kind === 'miss') miss.fill.abandon(new Error('origin threw'));
    expect(events.map(([name]) => name)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(events[0]![1].outcome).toBeUndefined();
    expect(events[2]![1].error).toBeInstanceOf(Error);
    expect(events[4]![1].outcome).toBe('abandoned');
    expect(events[4]![1].route).toBe('*');
  });

  it('counts a key that cannot be derived as an error', async () => {
    const e = engine({ onError: () => {} });
    const lookups = listen<LookupMessage>(LOOKUP_CHANNEL);
    await e.lookup(req('/x'), {
      route: '/x',
      key: () => {
        throw new Error('no key');
      },
    });
    expect(lookups.map((m) => m.result)).toEqual(['error']);
    expect(e.routeStats().find((r) => r.route === '/x')?.error).toBe(1);
  });
});
