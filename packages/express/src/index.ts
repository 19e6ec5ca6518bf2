/**
 * `@larder/express`: HTTP response caching for Express 4.21+ and 5, as a middleware over the
 * `@larder/core` engine.
 */
export { type CacheResponseOptions, cacheResponse } from './cache-response.js';
export { type ExpressRouteOptions, type LarderMiddleware, type LarderOptions, larder } from './larder.js';
