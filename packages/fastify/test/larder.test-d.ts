import type { HttpCache, HttpCacheStats, InvalidateOptions, RouteCacheOptions } from '@larder/core';
import Fastify, { type FastifyContextConfig, type RouteOptions, type RouteShorthandOptions } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import larderDefault, { type LarderFastifyOptions, larder } from '../src/index.js';

const app = Fastify();

describe('route config.cache', () => {
  it('accepts route cache options, true and false', () => {
    app.get('/a', { config: { cache: { ttl: '30s' } } }, async () => 'a');
    app.get('/b', { config: { cache: { ttl: 5 } } }, async () => 'b');
    app.get(
      '/c',
      { config: { cache: { ttl: '1m', staleWhileRevalidate: '10s', tags: () => ['x'] } } },
      async () => 'c',
    );
    app.get('/d', { config: { cache: true } }, async () => 'd');
    app.get('/e', { config: { cache: false } }, async () => 'e');
    app.route({
      method: 'GET',
      url: '/f',
      config: { cache: { key: (req) => req.url } },
      handler: async () => 'f',
    });
  });

  it('rejects unknown options in typed route options and config', () => {
    // @ts-expect-error: not a route cache option
    const shorthand: RouteShorthandOptions = { config: { cache: { nope: 1 } } };
    // @ts-expect-error: not a route cache option
    const config: FastifyContextConfig = { cache: { nope: 1 } };
    const route: RouteOptions = {
      method: 'GET',
      url: '/',
      // @ts-expect-error: not a route cache option
      config: { cache: { nope: 1 } },
      handler: async () => 'x',
    };
    // @ts-expect-error: not a boolean or an object
    const wrong: FastifyContextConfig = { cache: 'yes' };
    void [shorthand, config, route, wrong];
  });

  it('rejects wrong option types inline', () => {
    // Inline, Fastify infers the route's config type from the literal (its ContextConfig generic), so
    // an unknown key there is only caught at registration (ConfigError); a known key's type is checked.
    // @ts-expect-error: not a duration
    app.get('/y', { config: { cache: { ttl: '5 fortnights' } } }, async () => 'y');
    // @ts-expect-error: key must be a function
    app.get('/z', { config: { cache: { key: 'k' } } }, async () => 'z');
  });

  it('types config.cache on the request', () => {
    app.get('/r', async (request) => {
      expectTypeOf(request.routeOptions.config.cache).toEqualTypeOf<
        RouteCacheOptions | boolean | undefined
      >();
      return 'r';
    });
  });
});

describe('app.larder', () => {
  it('is typed by declaration merging', () => {
    expectTypeOf(app.larder.invalidate).parameter(0).toEqualTypeOf<InvalidateOptions>();
    expectTypeOf(app.larder.stats()).toEqualTypeOf<HttpCacheStats>();
    expectTypeOf(app.larder.engine).toEqualTypeOf<HttpCache>();
    expectTypeOf(app.larder.clear).toBeFunction();
  });
});

describe('registration', () => {
  it('takes the engine options plus cacheAllGet', async () => {
    await app.register(larder, { ttl: '1m', cacheAllGet: true, maxEntryBytes: 1024 });
    await app.register(larderDefault, {});
    expectTypeOf<LarderFastifyOptions>().toHaveProperty('cacheAllGet');
    // @ts-expect-error: not an option
    await app.register(larder, { nope: true });
  });
});
