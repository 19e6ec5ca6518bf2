import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { carryRequest, HttpCache, type HttpCacheOptions, type RequestLike } from '@larder/core';
import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LarderService } from './larder.service.js';
import type {
  LarderModuleAsyncOptions,
  LarderModuleOptions,
  LarderOptionsFactory,
} from './larder-module-options.js';
import { LARDER_ENGINE, LARDER_OPTIONS } from './tokens.js';

/** Longest a background refresh may take before it is given up (the entry stays as it was). */
const REFRESH_TIMEOUT = 30_000;

/**
 * A background refresh (stale-while-revalidate) is a real request to this application's own server
 * over loopback, so it runs the route's guards, interceptors and handler, and the capture stores the
 * new response. Before the server listens there is nothing to refresh through; the stale entry is
 * then served until its window ends.
 */
function refreshThrough(host: HttpAdapterHost | undefined): (req: RequestLike) => Promise<unknown> {
  return (req) =>
    new Promise<void>((resolve) => {
      const server = host?.httpAdapter?.getHttpServer() as
        | { address?: () => AddressInfo | string | null }
        | undefined;
      const address = server?.address?.();
      if (address == null || typeof address === 'string') return resolve();
      const loopback = address.family === 'IPv6' || address.address === '::' ? '::1' : '127.0.0.1';
      const headers = { ...(req.headers as Record<string, string | string[] | undefined>) };
      const call = httpRequest(
        {
          host: loopback,
          port: address.port,
          method: req.method,
          path: req.url,
          headers,
          timeout: REFRESH_TIMEOUT,
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      call.on('timeout', () => call.destroy());
      call.on('error', () => resolve());
      call.end();
    });
}

function engineProvider(): Provider {
  return {
    provide: LARDER_ENGINE,
    useFactory: (options: LarderModuleOptions, host: HttpAdapterHost) =>
      new HttpCache({
        revalidate: refreshThrough(host),
        ...(carryRequest(options ?? {}) as HttpCacheOptions),
      }),
    inject: [LARDER_OPTIONS, HttpAdapterHost],
  };
}

/**
 * Larder for NestJS: one HTTP cache for the application, on `@nestjs/platform-express` and
 * `@nestjs/platform-fastify` alike. Import it once (it is global), mark handlers or controllers with
 * `@CacheResponse`, inject {@link LarderService} to invalidate.
 *
 * ```ts
 * @Module({ imports: [LarderModule.forRoot({ ttl: '1m' })], controllers: [ItemsController] })
 * export class AppModule {}
 * ```
 */
@Global()
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest module is a class; forRoot/forRootAsync are Nest's convention
export class LarderModule {
  /**
   * The module with these options: the engine's (`ttl`, `maxEntries`, `shared` for the Redis tier
   * through `createRedisBackend` from `@larder/redis`, ...). Invalid options throw a `ConfigError`
   * naming the option when the application is created.
   */
  static forRoot(options: LarderModuleOptions = {}): DynamicModule {
    return {
      module: LarderModule,
      global: true,
      providers: [{ provide: LARDER_OPTIONS, useValue: options }, engineProvider(), LarderService],
      exports: [LARDER_ENGINE, LarderService],
    };
  }

  /**
   * The module with options made at start-up: `useFactory` (with `inject`), `useClass` or
   * `useExisting` (a {@link LarderOptionsFactory}), as Nest's other modules take them; for a
   * configuration service, or a Redis client connected first.
   */
  static forRootAsync(options: LarderModuleAsyncOptions): DynamicModule {
    const providers: Provider[] = [engineProvider(), LarderService];
    if (options.useFactory !== undefined) {
      providers.push({
        provide: LARDER_OPTIONS,
        useFactory: options.useFactory,
        inject: options.inject ?? [],
      });
    } else {
      const factory = options.useClass ?? options.useExisting;
      if (factory === undefined) {
        throw new TypeError('LarderModule.forRootAsync needs useFactory, useClass or useExisting');
      }
      if (options.useClass !== undefined) providers.push(options.useClass);
      providers.push({
        provide: LARDER_OPTIONS,
        useFactory: (made: LarderOptionsFactory) => made.createLarderOptions(),
        inject: [factory],
      });
    }
    return {
      module: LarderModule,
      global: true,
      imports: options.imports ?? [],
      providers,
      exports: [LARDER_ENGINE, LarderService],
    };
  }
}
