/**
 * The security suite's apps and client: each framework (Fastify 5, Express 5, Express 4) serves the
 * same routes on a real loopback server, and requests go over real sockets as raw request lines, so
 * that attacks a client library would clean up (fragments, absolute-form targets, bodies on GET)
 * reach the server as an attacker sends them. Every `Cache-Status` a response carries is checked to
 * be a valid RFC 9211 structured field.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import type { HttpCache, HttpCacheOptions, RouteCacheOptions } from '@larder/core';
import { larder as expressLarder } from '@larder/express';
import { larder as fastifyLarder } from '@larder/fastify';
import express5, { type Application, type RequestHandler } from 'express';
import express4 from 'express4';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';

/** What a route handler sees, the same on every framework. */
export interface SecRequest {
  method: string;
  url: string;
  /** The host the framework gives the handler. */
  host: string;
  /** The scheme the framework gives the handler. */
  protocol: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  /** The parsed urlencoded body, if any. */
  body: Record<string, unknown> | undefined;
}

/** What a route handler answers. */
export interface SecReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string;
  /** Send the body as a stream (Fastify) or with `write` then `end` (Express). */
  stream?: boolean;
}

export interface SecRoute {
  method?: 'GET' | 'POST';
  path: string;
  /** The route's cache options (`config.cache`, `cache.route(...)`); absent, not cached by the route. */
  cache?: RouteCacheOptions;
  handler(req: SecRequest): SecReply | Promise<SecReply>;
}

export interface SecAppOptions extends HttpCacheOptions {
  /** Cache every GET route (Fastify `cacheAllGet`, Express `app.use(cache)` before the routes). */
  global?: boolean;
  /** Trust `X-Forwarded-*` (Fastify `trustProxy`, Express `trust proxy`). */
  trustProxy?: boolean;
  /** Express only: middleware mounted before the cache. */
  expressBefore?: RequestHandler;
  /** Express only: per-route middleware between the cache and the handler. */
  expressAfter?: RequestHandler;
  /** Add framework-specific routes before the server listens. */
  setup?: (native: FastifyInstance | Application) => void;
}

export interface SecApp {
  readonly port: number;
  readonly engine: HttpCache;
  /** The Fastify instance or the Express app, for framework-specific additions. */
  readonly native: FastifyInstance | Application;
  close(): Promise<void>;
}

export interface Framework {
  readonly name: string;
  start(routes: readonly SecRoute[], options?: SecAppOptions): Promise<SecApp>;
}

const fastify: Framework = {
  name: 'fastify 5',
  async start(routes, options = {}) {
    const {
      global = false,
      trustProxy = false,
      expressBefore: _b,
      expressAfter: _a,
      setup,
      ...engine
    } = options;
    const app = Fastify({ trustProxy });
    // what @fastify/formbody does, so a body can shape the page as it would in a real app
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    await app.register(fastifyLarder, { ...engine, cacheAllGet: global });
    for (const route of routes) {
      app.route({
        method: route.method ?? 'GET',
        url: route.path,
        config: route.cache === undefined ? {} : { cache: route.cache },
        handler: async (request, reply) => {
          const out = await route.handler({
            method: request.method,
            url: request.url,
            host: request.host,
            protocol: request.protocol,
            headers: request.headers,
            query: request.query as Record<string, unknown>,
            body: (request.body ?? undefined) as Record<string, unknown> | undefined,
          });
          reply.code(out.status ?? 200);
          for (const [name, value] of Object.entries(out.headers ?? {})) reply.header(name, value);
          return reply.send(
            out.stream === true ? Readable.from([Buffer.from(out.body ?? '')]) : (out.body ?? ''),
          );
        },
      });
    }
    setup?.(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return {
      port: typeof address === 'object' && address !== null ? address.port : 0,
      engine: app.larder.engine,
      native: app,
      close: () => app.close(),
    };
  },
};

function expressFramework(name: string, create: () => Application): Framework {
  return {
    name,
    async start(routes, options = {}) {
      const { global = false, trustProxy = false, expressBefore, expressAfter, setup, ...engine } = options;
      const app = create();
      if (trustProxy) app.set('trust proxy', true);
      app.use(express5.urlencoded({ extended: false }));
      if (expressBefore !== undefined) app.use(expressBefore);
      const cache = expressLarder({ ...engine, app });
      if (global) app.use(cache);
      for (const route of routes) {
        const chain: RequestHandler[] = [];
        if (route.cache !== undefined) chain.push(cache.route(route.cache));
        if (expressAfter !== undefined) chain.push(expressAfter);
        const handler: RequestHandler = (req, res, next) => {
          Promise.resolve(
            route.handler({
              method: req.method,
              url: req.originalUrl,
              host: req.get('host') ?? '',
              protocol: req.protocol,
              headers: req.headers,
              query: req.query as Record<string, unknown>,
              body: req.body as Record<string, unknown> | undefined,
            }),
          ).then((out) => {
            res.status(out.status ?? 200);
            for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
            if (out.stream === true) {
              res.write(out.body ?? '');
              res.end();
            } else res.end(out.body ?? '');
          }, next);
        };
        if ((route.method ?? 'GET') === 'POST') app.post(route.path, ...chain, handler);
        else app.get(route.path, ...chain, handler);
      }
      setup?.(app);
      const server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const address = server.address();
      return {
        port: typeof address === 'object' && address !== null ? address.port : 0,
        engine: cache.engine,
        native: app,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await cache.close();
        },
      };
    },
  };
}

export const frameworks: readonly Framework[] = [
  fastify,
  expressFramework('express 5', () => express5()),
  expressFramework('express 4.21', () => express4() as unknown as Application),
];

/** A response as read off the socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  /** The body ended before its `Content-Length`. */
  truncated: boolean;
}

/** The first value of a header. */
export function header(res: RawResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Send `request` (a complete raw HTTP/1.1 message) on a new connection and read the response until
 * the server closes it. Fails after 5 s: a hang is a failure.
 */
export function raw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within 5 s to ${JSON.stringify(request.split('\r\n')[0])}`));
    }, 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        const res = parse(Buffer.concat(chunks), request.startsWith('HEAD '));
        const status = header(res, 'cache-status');
        if (status !== undefined) expectStructuredList(status);
        resolve(res);
      } catch (error) {
        reject(error);
      }
    });
    socket.write(request);
  });
}

/** A GET (or `method`) on `path` with `Host: host` and `headers`, closing the connection after it. */
export function request(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  { method = 'GET', host = 'site.example', body }: { method?: string; host?: string; body?: string } = {},
): Promise<RawResponse> {
  let text = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (body !== undefined && headers['Transfer-Encoding'] === undefined) {
    text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  }
  return raw(port, `${text}\r\n${body ?? ''}`);
}

function parse(data: Buffer, head: boolean): RawResponse {
  const split = data.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`incomplete response: ${JSON.stringify(data.toString('latin1'))}`);
  const lines = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] = before === undefined ? value : ([] as string[]).concat(before, value);
  }
  let body = data.subarray(split + 4);
  let truncated = false;
  if (head) body = Buffer.alloc(0);
  else if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  else if (typeof headers['content-length'] === 'string') {
    const length = Number(headers['content-length']);
    truncated = body.length < length;
    body = body.subarray(0, length);
  }
  return { status, headers, body: body.toString('utf8'), truncated };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', i);
    if (eol === -1) break;
    const size = Number.parseInt(data.subarray(i, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

const TOKEN = String.raw`[A-Za-z*][!#$%&'*+\-.^_\`|~0-9A-Za-z:/]*`;
const SF_STRING = String.raw`"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"`;
const BARE_ITEM = String.raw`(?:-?[0-9]{1,15}(?:\.[0-9]{1,3})?|${SF_STRING}|${TOKEN}|\?[01]|:[A-Za-z0-9+/=]*:)`;
const KEY = String.raw`[a-z*][a-z0-9_\-.*]*`;
const MEMBER = new RegExp(`^(?:${TOKEN}|${SF_STRING})(?:;[ ]*${KEY}(?:=${BARE_ITEM})?)*$`);

/** Assert that `value` is a valid RFC 8941 list of items with parameters (RFC 9211's shape). */
export function expectStructuredList(value: string): void {
  const members: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\') {
      current += c + (value[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      members.push(current.trim());
      current = '';
    } else current += c;
  }
  members.push(current.trim());
  for (const member of members) {
    expect(member, `Cache-Status member ${JSON.stringify(member)} of ${JSON.stringify(value)}`).toMatch(
      MEMBER,
    );
  }
}

/** A route handler that counts its calls. */
export function counting(
  answer: (req: SecRequest, call: number) => SecReply | Promise<SecReply>,
): ((req: SecRequest) => SecReply | Promise<SecReply>) & { readonly calls: number; seen: SecRequest[] } {
  let calls = 0;
  const seen: SecRequest[] = [];
  const fn = (req: SecRequest) => {
    seen.push({ ...req, headers: { ...req.headers } });
    return answer(req, ++calls);
  };
  return Object.assign(Object.defineProperty(fn, 'calls', { get: () => calls }), { seen }) as never;
}

/** Poll `condition` (a background refresh landing) for at most 3 s. */
export async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

/** Apply a dual (legacy or standard) method decorator by hand, the legacy way. */
export function decorate(proto: object, name: string, decorator: unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
  const result = (
    decorator as (t: object, n: string, d: PropertyDescriptor) => PropertyDescriptor | undefined
  )(proto, name, descriptor);
  Object.defineProperty(proto, name, result ?? descriptor);
}
