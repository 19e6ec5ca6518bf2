import type { HttpCache, HttpCacheStats } from '@larder/core';
import express, { type RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { type LarderMiddleware, larder } from '../src/index.js';

describe('larder types', () => {
  it('is an Express middleware with cache methods', () => {
    const cache = larder({ ttl: '30s', app: express() });
    expectTypeOf(cache).toMatchTypeOf<RequestHandler>();
    expectTypeOf(cache.route({ ttl: '1m', tags: (req) => [req.url] })).toEqualTypeOf<RequestHandler>();
    expectTypeOf(cache.stats()).toEqualTypeOf<HttpCacheStats>();
    expectTypeOf(cache.invalidate({ tags: ['a'] })).resolves.toBeNumber();
    expectTypeOf(cache.engine).toEqualTypeOf<HttpCache>();
    expectTypeOf(larder).returns.toEqualTypeOf<LarderMiddleware>();
    const app = express();
    app.use(cache);
    app.get('/x', cache.route(), (_req, res) => void res.send('x'));
  });

  it('rejects durations that are not durations', () => {
    // @ts-expect-error '5 fortnights' is not a Duration
    larder({ ttl: '5 fortnights' });
    // @ts-expect-error key must be a function
    larder().route({ key: 'url' });
  });
});
