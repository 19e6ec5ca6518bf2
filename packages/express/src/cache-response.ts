import {
  captureResponse,
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
import type { NextFunction, Request, Response } from 'express';
import {
  type CarriedExpressRequest,
  engineRequest,
  requestCache,
  send,
  sendValidators,
  stripRefreshMarker,
} from './larder.js';

/**
 * Options of {@link cacheResponse}: a route's cache options, with `key` and `tags` computed from the
 * Express request. `key` replaces the default key (`Vary` still selects variants): method class,
 * origin, route pattern (with the router's mount path), params and query:
 * `'GET example.com/api/items/:id {"id":"1"} {"lang":"en"}'`.
 */
export interface CacheResponseOptions extends RouteDecoratorOptions<Request> {}

// biome-ignore lint/suspicious/noExplicitAny: a handler typed for any route (its params, body, query)
type AnyRequest = Request<any, any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyResponse = Response<any, any>;
/** The methods `@cacheResponse` applies to: Express route handlers. */
// biome-ignore lint/suspicious/noExplicitAny: a handler may take more parameters than the three Express passes
type Handler = (req: AnyRequest, res: AnyResponse, next: NextFunction, ...rest: any[]) => unknown;

/** The default key: method class, origin, route pattern (with the mount path), params and query. */
function defaultKey(like: CarriedExpressRequest): string {
  const { req } = like;
  const path: unknown = req.route?.path;
  const pattern = `${req.baseUrl}${path === undefined ? req.path : String(path)}`;
  return routeKey(like, req.method, pattern, `${stableKey({ ...req.params })} ${stableKey(req.query ?? {})}`);
}

/**
 * Cache the whole HTTP response of an Express handler method, through the engine of the Larder
 * middleware mounted above its route (`app.use(larder())`), exactly as `cache.route(options)` would:
 * `Cache-Status`, `Age`, 304s, `Vary`, tags, stale content and `invalidate` behave the same.
 *
 * ```ts
 * class Items {
 *   @cacheResponse('30s')
 *   show(req: Request<{ id: string }>, res: Response) {
 *     res.json(items.get(req.params.id));
 *   }
 * }
 * app.use(cache);
 * app.get('/items/:id', (req, res, next) => controller.show(req, res, next));
 * ```
 *
 * - The key is the method class (HEAD shares GET's), the origin (the host, with the scheme when it
 *   is not `http`, as in the HTTP key), the route pattern (`req.baseUrl` plus
 *   `req.route.path`), the params and the query (through `stableKey`, so parameter order does not
 *   matter); the response's `Vary` selects a variant under it. `key` replaces it.
 *   `invalidate({ url })` works as for any route.
 * - GET and HEAD are cached; other methods call the handler (the middleware's invalidation applies).
 * - The decorator decides for its handler: the lookup of the `app.use(cache)` above is superseded.
 * - A lookup that fails (the engine absorbs store failures; this is anything else) is reported to the
 *   engine's `onError` (context `'express.lookup'`) and the handler runs uncached.
 * - An error the handler throws or rejects with goes to `next(error)`, on Express 4 too.
 * - The first call throws a `LarderError` (`ERR_LARDER_NOT_REGISTERED`) when no Larder middleware is
 *   mounted above the route.
 *
 * @param ttlOrOptions - the fresh lifetime (`'30s'`), or {@link CacheResponseOptions}; omitted, the
 * middleware's defaults and the response's `Cache-Control` decide.
 * @throws {@link ConfigError} at class definition for an invalid option.
 */
export function cacheResponse(
  ttlOrOptions: Duration | CacheResponseOptions = {},
): DualMethodDecorator<Handler> {
  const route = routeDecoratorOptions(ttlOrOptions, defaultKey);

  return methodDecorator<Handler>('@cacheResponse', (original, method) => {
    return function (this: unknown, ...args: unknown[]): unknown {
      const req = args[0] as Request;
      const res = args[1] as Response;
      const next = args[2];
      if (!isRequest(req)) {
        throw new TypeError(
          `@cacheResponse on ${method.label(this)}: its first argument is not the Express request. ` +
            'Call it as (req, res, next) => controller.method(req, res, next). In a NestJS controller ' +
            "(with @Param, @Query, ...), use @CacheResponse from '@larder/nestjs' instead",
        );
      }
      const state = requestCache(req);
      if (state === undefined) {
        throw new LarderError(
          'ERR_LARDER_NOT_REGISTERED',
          `@cacheResponse on ${method.label(this)} needs the Larder middleware mounted above its route: ` +
            "app.use(larder()) (import { larder } from '@larder/express')",
        );
      }
      if (typeof (res as Partial<Response> | undefined)?.end !== 'function') {
        throw new TypeError(
          `@cacheResponse on ${method.label(this)}: pass the response as the second argument, ` +
            '(req, res, next) => controller.method(req, res, next), so a cached response can be sent',
        );
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return original.apply(this, args);
      const outer = state.fill;
      state.fill = undefined;
      const fail = (error: unknown): void => {
        if (typeof next !== 'function') throw error;
        next(error);
      };
      const handle = (): unknown => {
        try {
          const value = original.apply(this, args);
          if (typeof (value as PromiseLike<unknown> | undefined)?.then !== 'function') return value;
          return Promise.resolve(value).then(undefined, fail);
        } catch (error) {
          return fail(error);
        }
      };
      const carried = engineRequest(req);
      return decoratedLookup(state.engine, carried, route, outer, 'express.lookup').then((result) => {
        if (result?.kind === 'hit' || result?.kind === 'stale') return send(res, result.response);
        if (result !== undefined) captureResponse(res, result.fill);
        stripRefreshMarker(req);
        sendValidators(req, result?.fill);
        return handle();
      });
    };
  });
}

/** Whether a handler's first argument is a request (a Nest handler's is a parameter such as `@Param('id')`). */
function isRequest(value: unknown): value is Request {
  const req = value as Partial<Request> | null | undefined;
  return typeof req?.method === 'string' && typeof req.headers === 'object' && req.headers !== null;
}
