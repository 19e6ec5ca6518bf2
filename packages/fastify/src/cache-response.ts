import {
  type CarriedRequest,
  type DualMethodDecorator,
  type Duration,
  decoratedLookup,
  LarderError,
  methodDecorator,
  type RouteDecoratorOptions,
  routeDecoratorOptions,
  routeKey,
  stableKey,
} from '@larder/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  capturesResponse,
  engineRequest,
  type LarderDecoration,
  replyWith,
  requestFill,
  sendValidators,
  setRequestFill,
  stripRefreshMarker,
} from './larder.js';

/**
 * Options of {@link cacheResponse}: a route's cache options, with `key` and `tags` computed from the
 * Fastify request. `key` replaces the default key (`Vary` still selects variants): method class,
 * origin (host, with the scheme when not `http`), route pattern, params and query:
 * `'GET example.com/items/:id {"id":"1"} {"lang":"en"}'`.
 */
export interface CacheResponseOptions extends RouteDecoratorOptions<FastifyRequest> {}

// biome-ignore lint/suspicious/noExplicitAny: a handler typed for any route (its params, body, schema)
type AnyRequest = FastifyRequest<any, any, any, any, any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyReply = FastifyReply<any, any, any, any, any, any, any, any>;
/** The methods `@cacheResponse` applies to: Fastify route handlers. */
// biome-ignore lint/suspicious/noExplicitAny: a handler may take more parameters than the two Fastify passes
type Handler = (request: AnyRequest, reply: AnyReply, ...rest: any[]) => unknown;

/** The request as the engine sees it, carrying the Fastify request for `key` and `tags`. */
type Carried = CarriedRequest<FastifyRequest>;

/** The default key: method class, origin, route pattern, params and query. */
function defaultKey(like: Carried): string {
  const { req } = like;
  const pattern = req.routeOptions.url ?? req.url.split('?', 1)[0];
  return routeKey(
    like,
    req.method,
    pattern ?? '',
    `${stableKey(req.params ?? {})} ${stableKey(req.query ?? {})}`,
  );
}

/**
 * Cache the whole HTTP response of a Fastify handler method, through the engine of the Larder plugin
 * (`await app.register(larder)`), exactly as `config: { cache: ... }` would: `Cache-Status`, `Age`,
 * 304s, `Vary`, tags, stale content and `app.larder.invalidate` behave the same.
 *
 * ```ts
 * class Items {
 *   @cacheResponse('30s')
 *   async show(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
 *     return db.items.find(request.params.id);
 *   }
 * }
 * app.get('/items/:id', (request, reply) => items.show(request, reply));
 * ```
 *
 * - The key is the method class (HEAD shares GET's), the origin (the host, with the scheme when it
 *   is not `http`, as in the HTTP key), the route pattern (`request.routeOptions.url`),
 *   the params and the query (through `stableKey`, so parameter order does not matter); the response's
 *   `Vary` selects a variant under it. `key` replaces it. `invalidate({ url })` works as for any route.
 * - GET and HEAD are cached; other methods call the handler (the plugin's invalidation applies).
 * - A route also cached by `config.cache` (or `cacheAllGet`) is decided by the decorator: the
 *   plugin's lookup is superseded.
 * - A lookup that fails (the engine absorbs store failures; this is anything else) is reported to the
 *   engine's `onError` (context `'fastify.lookup'`) and the handler runs uncached.
 * - The first call fails with a `LarderError` (`ERR_LARDER_NOT_REGISTERED`) when the plugin is not
 *   registered, or was registered after the route was added.
 *
 * @param ttlOrOptions - the fresh lifetime (`'30s'`), or {@link CacheResponseOptions}; omitted, the
 * plugin's defaults and the response's `Cache-Control` decide.
 * @throws {@link ConfigError} at class definition for an invalid option.
 */
export function cacheResponse(
  ttlOrOptions: Duration | CacheResponseOptions = {},
): DualMethodDecorator<Handler> {
  const route = routeDecoratorOptions(ttlOrOptions, defaultKey);

  return methodDecorator<Handler>('@cacheResponse', (original, method) => {
    return async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const request = args[0] as FastifyRequest;
      const reply = args[1] as FastifyReply;
      const candidate = request as Partial<FastifyRequest> | null | undefined;
      if (typeof candidate?.method !== 'string' || typeof candidate.headers !== 'object') {
        throw new TypeError(
          `@cacheResponse on ${method.label(this)}: its first argument is not the Fastify request. ` +
            'Call it as (request, reply) => controller.method(request, reply). In a NestJS controller ' +
            "(with @Param, @Query, ...), use @CacheResponse from '@larder/nestjs' instead",
        );
      }
      const larder = (request as { server?: { larder?: LarderDecoration } } | undefined)?.server?.larder;
      if (larder === undefined || !capturesResponse(request)) {
        throw new LarderError(
          'ERR_LARDER_NOT_REGISTERED',
          `@cacheResponse on ${method.label(this)} needs the Larder plugin registered before the route is added: ` +
            "await app.register(larder) (import { larder } from '@larder/fastify')",
        );
      }
      if (typeof (reply as Partial<FastifyReply> | undefined)?.send !== 'function') {
        throw new TypeError(
          `@cacheResponse on ${method.label(this)}: pass the reply as the second argument, ` +
            '(request, reply) => controller.method(request, reply), so a cached response can be sent',
        );
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return original.apply(this, args);
      const outer = requestFill(request);
      setRequestFill(request, null);
      const carried: Carried = { ...engineRequest(request), req: request };
      const result = await decoratedLookup(larder.engine, carried, route, outer, 'fastify.lookup');
      if (result?.kind === 'hit' || result?.kind === 'stale') return replyWith(reply, result.response);
      stripRefreshMarker(request);
      if (result !== undefined) setRequestFill(request, result.fill);
      sendValidators(request, result?.fill ?? null);
      const value = original.apply(this, args);
      // a handler that sends through `reply` and returns nothing: wait for the reply, as Fastify does
      return value === undefined ? reply : value;
    };
  });
}
