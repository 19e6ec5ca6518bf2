/**
 * `@larder/nestjs`: HTTP response caching for NestJS on the Express and Fastify platforms, over the
 * `@larder/core` engine.
 */
export { CacheResponse } from './cache-response.js';
export { LarderInterceptor } from './larder.interceptor.js';
export { LarderModule } from './larder.module.js';
export { LarderService } from './larder.service.js';
export type {
  LarderModuleAsyncOptions,
  LarderModuleOptions,
  LarderOptionsFactory,
  NestRouteOptions,
  PlatformRequest,
} from './larder-module-options.js';
export { LARDER_ENGINE, LARDER_OPTIONS } from './tokens.js';
