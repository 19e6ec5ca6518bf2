import { carryRequest, type Duration, validateRouteOptions } from '@larder/core';
import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { LarderInterceptor } from './larder.interceptor.js';
import type { NestRouteOptions } from './larder-module-options.js';
import { LARDER_ROUTE } from './tokens.js';

/**
 * Cache the whole HTTP response of a Nest route handler (status, headers, body, as sent by Nest)
 * through the engine of `LarderModule`, on the Express and the Fastify platform alike. Parameter
 * decorators (`@Param`, `@Query`, `@Body`, `@Req`, `@Headers`) work as usual: the handler's arguments
 * are Nest's business, the cache sits around the response.
 *
 * ```ts
 * @Get(':id')
 * @CacheResponse({ ttl: '5 min', tags: (req) => [`item:${req.params.id}`] })
 * show(@Param('id') id: string) {
 *   return this.items.find(id);
 * }
 * ```
 *
 * What `Cache-Control`, `Vary`, `Set-Cookie` and `Authorization` mean is respected, unlike Nest's
 * `CacheInterceptor`: a request that carries `Authorization` (or a response that sets a cookie or says
 * `private`) is never stored nor served to another client. Hits answer `304` to conditional requests
 * and carry `Age` and `Cache-Status`. A hit runs the guards (authentication stays in force) but not the
 * pipes nor the handler.
 *
 * @param ttlOrOptions - the fresh lifetime (`'30s'`, `'5 minutes'`), or {@link NestRouteOptions};
 * omitted, the module's options and the response's `Cache-Control` decide.
 * @throws {@link ConfigError} at class definition for an invalid option, naming it.
 */
export function CacheResponse(
  ttlOrOptions: Duration | NestRouteOptions = {},
): MethodDecorator & ClassDecorator {
  const options =
    typeof ttlOrOptions === 'object' && ttlOrOptions !== null
      ? carryRequest(ttlOrOptions)
      : { ttl: ttlOrOptions };
  const route = validateRouteOptions(options, '@CacheResponse');
  return applyDecorators(SetMetadata(LARDER_ROUTE, route), UseInterceptors(LarderInterceptor));
}
