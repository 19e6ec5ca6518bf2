import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { HttpCache } from '../../src/http/http-cache.js';
import { validateRouteOptions } from '../../src/http/options.js';
import { MemoryStore } from '../../src/store/memory-store.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const store = () => ({
  get: async () => undefined,
  set: async () => {},
  delete: async () => {},
  deleteByTags: async () => 0,
  clear: async () => {},
});

describe('new HttpCache validates every option', () => {
  it.each([
    ['ttl', { ttl: '5 fortnights' }, '"5 fortnights"'],
    ['ttl', { ttl: -1 }, '-1'],
    ['ttl', { ttl: Number.NaN }, 'NaN'],
    ['staleWhileRevalidate', { staleWhileRevalidate: '1 aeon' }, '"1 aeon"'],
    ['staleIfError', { staleIfError: {} }, 'a object'],
    ['lockTimeout', { lockTimeout: 0 }, '0'],
    ['lockTimeout', { lockTimeout: '5' }, '"5"'],
    ['hitForPass', { hitForPass: -5 }, '-5'],
    ['keep', { keep: '1 eon' }, '"1 eon"'],
    ['keep', { keep: -1 }, '-1'],
    ['key', { key: 'url' }, '"url"'],
    ['tags', { tags: ['a'] }, 'an array'],
    ['revalidate', { revalidate: true }, 'true'],
    ['now', { now: 123 }, '123'],
    ['onError', { onError: 'log' }, '"log"'],
    ['store', { store: {} }, 'a object'],
    ['store', { store: { ...store(), deleteByTags: undefined } }, 'a object'],
    ['maxEntries', { store: store(), maxEntries: 10 }, '10'],
    ['maxEntries', { maxEntries: 0 }, '0'],
    ['maxBytes', { maxBytes: 1.5 }, '1.5'],
    ['seed', { seed: 1.5 }, '1.5'],
    ['seed', { seed: '42' }, '"42"'],
    ['seed', { store: store(), seed: 42 }, '42'],
    ['maxEntryBytes', { maxEntryBytes: -1 }, '-1'],
    ['cacheAuthorized', { cacheAuthorized: 'yes' }, '"yes"'],
    ['honorClientNoCache', { honorClientNoCache: 1 }, '1'],
    ['etag', { etag: 'strong' }, '"strong"'],
    ['invalidateOnUnsafe', { invalidateOnUnsafe: null }, 'null'],
    ['heuristicFreshness', { heuristicFreshness: 'on' }, '"on"'],
    ['heuristicFreshness.fraction', { heuristicFreshness: { fraction: 2 } }, '2'],
    ['heuristicFreshness.max', { heuristicFreshness: { max: '5 fortnights' } }, '"5 fortnights"'],
    ['heuristicFreshness.min', { heuristicFreshness: { min: 1 } }, '1'],
    ['targetedCacheControl', { targetedCacheControl: 'cdn-cache-control' }, '"cdn-cache-control"'],
    ['targetedCacheControl', { targetedCacheControl: ['cache-control'] }, 'cache-control'],
    ['targetedCacheControl', { targetedCacheControl: ['bad name'] }, '"bad name"'],
    ['name', { name: '' }, '""'],
    ['name', { name: 'bad\nname' }, '"bad\\nname"'],
    ['tll', { tll: 1000 }, '1000'],
    ['options', 'fast', '"fast"'],
  ])('%s: %j', (option, options, shown) => {
    const error = configError(() => new HttpCache(options as never));
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
    expect(error.message).toContain(shown);
    expect(error.code).toBe('ERR_LARDER_CONFIG');
  });

  it('accepts valid options, durations as strings or ms', () => {
    const cache = new HttpCache({
      ttl: '30s',
      staleWhileRevalidate: 60_000,
      staleIfError: '1h',
      lockTimeout: '500ms',
      hitForPass: 0,
      keep: '10m',
      key: (req) => req.url,
      tags: () => ['a'],
      cacheAuthorized: false,
      maxEntryBytes: 1024,
      maxEntries: 10,
      maxBytes: 1 << 20,
      seed: 42,
      honorClientNoCache: true,
      etag: false,
      invalidateOnUnsafe: false,
      name: 'edge-1',
      now: Date.now,
      revalidate: async () => {},
      onError: () => {},
    });
    expect(cache.store).toBeInstanceOf(MemoryStore);
    const custom = store();
    expect(new HttpCache({ store: custom }).store).toBe(custom);
    expect(new HttpCache().store).toBeInstanceOf(MemoryStore);
  });
});

describe('validateRouteOptions', () => {
  it('normalises durations to ms and keeps only given options', () => {
    const key = () => 'k';
    const r = validateRouteOptions(
      { ttl: '30s', staleWhileRevalidate: '1m', key, cacheAuthorized: true },
      'config.cache',
    );
    expect(r).toEqual({ ttl: 30_000, staleWhileRevalidate: 60_000, key, cacheAuthorized: true });
    expect(Object.isFrozen(r)).toBe(true);
    expect(validateRouteOptions(r)).toBe(r);
    expect(validateRouteOptions({})).toEqual({});
  });

  it.each([
    ['config.cache.ttl', { ttl: '5 fortnights' }],
    ['config.cache.ttl', { ttl: -1 }],
    ['config.cache.key', { key: 'id' }],
    ['config.cache.tags', { tags: 'a' }],
    ['config.cache.maxEntryBytes', { maxEntryBytes: 0 }],
    ['config.cache.cacheAuthorized', { cacheAuthorized: 1 }],
    ['config.cache.lockTimeout', { lockTimeout: 1000 }],
    ['config.cache.ttll', { ttll: 1000 }],
    ['config.cache', null],
    ['config.cache', 'yes'],
  ])('throws ConfigError naming %s', (option, options) => {
    expect(configError(() => validateRouteOptions(options, 'config.cache')).option).toBe(option);
  });

  it('names options without a prefix', () => {
    expect(configError(() => validateRouteOptions({ ttl: 'x' })).option).toBe('ttl');
  });

  it('lookup validates raw route options too', async () => {
    const cache = new HttpCache();
    await expect(
      cache.lookup({ method: 'GET', url: '/', headers: {} }, { ttl: '5 fortnights' } as never),
    ).rejects.toThrow(ConfigError);
    await cache.close();
  });
});
