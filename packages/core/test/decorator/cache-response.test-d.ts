/**
 * Type tests of `@cacheResponse`. Checked by `vitest --typecheck` (standard decorators) and, through
 * tsconfig.standard.json and tsconfig.experimental.json, by the compile step of cache-response.test.ts
 * in both decorator modes: each `@ts-expect-error` must be an error in both.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { Cache, cacheResponse, HttpCache, MemoryStore, type StoredEntry } from '../../src/index.js';

const store = new MemoryStore();
const engine = new HttpCache();

describe('@cacheResponse typings', () => {
  it('accepts methods: sync and async, instance and static, in both modes', () => {
    class Service {
      @cacheResponse('1m')
      sync(n: number): number {
        return n;
      }

      @cacheResponse({ ttl: '1m', staleWhileRevalidate: '5m' })
      async load(id: string) {
        return { id };
      }

      @cacheResponse(60_000)
      static count(): number {
        return 1;
      }

      @cacheResponse({ ttl: '1m', cache: new Cache<string, StoredEntry>({ max: 10 }) })
      own(n: number): number {
        return n;
      }

      @cacheResponse({ ttl: '1m', cache: new Cache({ max: 10 }) })
      inferred(n: number): number {
        return n;
      }

      @cacheResponse({ ttl: '1m', cache: store })
      async remote(id: number) {
        return id;
      }

      @cacheResponse({ ttl: '1m', cache: engine })
      async shared(id: number) {
        return id;
      }

      @cacheResponse({
        ttl: '1m',
        key: (id: number, lang?: string) => `item:${id}:${lang ?? 'en'}`,
        tags: (id: number) => [`item:${id}`],
        condition: (item: { id: number } | null) => item !== null,
      })
      async item(id: number, lang?: string): Promise<{ id: number } | null> {
        return lang === 'none' ? null : { id };
      }
    }
    const service = new Service();
    expectTypeOf(service.sync(1)).toEqualTypeOf<number>();
    expectTypeOf(service.load('a')).toEqualTypeOf<Promise<{ id: string }>>();
    expectTypeOf(Service.count()).toEqualTypeOf<number>();
  });

  it('rejects fields, accessors and classes', () => {
    class NotMethods {
      // @ts-expect-error a field is not a method
      @cacheResponse('1m')
      field = 1;

      // @ts-expect-error a field holding a function is not a method either
      @cacheResponse('1m')
      handler = () => 1;

      // @ts-expect-error an accessor is not a method
      @cacheResponse('1m')
      get value(): number {
        return 1;
      }
    }

    // @ts-expect-error a class is not a method
    @cacheResponse('1m')
    class Whole {}

    expectTypeOf(new NotMethods().field).toEqualTypeOf<number>();
    expectTypeOf(new Whole()).toEqualTypeOf<Whole>();
  });

  it('rejects a synchronous method when results live in a ResponseStore or an HttpCache', () => {
    class Sync {
      // @ts-expect-error a store is asynchronous: the method must return a promise
      @cacheResponse({ ttl: '1m', cache: store })
      count(): number {
        return 1;
      }

      // @ts-expect-error an engine is asynchronous: the method must return a promise
      @cacheResponse({ ttl: '1m', cache: engine })
      total(): number {
        return 1;
      }
    }
    expectTypeOf(new Sync().count()).toEqualTypeOf<number>();
  });

  it('checks key, tags and condition against the method they decorate', () => {
    class Mismatch {
      // @ts-expect-error key takes a number, the method a string
      @cacheResponse({ ttl: '1m', key: (id: number) => `k${id}` })
      byName(name: string) {
        return name;
      }

      // @ts-expect-error condition expects a number, the method resolves a string
      @cacheResponse({ ttl: '1m', condition: (n: number) => n > 0 })
      async label(): Promise<string> {
        return 'x';
      }
    }
    expectTypeOf(new Mismatch().byName('a')).toEqualTypeOf<string>();
  });

  it('rejects invalid options', () => {
    // @ts-expect-error ttl is required
    cacheResponse({ staleWhileRevalidate: '1m' });
    // @ts-expect-error '5 fortnights' is not a duration
    cacheResponse('5 fortnights');
    // @ts-expect-error a Map is not a cache
    cacheResponse({ ttl: '1m', cache: new Map() });
  });
});
