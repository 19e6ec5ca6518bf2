/**
 * The driver interface of the HTTP behaviour contract: every case is written once against it, and
 * each adapter (Fastify through `app.inject`, Express 5 and Express 4.21 through supertest) implements
 * it. A driver only translates; it must never add behaviour of its own that a case could observe.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { HttpCacheOptions, HttpCacheStats, InvalidateOptions, RouteCacheOptions } from '@larder/core';

/** What an origin handler sees of a request. */
export interface OriginRequest {
  /** Upper-case method. */
  method: string;
  /** Path and query as the framework received them. */
  url: string;
  /** Request headers, lower-case names. */
  headers: IncomingHttpHeaders;
}

/**
 * What an origin handler answers, in framework-neutral terms. `body` is sent as bytes (a string as
 * UTF-8, with `content-type: text/plain; charset=utf-8` unless `headers` names one), a `Readable` is
 * streamed, and `json` is serialized by the framework. With neither, the response has no body and no
 * content type of the driver's making (Fastify `reply.send()`, Express `res.end()`).
 */
export interface OriginReply {
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array | Readable;
  json?: unknown;
}

/** A route handler written once for every framework; throwing (or rejecting) is an origin failure. */
export type Origin = (req: OriginRequest) => OriginReply | Promise<OriginReply>;

/** An unsafe method a route may also declare. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One route of a contract app. */
export interface RouteSpec {
  /** @defaultValue 'GET' */
  method?: RouteMethod;
  /** A path pattern both frameworks read the same way (`/items/:id`). */
  path: string;
  /**
   * The route's cache setting: Fastify's `config.cache`, Express's `cache.route(options)` (`true` is
   * `cache.route()`). Absent: not cached unless the app caches every GET route (`cacheAll`).
   */
  cache?: RouteCacheOptions | boolean;
  origin: Origin;
}

/** Options of a contract app: the engine's options plus the mounting style. */
export interface ContractAppOptions extends Omit<HttpCacheOptions, 'revalidate'> {
  /**
   * Cache every GET route with the plugin-level options: Fastify `cacheAllGet: true`, Express
   * `app.use(cache)` above the routes. @defaultValue false
   */
  cacheAll?: boolean;
}

/** A request as a client sends it. */
export interface ContractRequest {
  /** @defaultValue 'GET' */
  method?: 'GET' | 'HEAD' | RouteMethod;
  url: string;
  headers?: Record<string, string>;
}

/** A response as a client receives it: the body as raw bytes, never decoded. */
export interface ContractResponse {
  status: number;
  /** Lower-case names; repeated fields other than `set-cookie` joined by the client. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** `body` as UTF-8, for readability in assertions. */
  text: string;
}

/** A running app with Larder in front of its routes. */
export interface ContractApp {
  request(req: ContractRequest): Promise<ContractResponse>;
  /** `app.larder.invalidate` (Fastify) or `cache.invalidate` (Express). */
  invalidate(options: InvalidateOptions): Promise<number>;
  /** The engine's counters, through the adapter's `stats()`. */
  stats(): HttpCacheStats;
  close(): Promise<void>;
}

/** One adapter under contract. */
export interface Driver {
  /** Shown in test names: `fastify`, `express 5`, `express 4.21`. */
  readonly name: string;
  makeApp(routes: readonly RouteSpec[], options?: ContractAppOptions): Promise<ContractApp>;
}
