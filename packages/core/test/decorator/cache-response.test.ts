import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CompiledFixtures,
  compileFixtures,
  type DecoratorMode,
  decoratorModes,
} from '@larder/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import {
  Cache,
  ConfigError,
  cacheResponse,
  decoratorEngine,
  getDefaultCache,
  HttpCache,
  MemoryStore,
  type StoredEntry,
  setDefaultCache,
} from '../../src/index.js';
import type * as Services from './fixtures/services.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let compiled: CompiledFixtures | undefined;
const fixtures = {} as Record<DecoratorMode, typeof Services>;

beforeAll(async () => {
  compiled = compileFixtures(
    { standard: here('tsconfig.standard.json'), experimental: here('tsconfig.experimental.json') },
    here('fixtures/services.ts'),
  );
  for (const mode of decoratorModes) {
    fixtures[mode] = (await import(pathToFileURL(compiled.files[mode]).href)) as typeof Services;
  }
}, 300_000);
afterAll(() => compiled?.remove());

let t = 0;
const now = (): number => t;
let cache: Cache<string, StoredEntry>;

beforeEach(() => {
  t = 0;
  cache = new Cache<string, StoredEntry>({ max: 100, perf: { now }, ttlResolution: 0 });
});
afterEach(() => setDefaultCache(new Cache({ max: 100 })));

describe.each(decoratorModes)('@cacheResponse, compiled with %s decorators', (mode) => {
  const services = () => fixtures[mode].defineServices(core, cache);

  it('is what tsc emits for this mode', () => {
    const emitted = readFileSync(compiled!.files[mode], 'utf8');
    expect(emitted).toContain(mode === 'standard' ? '__esDecorate' : '__decorate(');
    expect(emitted).not.toContain(mode === 'standard' ? '__decorate(' : '__esDecorate');
    expect(emitted).not.toMatch(/^import /m);
  });

  it('caches an async result for ttl under Class#method(args), each hit a fresh copy', async () => {
    const { Users } = services();
    const users = new Users();
    const first = await users.find(1);
    const second = await users.find(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second.at).toBeInstanceOf(Date);
    expect(users.calls).toHaveLength(1);
    expect(cache.has('Users#find(1)')).toBe(true);
    await users.find(1, { full: true });
    expect(cache.has('Users#find(1,{"full":true})')).toBe(true);
    expect(users.calls).toHaveLength(2);
    t += 60_000;
    await users.find(1);
    expect(users.calls).toHaveLength(3);
  });

  it('runs concurrent calls with one key once', async () => {
    const { Users } = services();
    const users = new Users();
    const all = await Promise.all(Array.from({ length: 10 }, () => users.find(2)));
    expect(new Set(all.map((u) => u.call))).toEqual(new Set([1]));
    expect(users.calls).toHaveLength(1);
    expect(decoratorEngine(cache).stats().coalesced).toBe(9);
  });

  it('keys arguments stably: object key order does not matter, types do', () => {
    const { Users } = services();
    const users = new Users();
    const hit = (...args: unknown[]): boolean => {
      const before = users.calls.length;
      users.echo(...args);
      return users.calls.length === before;
    };
    expect(hit({ a: 1, b: [2, { c: 3, d: 4 }] })).toBe(false);
    expect(hit({ b: [2, { d: 4, c: 3 }], a: 1 })).toBe(true);
    for (const value of [1, '1', 1n, null, true, new Date(0), Buffer.from([1]), new Uint8Array([1])]) {
      expect(hit(value), String(value)).toBe(false);
    }
    expect(hit(undefined)).toBe(false); // as a call with no argument: `echo()`
    expect(hit()).toBe(true);
    expect(hit(new Date(0))).toBe(true);
    expect(hit(new Uint8Array([1]))).toBe(true);
    expect(
      hit(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toBe(false);
    expect(
      hit(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    ).toBe(true);
    expect(hit(new Set([1, 2]))).toBe(false);
    expect(hit(new Set([2, 1]))).toBe(true);
    expect(hit([1, 2])).toBe(false);
    expect(hit([2, 1])).toBe(false);
    expect(cache.has('Users#echo(undefined,null)')).toBe(false);
    expect(hit(undefined, null)).toBe(false);
    expect(cache.has('Users#echo(undefined,null)')).toBe(true);
  });

  it('refuses a function, symbol or cyclic argument with a TypeError that says to pass key', async () => {
    const { Users } = services();
    const users = new Users();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => users.echo(() => 1)).toThrow(TypeError);
    expect(() => users.echo(() => 1)).toThrow(/Users#echo: argument 0 is a function.*key/);
    expect(() => users.echo(Symbol('s'))).toThrow(/argument 0 is a symbol/);
    expect(() => users.echo({ deep: [cyclic] })).toThrow(/argument 0\.deep\[0\]\.self is a cycle/);
    // an async method rejects instead of throwing
    const rejected = users.find(1, { full: (() => true) as unknown as boolean });
    await expect(rejected).rejects.toThrow(/argument 1\.full is a function.*@cacheResponse\(\{ ttl, key/);
    expect(users.calls).toHaveLength(0);
  });

  it('never stores rejections or throws', async () => {
    const { Users } = services();
    const users = new Users();
    await expect(users.fail(1)).rejects.toThrow('no 1');
    await expect(users.fail(1)).rejects.toThrow('no 1');
    expect(() => users.explode(1)).toThrow('boom 1');
    expect(() => users.explode(1)).toThrow('boom 1');
    expect(users.calls).toHaveLength(4);
    expect(cache.size).toBe(0);
  });

  it("calls the method with the caller's this; instances share entries unless key tells them apart", async () => {
    const { Users, Tenants } = services();
    expect((await new Users('ada').find(7)).name).toBe('ada-7');
    expect((await new Users('bob').find(7)).name).toBe('ada-7');
    const a = new Tenants('a');
    const b = new Tenants('b');
    expect(await a.item(1)).toEqual({ id: 1, tenant: 'a', call: 1 });
    expect(await b.item(1)).toEqual({ id: 1, tenant: 'b', call: 1 });
    expect(await a.item(1)).toEqual({ id: 1, tenant: 'a', call: 1 });
    expect(cache.has('a:item:1')).toBe(true);
    expect(cache.has('b:item:1')).toBe(true);
  });

  it('keeps a synchronous method synchronous', () => {
    const { Users } = services();
    const users = new Users();
    expect(users.square(3)).toBe(9);
    expect(users.square(3)).toBe(9);
    expect(users.calls).toHaveLength(1);
    t += 999;
    expect(users.square(3)).toBe(9);
    expect(users.calls).toHaveLength(1);
    t += 1;
    expect(users.square(3)).toBe(9);
    expect(users.calls).toHaveLength(2);
  });

  it('learns that a plain method returning promises is asynchronous, and shares its calls', async () => {
    const { Users } = services();
    const users = new Users();
    const results = await Promise.all([users.later(1), users.later(1), users.later(1)]);
    expect(results).toEqual(['later 1', 'later 1', 'later 1']);
    expect(users.calls).toHaveLength(1);
    expect(users.later(1)).toBeInstanceOf(Promise);
    expect(await users.later(1)).toBe('later 1');
    expect(users.calls).toHaveLength(1);
  });

  it('keys static methods as Class.method, inherited methods by the declaring class, symbols by name', async () => {
    const { Users, Admins } = services();
    Users.staticCalls = 0;
    expect(await Users.count('abc')).toBe(3);
    expect(await Users.count('abc')).toBe(3);
    expect(Users.staticCalls).toBe(1);
    expect(cache.has('Users.count("abc")')).toBe(true);
    await new Users().find(1);
    const admins = new Admins();
    await admins.find(1);
    expect(admins.calls).toHaveLength(0);
    expect(new Users()[fixtures[mode].load](4)).toBe('loaded 4');
    expect(cache.has('Users#[load](4)')).toBe(true);
  });

  it('tags entries, sync and async, for invalidate({ tags }); invalidate({ key }) takes one', async () => {
    const { Tenants } = services();
    const a = new Tenants('a');
    await a.item(1);
    expect(a.itemName(1)).toBe('a:1:2');
    await a.item(2);
    const engine = decoratorEngine(cache);
    expect(await engine.invalidate({ tags: ['item:1'] })).toBe(2);
    expect(await a.item(1)).toMatchObject({ call: 4 });
    expect(a.itemName(1)).toBe('a:1:5');
    expect(await a.item(2)).toMatchObject({ call: 3 });
    await engine.invalidate({ key: 'a:item:2' });
    expect(await a.item(2)).toMatchObject({ call: 6 });
  });

  it('stores only what condition accepts, and returns the rest', async () => {
    const { Lookups } = services();
    const lookups = new Lookups();
    expect(await lookups.find('missing')).toBeNull();
    expect(await lookups.find('missing')).toBeNull();
    expect(lookups.calls).toBe(2);
    expect(await lookups.find('ada')).toBe('ADA');
    expect(await lookups.find('ada')).toBe('ADA');
    expect(lookups.calls).toBe(3);
    expect(lookups.parse('0')).toBe(0);
    expect(lookups.parse('0')).toBe(0);
    expect(lookups.parse('5')).toBe(5);
    expect(lookups.parse('5')).toBe(5);
    expect(lookups.calls).toBe(6);
  });

  it('serves stale while one background call refreshes (async and sync)', async () => {
    const { Rates } = services();
    const rates = new Rates();
    expect(await rates.rate('EUR')).toBe('EUR:1');
    t += 10_000;
    expect(await Promise.all([rates.rate('EUR'), rates.rate('EUR')])).toEqual(['EUR:1', 'EUR:1']);
    await settle();
    expect(rates.calls).toBe(2);
    expect(await rates.rate('EUR')).toBe('EUR:2');

    expect(rates.rateNow('USD')).toBe('USD:3');
    t += 10_000;
    expect(rates.rateNow('USD')).toBe('USD:3');
    expect(rates.rateNow('USD')).toBe('USD:3');
    await settle();
    expect(rates.calls).toBe(4);
    expect(rates.rateNow('USD')).toBe('USD:4');
    t += 70_000;
    expect(rates.rateNow('USD')).toBe('USD:5');
  });

  it('uses the default cache, which setDefaultCache replaces', () => {
    const own = new Cache<string, StoredEntry>({ max: 10, perf: { now }, ttlResolution: 0 });
    setDefaultCache(own);
    expect(getDefaultCache()).toBe(own);
    const { Defaults } = services();
    const d = new Defaults();
    expect(d.twice(2)).toBe(4);
    expect(d.twice(2)).toBe(4);
    expect(d.calls).toBe(1);
    expect(own.has('Defaults#twice(2)')).toBe(true);
    setDefaultCache(new Cache({ max: 10 }));
    expect(d.twice(2)).toBe(4);
    expect(d.calls).toBe(2);
  });

  it('keeps results in a ResponseStore or an HttpCache, asynchronously', async () => {
    const store = new MemoryStore({ now: () => 1_000_000 + t });
    const { Remote } = fixtures[mode].defineRemote(core, store);
    const remote = new Remote();
    expect(await remote.get(1)).toEqual({ id: 1, call: 1 });
    expect(await remote.get(1)).toEqual({ id: 1, call: 1 });
    expect(store.size).toBe(1);
    await decoratorEngine(store).invalidate({ tags: ['remote:1'] });
    expect(await remote.get(1)).toEqual({ id: 1, call: 2 });

    const engine = new HttpCache({
      now: () => 1_000_000 + t,
      store: new MemoryStore({ now: () => 1_000_000 + t }),
    });
    const shared = new (fixtures[mode].defineRemote(core, engine).Remote)();
    await shared.get(5);
    await shared.get(5);
    expect(engine.stats()).toMatchObject({ misses: 1, hits: 1, stores: 1 });
    t += 60_000;
    expect(await shared.get(5)).toEqual({ id: 5, call: 2 });
  });
});

describe('@cacheResponse outside a class', () => {
  it('throws ConfigError naming the option at definition time', () => {
    const option = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).option;
      }
      return undefined;
    };
    expect(option(() => cacheResponse('5 fortnights' as never))).toBe('ttl');
    expect(option(() => cacheResponse({} as never))).toBe('ttl');
    expect(option(() => cacheResponse({ ttl: '1m', staleWhileRevalidate: -1 as never }))).toBe(
      'staleWhileRevalidate',
    );
    expect(option(() => cacheResponse({ ttl: '1m', nope: 1 } as never))).toBe('nope');
    expect(option(() => cacheResponse({ ttl: '1m', key: 'k' } as never))).toBe('key');
    expect(option(() => cacheResponse({ ttl: '1m', cache: new Map() } as never))).toBe('cache');
    expect(option(() => setDefaultCache({} as never))).toBe('cache');
  });

  it('throws a TypeError when applied to something other than a method', () => {
    const decorate = cacheResponse('1m') as unknown as (...args: unknown[]) => unknown;
    expect(() => decorate(undefined, { kind: 'field', name: 'x' })).toThrow(
      '@cacheResponse applies to methods, not to a field',
    );
    expect(() => decorate({}, 'x', { value: 1, writable: true })).toThrow(/applies to methods; x is not one/);
    expect(() => decorate({}, 'x')).toThrow(/applies to methods/);
  });

  it('stores nothing through HttpCache.wrap when condition says no or throws', async () => {
    const engine = new HttpCache({ onError: () => {} });
    let calls = 0;
    const fn = async () => ++calls;
    await engine.wrap('a', fn, { ttl: '1m', condition: () => false });
    await engine.wrap('a', fn, { ttl: '1m', condition: () => false });
    expect(calls).toBe(2);
    await engine.wrap('b', fn, {
      ttl: '1m',
      condition: () => {
        throw new Error('no');
      },
    });
    expect(engine.stats()).toMatchObject({ notStored: 3, errors: 1 });
    await engine.wrap('c', fn, { ttl: '1m', condition: (n) => n > 0 });
    expect(await engine.wrap('c', fn, { ttl: '1m' })).toBe(4);
    await expect(engine.wrap('d', fn, { ttl: '1m', condition: 1 as never })).rejects.toThrow(ConfigError);
  });
});
