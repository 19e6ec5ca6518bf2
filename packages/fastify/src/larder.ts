import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  applyValidators,
  ConfigError,
  type Fill,
  type HeaderMap,
  HttpCache,
  type HttpCacheOptions,
  type LookupResult,
  type RequestLike,
  type ResponseLike,
  removeRefreshMarker,
  storedHeaderWins,
  validateRouteOptions,
  withRefreshMarker,
} from '@larder/core';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  InjectOptions,
  onRequestAbortHookHandler,
  onResponseHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { captureStream } from './capture-stream.js';

/** Options of the {@link larder} plugin: the engine's options plus the adapter's own. */
export interface LarderFastifyOptions extends HttpCacheOptions {
  /**
   * Cache every GET (and HEAD) route that does not say `config: { cache: false }`. When false, a route
   * opts in with `config: { cache: true }` or `config: { cache: { ttl: '30s', ... } }`.
   * @defaultValue false
   */
  cacheAllGet?: boolean;
}

/** `app.larder`: the cache of this application. */
export interface LarderDecoration {
  /** Remove entries by `key`, `url` or `tags`; see {@link HttpCache.invalidate}. */
  invalidate: HttpCache['invalidate'];
  /** The engine's counters; see {@link HttpCache.stats}. */
  stats: HttpCache['stats'];
  /** Remove every entry. */
  clear: HttpCache['clear'];
  /**
   * Release the store and its timers (the plugin also does it when the app closes; calling both is
   * harmless). As the Express middleware's `close()`.
   */
  close: HttpCache['close'];
  /** The engine itself, for what the shortcuts above do not cover. */
  readonly engine: HttpCache;
}

/** The request decoration holding the fill between `onRequest` (or a `@cacheResponse` handler) and `onSend`. */
const kFill = Symbol('larder.fill');
type Slot = { [kFill]: Fill | null };
const slot = (request: FastifyRequest): Slot => request as unknown as Slot;
/** The route config mark of the routes whose responses the plugin captures. */
const kCaptures = Symbol('larder.captures');

const EMPTY = Buffer.alloc(0);
const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

/** Hooks given as one function, an array, or not at all, as an array. */
const hooks = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([] as T[]).concat(value));

/** Add a route-level hook, last or first, without mutating an array the route options may share. */
function addHook(route: RouteOptions, name: LifecycleHook, hook: unknown, first = false): void {
  const list = hooks(route[name] as unknown);
  (route as Record<LifecycleHook, unknown>)[name] = first ? [hook, ...list] : [...list, hook];
}
type LifecycleHook = 'onRequest' | 'onSend' | 'onRequestAbort' | 'onResponse';

/**
 * The payload for Fastify: the body as a Buffer, without copying. No body is `undefined` (`null`
 * would be serialised as the JSON text `null` on a reply sent from a hook), except for HEAD, where
 * Fastify would recompute `content-length` from the payload (and its HEAD route handler fails on an
 * empty payload): there an empty stream keeps the length the engine sent.
 */
function payloadOf(reply: FastifyReply, { body }: ResponseLike): Buffer | Readable | undefined {
  if (body.byteLength > 0) {
    return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  return reply.request.method === 'HEAD' ? Readable.from([]) : undefined;
}

/**
 * Make the reply's headers exactly `headers` (the engine returns the complete set to send), given
 * `current`, what `reply.getHeaders()` holds. Only what differs is touched: the engine returns the
 * origin's fields as they were plus its own, and removing and setting every field again cost a miss
 * more than the rest of the adapter.
 */
function replaceHeaders(reply: FastifyReply, current: HeaderMap, headers: HeaderMap): void {
  for (const name in current) {
    if (headers[name] === undefined) reply.removeHeader(name);
  }
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || value === current[name]) continue;
    // reply.header appends to a Set-Cookie already there: the engine's value replaces it
    if (name === 'set-cookie' && current[name] !== undefined) reply.removeHeader(name);
    reply.header(name, value);
  }
}

/** Hand the origin's captured response to the fill; returns the payload to send on. */
function capture(reply: FastifyReply, fill: Fill, payload: unknown): unknown {
  const status = reply.statusCode;
  if (!(status >= 100 && status <= 599)) {
    // Fastify's reply.code refuses such a status, so the engine's answer could not be sent: a status
    // set on the raw response goes through unstored and untouched, as the handler wrote it
    fill.abandon(new RangeError(`status ${status} is outside 100-599`));
    return payload;
  }
  const headers = reply.getHeaders() as HeaderMap;
  if (payload instanceof ReadableStream) payload = Readable.fromWeb(payload as WebReadableStream);
  if (payload instanceof Readable) {
    const started = fill.start(reply.statusCode, headers);
    if ('substitute' in started) {
      payload.destroy();
      return send(reply, headers, started.substitute);
    }
    replaceHeaders(reply, headers, started.headers);
    return started.store ? captureStream(payload, fill) : payload;
  }
  if (payload == null || typeof payload === 'string' || Buffer.isBuffer(payload)) {
    const body = payload == null ? EMPTY : typeof payload === 'string' ? Buffer.from(payload) : payload;
    return send(reply, headers, fill.commit({ status: reply.statusCode, headers, body }));
  }
  // A fetch `Response` or another shape Fastify unwraps after onSend: sent as is, not stored.
  fill.abandon(new TypeError('unsupported payload type'));
  return payload;
}

/**
 * For `@cacheResponse`: whether the plugin captures the responses of this request's route (routes
 * added after it was registered, in its scope), so a fill handed to {@link setRequestFill} is settled.
 * @internal
 */
export function capturesResponse(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as unknown as Record<symbol, unknown> | undefined;
  return config?.[kCaptures] === true;
}

/** For `@cacheResponse`: the fill this request's response goes to, if any. @internal */
export function requestFill(request: FastifyRequest): Fill | null {
  return slot(request)[kFill];
}

/** For `@cacheResponse`: hand this request's response to `fill` (or to none). @internal */
export function setRequestFill(request: FastifyRequest, fill: Fill | null): void {
  slot(request)[kFill] = fill;
}

/** Send a response the engine answered (a hit, a stale entry, a 304). @internal */
export function replyWith(reply: FastifyReply, response: ResponseLike): FastifyReply {
  reply.code(response.status);
  setAnswerHeaders(reply, response.headers);
  return reply.send(payloadOf(reply, response));
}

/**
 * Put an answer's headers on the reply. What hooks before the cache set for this request (a request
 * id, CORS) is kept, except the stored representation's own fields: the same rule as on Express
 * ({@link storedHeaderWins}).
 */
function setAnswerHeaders(reply: FastifyReply, headers: HeaderMap): void {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && (storedHeaderWins(name) || !reply.hasHeader(name))) reply.header(name, value);
  }
}

/**
 * Fastify's own key of a request's route context (the symbol described `fastify.context`), read on
 * the first hit: `null` when this Fastify has none, and hits then take {@link replyWith}.
 */
let routeContextKey: symbol | null | undefined;

/**
 * Whether the only onSend hook of the request's route (route-level or inherited) is the plugin's:
 * then a hit may skip Fastify's send path, which would run no other hook. Fastify keeps a route's
 * hooks on its context; reading them is reading Fastify internals, so anything unexpected says no.
 */
function onlyOwnOnSend(request: FastifyRequest): boolean {
  if (routeContextKey === undefined) {
    routeContextKey =
      Object.getOwnPropertySymbols(request).find((key) => key.description === 'fastify.context') ?? null;
  }
  if (routeContextKey === null) return false;
  const hooks = (request as unknown as Record<symbol, { onSend?: unknown } | undefined>)[routeContextKey]
    ?.onSend;
  return Array.isArray(hooks) && hooks.length === 1;
}

/**
 * Fastify's own key of a reply's header object (the symbol described `fastify.reply.headers`, which
 * its send path hands to `writeHead`), read on the first hit: `null` when this Fastify has none.
 */
let replyHeadersKey: symbol | null | undefined;

/** The reply's own header object (what `reply.header` writes), or `null` if it cannot be read. */
function replyHeaderObject(reply: FastifyReply): Record<string, unknown> | null {
  if (replyHeadersKey === undefined) {
    replyHeadersKey =
      Object.getOwnPropertySymbols(reply).find((key) => key.description === 'fastify.reply.headers') ?? null;
  }
  if (replyHeadersKey === null) return null;
  const own = (reply as unknown as Record<symbol, unknown>)[replyHeadersKey];
  return typeof own === 'object' && own !== null ? (own as Record<string, unknown>) : null;
}

/** Whether `object` has no enumerable property. */
function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}

/**
 * Write a hit straight to Node's response, for a route with no onSend hook but the plugin's. The
 * headers go on the reply first, so that onResponse hooks (which still run: Fastify listens on the
 * response for them and for its request log) read them with `reply.getHeader`, as after any reply.
 * When no hook set a header on the reply (the usual hit), its header object is a plain copy of the
 * answer's (no merge to do); otherwise the answer's headers are merged by {@link setAnswerHeaders}.
 * Either way that object is what `writeHead` gets, as on Fastify's own send path (fields set on
 * `reply.raw` are merged by Node, the reply's winning).
 */
function writeHit(reply: FastifyReply, response: ResponseLike): void {
  const res = reply.raw;
  const own = replyHeaderObject(reply);
  let headers: Record<string, unknown>;
  if (own !== null && isEmpty(own)) {
    headers = own;
    const answer = response.headers;
    for (const name in answer) {
      const value = answer[name];
      // a field a hook set on `reply.raw` is merged by Node, under the same rule
      if (value !== undefined && (storedHeaderWins(name) || !res.hasHeader(name))) headers[name] = value;
    }
  } else {
    setAnswerHeaders(reply, response.headers);
    headers = own ?? reply.getHeaders();
  }
  const body = response.body;
  // before hijacking: a header a hook set that Node refuses throws here, and Fastify answers the error
  res.writeHead(response.status, headers as OutgoingHttpHeaders);
  reply.hijack();
  if (body.byteLength === 0) res.end();
  else res.end(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

/** Send `response` instead of the origin's, whose headers were `current`. */
function send(reply: FastifyReply, current: HeaderMap, response: ResponseLike): Buffer | Readable | null {
  reply.code(response.status);
  replaceHeaders(reply, current, response.headers);
  // from onSend, `null` is "no body" (and `undefined` would keep the origin's payload)
  return payloadOf(reply, response) ?? null;
}

/** Release a fill the response never reached (client gone, error before onSend). */
function release(request: FastifyRequest, reason: string): void {
  const fill = slot(request)[kFill];
  if (fill === null) return;
  slot(request)[kFill] = null;
  fill.abandon(new Error(reason));
}

/**
 * On a route the plugin looks up: once the response is over (sent, by any path, or its connection
 * closed), release the fill onSend did not take. Armed only when the lookup did not answer, so a
 * hit adds no listener (route-level onResponse and onRequestAbort hooks would add two on every
 * request). It reads the slot when it fires, so it also covers a fill a `@cacheResponse` handler
 * sets later.
 */
function releaseOnClose(request: FastifyRequest, reply: FastifyReply): void {
  const res = reply.raw;
  res.on('close', () => {
    release(
      request,
      res.writableFinished ? 'response sent without reaching the cache' : 'client aborted the request',
    );
  });
}

/** Go on to the handler with `fill` (or none) taking the response, released if onSend never sees it. */
function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  fill: Fill | null,
): void {
  slot(request)[kFill] = fill;
  releaseOnClose(request, reply);
  done();
}

/**
 * The request as the engine sees it: method, URL, headers (with the refresh marker the route's lookup
 * removed, so a decorator's lookup still knows the refresh), and the scheme Fastify gives the handler.
 * @internal
 */
export function engineRequest(request: FastifyRequest): RequestLike {
  return {
    method: request.method,
    url: request.url,
    headers: withRefreshMarker(request, request.headers),
    scheme: request.protocol,
  };
}

/** After the lookup, before the handler: drop the engine's refresh marker (see `removeRefreshMarker`). @internal */
export function stripRefreshMarker(request: FastifyRequest): void {
  const raw = request.raw;
  removeRefreshMarker(request, raw.headers as Record<string, unknown>, raw.rawHeaders);
  if (request.headers !== raw.headers)
    removeRefreshMarker(request, request.headers as Record<string, unknown>);
}

/**
 * Before the handler, when the fill revalidates a stale stored response: give the handler its
 * conditional fields (see `applyValidators`), so that it may answer 304. @internal
 */
export function sendValidators(request: FastifyRequest, fill: Fill | null): void {
  const raw = request.raw;
  applyValidators(request, fill, raw.headers as Record<string, unknown>, raw.rawHeaders);
  if (request.headers !== raw.headers)
    applyValidators(request, fill, request.headers as Record<string, unknown>);
}

/** Act on a lookup: send a hit or a stale entry, or go on to the handler with the fill. */
function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  result: LookupResult,
): void {
  if (result.kind === 'miss' || result.kind === 'pass') {
    stripRefreshMarker(request);
    sendValidators(request, result.fill);
    forward(request, reply, done, result.fill);
    return;
  }
  try {
    if (onlyOwnOnSend(request)) writeHit(reply, result.response);
    else replyWith(reply, result.response);
  } catch (error) {
    done(error as Error);
  }
}

/**
 * The engine absorbs store failures; anything else must not fail the request either. Reported as the
 * engine reports what it absorbs (onError, or one warning; stats().errors), as on Express, and logged.
 */
function lookupFailed(
  engine: HttpCache,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  error: unknown,
): void {
  request.log.error({ err: error }, 'larder: lookup failed, forwarding to the handler');
  engine.reportError(error, 'fastify.lookup');
  stripRefreshMarker(request);
  forward(request, reply, done, null);
}

/**
 * Whether this request's route asks for caching (`config.cache`, or a GET/HEAD under `cacheAllGet`)
 * although the plugin never saw it (its onRoute hook did not mark it): a route added before the plugin.
 */
function missedRoute(request: FastifyRequest, cacheAllGet: boolean): boolean {
  const config = request.routeOptions.config as unknown as Record<string | symbol, unknown> | undefined;
  if (config === undefined || config[kCaptures] === true || request.is404) return false;
  const setting = config.cache;
  return setting !== false && (setting !== undefined || (cacheAllGet && isRead(request.method)));
}

async function plugin(app: FastifyInstance, options: LarderFastifyOptions): Promise<void> {
  const { cacheAllGet = false, ...engineOptions } = options;
  if (typeof cacheAllGet !== 'boolean') throw new ConfigError('cacheAllGet', cacheAllGet, 'a boolean');
  const engine = new HttpCache({
    // A background refresh (stale-while-revalidate) is a real request through this application, so it
    // runs the route's own hooks, and this plugin's capture stores the new response.
    revalidate: (req: RequestLike) =>
      app.inject({ method: req.method, url: req.url, headers: req.headers } as InjectOptions),
    ...engineOptions,
  });

  app.decorateRequest(kFill, null);
  app.decorate('larder', {
    invalidate: (opts) => engine.invalidate(opts),
    stats: () => engine.stats(),
    clear: () => engine.clear(),
    close: () => engine.close(),
    engine,
  } satisfies LarderDecoration);
  app.addHook('onClose', () => engine.close());
  // with `persist`, the stored responses load before the app serves (a failure is reported, not thrown)
  await engine.ready();

  const onRequestAbort: onRequestAbortHookHandler = (request, done) => {
    release(request, 'client aborted the request');
    done();
  };
  const onResponse: onResponseHookHandler = (request, _reply, done) => {
    release(request, 'response sent without reaching the cache');
    done();
  };
  const onSend: onSendHookHandler = (request, reply, payload, done) => {
    const fill = slot(request)[kFill];
    if (fill === null) return done(null, payload);
    slot(request)[kFill] = null;
    let out: unknown;
    try {
      out = capture(reply, fill, payload);
    } catch (error) {
      request.log.error({ err: error }, 'larder: capture failed, sending the response unstored');
      fill.abandon(error);
      out = payload;
    }
    done(null, out);
  };

  // Routes already in the router (added before this plugin loaded: `register` not awaited, or in a
  // plugin registered before it) never reach the onRoute hook below, so they are not cached, whatever
  // they ask. Only then, a root-level onRequest hook (Fastify gives it to every route of this scope,
  // whenever added) warns once about the first such route that asks for caching. A set-up that adds
  // its routes after the plugin pays nothing.
  if (app.printRoutes() !== '(empty tree)') {
    let warned = false;
    app.addHook('onRequest', (request, _reply, done) => {
      if (!warned && missedRoute(request, cacheAllGet)) {
        warned = true;
        process.emitWarning(
          `Larder: ${request.method} ${request.routeOptions.url} asks for caching but was added before the ` +
            'Larder plugin finished registering, so it is not cached. Await the registration ' +
            '(await app.register(larder, options)) before adding routes, and register Larder before the ' +
            'plugins that add them.',
          { type: 'LarderWarning', code: 'LARDER_ROUTE_BEFORE_PLUGIN' },
        );
      }
      done();
    });
  }

  app.addHook('onRoute', (route: RouteOptions) => {
    // Every route captures (a no-op until a fill is set): a @cacheResponse handler sets one at request
    // time, on any route, cached by config or not.
    route.config = { ...route.config, [kCaptures]: true } as NonNullable<RouteOptions['config']>;
    // Capture before the route's other onSend hooks, so @fastify/compress (which adds route-level
    // onSend hooks) always compresses after the cache has seen the identity body, in either
    // registration order.
    addHook(route, 'onSend', onSend, true);

    const setting: unknown = route.config?.cache;
    const methods = hooks(route.method);
    const cached = setting !== false && (setting !== undefined || (cacheAllGet && methods.some(isRead)));
    // A route that is not cached still hands its unsafe requests (POST, ...) to the engine, so that
    // a successful one invalidates the cached entries of its URL.
    if (setting === false || (!cached && methods.every(isRead))) {
      // No lookup here: only a @cacheResponse handler can set a fill, so release it by hooks.
      addHook(route, 'onRequestAbort', onRequestAbort);
      addHook(route, 'onResponse', onResponse);
      return;
    }
    // Read and validated once per route; requests only carry the resolved object.
    const own = cached
      ? validateRouteOptions(setting === true || setting === undefined ? {} : setting, 'config.cache')
      : undefined;
    // counted under the route's pattern (never the URL) unless the route names itself
    const resolved =
      own !== undefined && own.route === undefined ? validateRouteOptions({ ...own, route: route.url }) : own;

    // Callback style rather than async: a hit is sent from the lookup's own continuation, without
    // the extra promises of an async hook (and done() is not called after replying, as Fastify asks).
    const onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      let result: LookupResult | Promise<LookupResult>;
      try {
        result = engine.lookupNow(engineRequest(request), resolved ?? false);
      } catch (error) {
        lookupFailed(engine, request, reply, done, error);
        return;
      }
      // a memory hit is answered here, in the hook's own call: no promise, no microtask
      if (!(result instanceof Promise)) {
        answer(request, reply, done, result);
        return;
      }
      result.then(
        (settled) => answer(request, reply, done, settled),
        (error: unknown) => lookupFailed(engine, request, reply, done, error),
      );
    };

    // Lookup after the route's other onRequest hooks (authentication runs before a hit is served).
    addHook(route, 'onRequest', onRequest);
  });
}

/**
 * The Larder plugin for Fastify 5: HTTP response caching for the routes that opt in.
 *
 * ```ts
 * await app.register(larder, { ttl: '1m' });
 * app.get('/items', { config: { cache: { ttl: '30s' } } }, handler);
 * ```
 *
 * Registration throws {@link ConfigError} for invalid plugin options; a route with invalid
 * `config.cache` throws it when the route is added. Register it (and await it) before the routes.
 */
export const larder = fp(plugin, { fastify: '5.x', name: '@larder/fastify' });
