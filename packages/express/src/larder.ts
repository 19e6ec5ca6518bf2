import type { ServerResponse } from 'node:http';
import {
  applyValidators,
  type CarriedRequest,
  captureResponse,
  carryRequest,
  type Duration,
  type Fill,
  HttpCache,
  type HttpCacheOptions,
  type HttpCacheStats,
  type InvalidateOptions,
  type LookupResult,
  type RequestLike,
  type ResolvedRouteOptions,
  type ResponseLike,
  type RouteCacheOptions,
  removeRefreshMarker,
  storedHeaderWins,
  validateRouteOptions,
  withRefreshMarker,
} from '@larder/core';
import type { Application, NextFunction, Request, RequestHandler, Response } from 'express';
import inject, { type DispatchFunc, type InjectOptions } from 'light-my-request';

/**
 * A route's cache options for Express (`cache.route(options)`): the engine's route options, with `key`
 * and `tags` given the Express request (`req.params`, `req.query`, `req.originalUrl`), as
 * `@cacheResponse` gives them.
 */
export interface ExpressRouteOptions extends Omit<RouteCacheOptions, 'key' | 'tags'> {
  /** Replace the key derivation (`Vary` still selects variants). @defaultValue method class, host, URL */
  key?: (req: Request) => string;
  /** Tags of the request's entry, merged with the response's `Surrogate-Key`/`Cache-Tag`. */
  tags?: (req: Request) => readonly string[];
}

/** Options of {@link larder}: the engine's options, plus the Express application. */
export interface LarderOptions extends Omit<HttpCacheOptions, 'key' | 'tags'>, ExpressRouteOptions {
  /**
   * The application that background refreshes (stale-while-revalidate) are dispatched through, with
   * light-my-request. Without it, the middleware takes the top-level application of the first request
   * it sees (`req.app`, then its `parent`s), which is the same app unless you dispatch requests to
   * several apps through one `larder()`; give it then, or pass your own `revalidate`.
   */
  app?: Application;
}

/**
 * The middleware `larder()` returns: `app.use(cache)` caches the GET and HEAD responses of every
 * route below it with the plugin-level options; `cache.route(options)` caches one route.
 */
export interface LarderMiddleware extends RequestHandler {
  /**
   * A middleware for one route: `app.get('/x', cache.route({ ttl: '30s' }), handler)`. Its options are
   * validated now (a {@link ConfigError} names the option) and override the plugin's. A request that a
   * `cache` mounted higher up (`app.use(cache)`) already looked up is not looked up again: the first
   * lookup's options apply.
   */
  route(options?: ExpressRouteOptions): RequestHandler;
  /** Remove entries by key, URL or tags; resolves the number removed. */
  invalidate(options: InvalidateOptions): Promise<number>;
  /** The engine's counters. */
  stats(): HttpCacheStats;
  /** Remove every entry. */
  clear(): Promise<void>;
  /** Release the store and its timers. */
  close(): Promise<void>;
  /** The engine behind this middleware. */
  readonly engine: HttpCache;
}

/**
 * What the middleware leaves on each request it looks up, for `@cacheResponse` handlers below it.
 * @internal
 */
export interface RequestCache {
  /** The engine of the middleware. */
  readonly engine: HttpCache;
  /** The fill of the middleware's own lookup, while the response is captured for it. */
  fill: Fill | undefined;
  /** What a middleware of another `larder()` that forwarded the request before left, if any. */
  readonly outer: RequestCache | undefined;
}

/**
 * The {@link RequestCache} of each request a Larder middleware forwarded. A WeakMap rather than a
 * property: Express swaps the prototype of every request, after which V8 caches no transition for a
 * property added to it, and each add cost a miss about 1.4 KB of new maps (the WeakMap, 50 bytes).
 */
const requestCaches = new WeakMap<object, RequestCache>();

/** The request as the engine sees it, carrying the Express request for `key` and `tags`. @internal */
export type CarriedExpressRequest = CarriedRequest<Request>;

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Warn, with a code, about a set-up that would otherwise do nothing silently: once per `larder()`. */
function warner(): (code: string, message: string) => void {
  const warned = new Set<string>();
  return (code, message) => {
    if (warned.has(code)) return;
    warned.add(code);
    process.emitWarning(message, { type: 'LarderWarning', code });
  };
}

/**
 * The layers of the application's router: `app._router` on Express 4 (whose `app.router` getter
 * throws), `app.router` on Express 5. `undefined` when neither can be read.
 */
function routerStack(app: unknown): { handle?: unknown; route?: unknown }[] | undefined {
  try {
    const holder = app as { router?: { stack?: unknown }; _router?: { stack?: unknown } } | undefined;
    const stack = holder?._router !== undefined ? holder._router.stack : holder?.router?.stack;
    return Array.isArray(stack) ? stack : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request as the engine sees it: method, the URL as received (`originalUrl`), headers (with the
 * refresh marker a middleware above removed, so a decorator's lookup still knows the refresh), and
 * the scheme Express gives the handler (`req.protocol`); carrying the Express request itself for the
 * route's `key` and `tags`. @internal
 */
export function engineRequest(req: Request): CarriedExpressRequest {
  return {
    method: req.method,
    url: req.originalUrl,
    headers: withRefreshMarker(req, req.headers),
    scheme: req.protocol,
    req,
  };
}

/** After the lookup, before the handler: drop the engine's refresh marker (see `removeRefreshMarker`). @internal */
export function stripRefreshMarker(req: Request): void {
  removeRefreshMarker(req, req.headers as Record<string, unknown>, req.rawHeaders);
}

/**
 * Before the handler, when the fill revalidates a stale stored response: give the handler its
 * conditional fields (see `applyValidators`), so that it may answer 304 (`res.send` does when they
 * match). @internal
 */
export function sendValidators(req: Request, fill: Fill | undefined): void {
  applyValidators(req, fill, req.headers as Record<string, unknown>, req.rawHeaders);
}

/** The {@link RequestCache} a Larder middleware above left on `req`, if any. @internal */
export function requestCache(req: object): RequestCache | undefined {
  return requestCaches.get(req);
}

/**
 * Create the Express middleware for HTTP response caching. Works with Express 4.21+ and 5.
 *
 * ```ts
 * const cache = larder({ ttl: '1m' }); // or larder('5 minutes'), short for { ttl: '5 minutes' }
 * app.use(cache); // or per route:
 * app.get('/items/:id', cache.route({ ttl: '30s', tags: (req) => [`item:${req.params.id}`] }), handler);
 * ```
 *
 * @param optionsOrTtl - the options, or a duration as a shorthand for `{ ttl }`.
 * @throws {@link ConfigError} for an invalid option, naming it.
 */
export function larder(optionsOrTtl: LarderOptions | Duration = {}): LarderMiddleware {
  const options: LarderOptions =
    typeof optionsOrTtl === 'string' || typeof optionsOrTtl === 'number'
      ? { ttl: optionsOrTtl }
      : optionsOrTtl;
  // anything but an object goes on to the engine, which refuses it with a ConfigError
  const carried = (isObject(options) ? carryRequest(options) : options) as Omit<
    LarderOptions,
    'key' | 'tags'
  > &
    Pick<RouteCacheOptions, 'key' | 'tags'>;
  const { app, ...engineOptions } = carried;
  let target: Application | undefined = app;
  const engine = new HttpCache({
    revalidate: (req) => (target === undefined ? Promise.resolve() : refresh(target, req)),
    ...engineOptions,
  });
  // One lookup per request, however many of this cache's middlewares it passes through: a request
  // this cache forwarded has its RequestCache (alone, or in the chain of another larder()'s). One
  // record for both the mark and the state, set only when forwarding: a hit is never forwarded.
  const forwardedHere = (state: RequestCache | undefined): boolean => {
    for (let s = state; s !== undefined; s = s.outer) if (s.engine === engine) return true;
    return false;
  };

  /** Hand the request on to the next middleware, marked, with `fill` for `@cacheResponse` below. */
  const forward = (
    req: Request,
    next: NextFunction,
    fill: Fill | undefined,
    outer: RequestCache | undefined,
  ): void => {
    stripRefreshMarker(req);
    sendValidators(req, fill);
    const state: RequestCache = { engine, fill, outer };
    requestCaches.set(req, state);
    next();
  };

  const settle = (
    req: Request,
    res: Response,
    next: NextFunction,
    result: LookupResult,
    outer: RequestCache | undefined,
  ): void => {
    try {
      if (result.kind === 'hit' || result.kind === 'stale') send(res, result.response);
      else {
        captureResponse(res, result.fill);
        forward(req, next, result.fill, outer);
      }
    } catch (error) {
      next(error);
    }
  };

  // A failed lookup is the engine's failure, never the request's: serve it uncached. Reported as the
  // engine reports what it absorbs (onError, or one warning; stats().errors), as on Fastify.
  const fail = (req: Request, next: NextFunction, error: unknown, outer: RequestCache | undefined): void => {
    try {
      engine.reportError(error, 'express.lookup');
    } finally {
      forward(req, next, undefined, outer);
    }
  };

  let checked = false;
  const warnOnce = warner();
  const middleware = (route: ResolvedRouteOptions | undefined): RequestHandler => {
    // cache.route() without a `route` of its own: counted under the Express route it sits on, learnt
    // from the first request through each route (a label per route, never per URL)
    const labelled =
      route !== undefined && route.route === undefined
        ? new WeakMap<object, ResolvedRouteOptions>()
        : undefined;
    const handler: RequestHandler = (req, res, next) => {
      const outer = requestCache(req);
      if (outer !== undefined && forwardedHere(outer)) {
        if (route !== undefined) {
          warnOnce(
            'LARDER_ROUTE_OPTIONS_IGNORED',
            `Larder: cache.route() options on ${req.method} ${req.originalUrl} are ignored: app.use(cache) above ` +
              'already looked this request up with the plugin-level options. Use app.use(cache) or cache.route() ' +
              'for a route, not both (a second larder() instance for the route also works).',
          );
        }
        return next();
      }
      if (target === undefined && req.app !== undefined) target = root(req.app);
      if (!checked && route === undefined) {
        checked = true;
        const stack = routerStack(req.app);
        const at = stack?.findIndex((layer) => layer.handle === handler) ?? -1;
        if (stack !== undefined && at > 0 && stack.slice(0, at).some((layer) => layer.route !== undefined)) {
          warnOnce(
            'LARDER_MOUNTED_AFTER_ROUTES',
            'Larder: app.use(cache) was mounted after routes, which answer before it and are never cached. ' +
              'Call app.use(cache) before defining the routes (or use cache.route() on each route).',
          );
        }
      }
      let lookup: LookupResult | Promise<LookupResult>;
      try {
        let options = route;
        if (labelled !== undefined && req.route !== undefined) {
          options = labelled.get(req.route) ?? routeLabelled(labelled, req, route!);
        }
        lookup = engine.lookupNow(engineRequest(req), options);
      } catch (error) {
        return fail(req, next, error, outer);
      }
      // a memory hit is answered here, in the middleware's own call: no promise, no microtask
      if (!(lookup instanceof Promise)) {
        settle(req, res, next, lookup, outer);
        return;
      }
      lookup.then(
        (result) => settle(req, res, next, result, outer),
        (error: unknown) => fail(req, next, error, outer),
      );
    };
    return handler;
  };

  return Object.assign(middleware(undefined), {
    route: (routeOptions: ExpressRouteOptions = {}) =>
      middleware(
        validateRouteOptions(isObject(routeOptions) ? carryRequest(routeOptions) : routeOptions, 'route'),
      ),
    invalidate: (invalidateOptions: InvalidateOptions) => engine.invalidate(invalidateOptions),
    stats: () => engine.stats(),
    clear: () => engine.clear(),
    close: () => engine.close(),
    engine,
  });
}

/**
 * `route` with the Express route pattern of `req` as its `route`: the router's mount path and the
 * route's path (`/api` + `/items/:id`). A mount path with parameters carries the first request's
 * values: name such routes with the `route` option.
 */
function routeLabelled(
  labelled: WeakMap<object, ResolvedRouteOptions>,
  req: Request,
  route: ResolvedRouteOptions,
): ResolvedRouteOptions {
  const path: unknown = req.route.path;
  const pattern = `${req.baseUrl}${typeof path === 'string' ? path : String(path)}`;
  const options = validateRouteOptions({ ...route, route: pattern.slice(0, 200) || '/' });
  labelled.set(req.route, options);
  return options;
}

/**
 * Write a response the engine answered (hit, stale, 304) with Node's own methods. Headers that
 * middleware mounted above the cache already set for this request (a request id, CORS) are kept,
 * except the stored representation's own ({@link storedHeaderWins}, the same rule as on Fastify).
 * @internal
 */
export function send(res: ServerResponse, response: ResponseLike): void {
  res.statusCode = response.status;
  for (const name in response.headers) {
    const value = response.headers[name];
    if (value !== undefined && (storedHeaderWins(name) || !res.hasHeader(name))) res.setHeader(name, value);
  }
  const body = response.body;
  res.end(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

/** The application a request entered through: sub-apps mounted with `app.use` have a `parent`. */
function root(app: Application): Application {
  let current = app as Application & { parent?: Application };
  while (current.parent !== undefined) current = current.parent;
  return current;
}

/**
 * Dispatch a background refresh through the application with light-my-request. Not as
 * `inject(app)`: for an Express app, light-my-request re-parents Express's shared request and response
 * prototypes for good, and every later real request of the process breaks. A plain function is
 * dispatched instead, and since Express replaces the prototypes of the fake request and response,
 * their own methods are pinned onto them first.
 */
function refresh(app: Application, req: RequestLike): Promise<unknown> {
  const dispatch: DispatchFunc = (fakeReq, fakeRes) => {
    pin(fakeReq);
    pin(fakeRes);
    app(fakeReq, fakeRes);
  };
  return inject(dispatch, {
    method: req.method as NonNullable<InjectOptions['method']>,
    url: req.url,
    headers: req.headers as NonNullable<InjectOptions['headers']>,
  });
}

/** Copy the methods of an object's prototype onto the object, so they survive a prototype swap. */
function pin(object: object): void {
  const descriptors = Object.getOwnPropertyDescriptors(Object.getPrototypeOf(object));
  for (const [name, descriptor] of Object.entries(descriptors)) {
    if (name !== 'constructor' && !Object.hasOwn(object, name))
      Object.defineProperty(object, name, descriptor);
  }
}
