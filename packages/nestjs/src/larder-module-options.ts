import type { HttpCacheOptions, RouteCacheOptions } from '@larder/core';
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';

/**
 * The platform request a route's `key` and `tags` receive: the Express `Request` on
 * `@nestjs/platform-express`, the `FastifyRequest` on `@nestjs/platform-fastify` (both have `params`,
 * `query`, `headers`).
 */
// biome-ignore lint/suspicious/noExplicitAny: either platform's request, typed by the caller
export type PlatformRequest = any;

/** Route options for Nest: the engine's, with `key` and `tags` given the platform request. */
export interface NestRouteOptions extends Omit<RouteCacheOptions, 'key' | 'tags'> {
  /** Replace the key derivation (`Vary` still selects variants). @defaultValue method class, host, URL */
  key?: (req: PlatformRequest) => string;
  /** Tags of the request's entry (`(req) => [`item:${req.params.id}`]`), merged with `Surrogate-Key`/`Cache-Tag`. */
  tags?: (req: PlatformRequest) => readonly string[];
}

/**
 * Options of `LarderModule.forRoot`: the engine's options (`ttl`, `store`, `shared` for the Redis tier
 * through `createRedisBackend` from `@larder/redis`, `maxEntries`, `onError`, ...), whose `key` and
 * `tags` take the platform request.
 */
export interface LarderModuleOptions
  extends Omit<HttpCacheOptions, 'key' | 'tags' | 'revalidate'>,
    NestRouteOptions {}

/** Options of `LarderModule.forRootAsync`: a factory (with injected dependencies), a class or an existing provider. */
export interface LarderModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Builds the options; may be async (read a config service, connect a Redis client). */
  useFactory?: (...args: never[]) => LarderModuleOptions | Promise<LarderModuleOptions>;
  /** What `useFactory` is given, in order. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** A class whose `createLarderOptions()` returns the options; Nest instantiates it. */
  useClass?: Type<LarderOptionsFactory>;
  /** An existing provider (imported) whose `createLarderOptions()` returns the options. */
  useExisting?: Type<LarderOptionsFactory>;
}

/** A provider of {@link LarderModuleOptions}, for `forRootAsync({ useClass })`. */
export interface LarderOptionsFactory {
  /** Returns (or resolves) the module's options. */
  createLarderOptions(): LarderModuleOptions | Promise<LarderModuleOptions>;
}
