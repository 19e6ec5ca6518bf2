import {
  captureResponse,
  type DualMethodDecorator,
  type Duration,
  type Fill,
  keyOrigin,
  LarderError,
  type LookupResult,
  methodDecorator,
  type RequestLike,
  type RouteCacheOptions,
  stableKey,
  validateRouteOptions,
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
 * Express request.
 */
export interface CacheResponseOptions extends Omit<RouteCacheOptions, 'key' | 'tags'> {
  /**
   * Replace the key (`Vary` still selects variants). @defaultValue method class, origin, route
   * pattern (with the router's mount path), params and query:
   * `'GET example.com/api/items/:id {"id":"1"} {"lang":"en"}'`
   */
  key?: (req: Request) => string;
  /** Tags of the request's entry, merged with the response's `Surrogate-Key`/`Cache-Tag`. */
  tags?: (req: Request) => readonly string[];
}

// biome-ignore lint/suspicious/noExplicitAny: a handler typed for any route (its params, body, query)
type AnyRequest = Request<any, any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyResponse = Response<any, any>;
/** The methods `@cacheResponse` applies to: Express route handlers. */
// biome-ignore lint/suspicious/noExplicitAny: a handler may take more parameters than the three Express passes
type Handler = (req: AnyRequest, res: AnyResponse, next: NextFunction, ...rest: any[]) => unknown;

type Carried = CarriedExpressRequest;

/**
 * The default key: method class, origin (as the HTTP key has it: a page built from the host or the
 * scheme is never shared across them), route pattern, params and query.
 */
function routeKey(like: RequestLike): string {
  const { req } = like as Carried;
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const path: unknown = req.route?.path;
  const pattern = `${req.baseUrl}${path === undefined ? req.path : String(path)}`;
  return `${method} ${keyOrigin(like)}${pattern} ${stableKey({ ...req.params })} ${stableKey(req.query ?? {})}`;
}

/**
 * Step the lookup of a `larder()` mounted above aside: its fill is told that the response is not
 * storable under the URL's key, so the engine remembers that key as hit-for-pass (later requests do not
 * wait on it) and its capture passes the response through. The decorator's own lookup then decides,
 * and the URL's key never holds an entry that would answer before the handler is reached.
 */
function stepAside(fill: Fill): void {
  fill.start(200, { 'cache-control': 'no-store' });
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
 * - The decorator decides for its handler: the lookup of the `app.use(cache)` above steps aside.
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
  const options =
    typeof ttlOrOptions === 'object' && ttlOrOptions !== null ? ttlOrOptions : { ttl: ttlOrOptions };
  // validated as route options (a ConfigError names '@cacheResponse.ttl'); key and tags take the request
  const { key: _key, tags: _tags, ...rest } = validateRouteOptions(options, '@cacheResponse');
  const { key, tags } = options as CacheResponseOptions;
  const route = validateRouteOptions({
    ...rest,
    key: key === undefined ? routeKey : (like: RequestLike) => key((like as Carried).req),
    ...(tags === undefined ? {} : { tags: (like: RequestLike) => tags((like as Carried).req) }),
  });

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
      if (state.fill !== undefined) {
        stepAside(state.fill);
        state.fill = undefined;
      }
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
      let lookup: Promise<LookupResult>;
      try {
        const carried: Carried = { ...engineRequest(req), req };
        lookup = state.engine.lookup(carried, route);
      } catch (error) {
        lookup = Promise.reject(error);
      }
      return lookup.then(
        (result) => {
          if (result.kind === 'hit' || result.kind === 'stale') return send(res, result.response);
          captureResponse(res, result.fill);
          stripRefreshMarker(req);
          sendValidators(req, result.fill);
          return handle();
        },
        // the engine absorbs store failures; anything else must not fail the request either
        () => {
          stripRefreshMarker(req);
          sendValidators(req, undefined);
          return handle();
        },
      );
    };
  });
}

/** Whether a handler's first argument is a request (a Nest handler's is a parameter such as `@Param('id')`). */
function isRequest(value: unknown): value is Request {
  const req = value as Partial<Request> | null | undefined;
  return typeof req?.method === 'string' && typeof req.headers === 'object' && req.headers !== null;
}
