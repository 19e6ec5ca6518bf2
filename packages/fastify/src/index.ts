/**
 * `@larder/fastify`: the Fastify 5 door into Larder's HTTP cache engine.
 *
 * @packageDocumentation
 */
import type { RouteCacheOptions } from '@larder/core';
import type { LarderDecoration } from './larder.js';
import { larder } from './larder.js';

export { type CacheResponseOptions, cacheResponse } from './cache-response.js';
export { type LarderDecoration, type LarderFastifyOptions, larder } from './larder.js';
export default larder;

declare module 'fastify' {
  interface FastifyInstance {
    /** The Larder cache of this application: invalidation, stats, the engine. */
    larder: LarderDecoration;
  }
  interface FastifyContextConfig {
    /**
     * Cache this route: `true` with the plugin's defaults, an object to override them (`{ ttl: '30s' }`),
     * `false` to opt out (also under `cacheAllGet`).
     */
    cache?: RouteCacheOptions | boolean;
  }
}
