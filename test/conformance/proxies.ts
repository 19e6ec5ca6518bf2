/**
 * Each adapter as a caching reverse proxy in front of the suite's origin: one catch-all route whose
 * handler forwards the request (method, path, headers, body) and sends back what the origin answered
 * (relaying its interim responses as they come), with Larder in front of it as an application would
 * mount it.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type LarderOptions, larder as larderExpress } from '@larder/express';
import { type LarderFastifyOptions, larder as larderFastify } from '@larder/fastify';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';

/** A proxy listening on a loopback port. */
export interface RunningProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts one adapter's proxy in front of `origin`. */
export interface ProxyDriver {
  readonly name: string;
  start(origin: string): Promise<RunningProxy>;
}

/** What the origin answered: the status, its header lines grouped by name, the body. */
interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Hop-by-hop fields (RFC 9110 section 7.6.1) and the framing a proxy sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** The engine options of every proxy: Larder's defaults for a shared cache. */
const ENGINE_OPTIONS = {} satisfies LarderOptions & LarderFastifyOptions;

/**
 * Header lines grouped by lower-cased name, repeated lines as an array, without the hop-by-hop fields
 * and those the `Connection` field names (RFC 9110 section 7.6.1).
 */
function grouped(raw: readonly string[]): Record<string, string | string[]> {
  const listed = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue;
    for (const name of raw[i + 1]!.split(',')) listed.add(name.trim().toLowerCase());
  }
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue;
    const seen = out[name];
    out[name] = seen === undefined ? value : ([] as string[]).concat(seen, value);
  }
  return out;
}

/** Where a proxy relays the origin's interim responses (102 Processing, 103 Early Hints). */
type Interim = (status: number, headers: Record<string, string | string[]>) => void;

/** Relay an interim response on `res`, as a proxy does (RFC 9110 section 15.2); others are dropped. */
function relayInterim(res: ServerResponse): Interim {
  return (status, headers) => {
    if (status === 102) res.writeProcessing();
    else if (status === 103) res.writeEarlyHints(headers);
  };
}

/**
 * Forward one request to `origin`. The body is what the origin framed (a `Content-Length` shorter
 * than what follows is honoured, as the suite checks); a connection that fails before the response
 * is complete (the suite's origin disconnects on purpose) is a 502. Interim responses go to `interim`
 * as they arrive.
 */
function forward(
  origin: string,
  method: string,
  url: string,
  rawHeaders: readonly string[],
  body: Buffer | IncomingMessage | undefined,
  interim: Interim,
): Promise<Upstream> {
  return new Promise((resolve) => {
    const target = new URL(origin);
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    const received = (res: IncomingMessage): Upstream => {
      const headers = grouped(res.rawHeaders);
      const body = Buffer.concat(chunks);
      // the framing sent on is that of the bytes received (a HEAD response keeps the origin's length)
      if (method !== 'HEAD' && headers['content-length'] !== undefined)
        headers['content-length'] = String(body.length);
      return { status: res.statusCode ?? 502, headers, body };
    };
    // bytes after a complete response break the connection, not the response: its 'end' still comes
    const failed = () => {
      if (response?.complete !== true) resolve(badGateway());
    };
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: url,
        headers: grouped(rawHeaders) as IncomingHttpHeaders,
      },
      (res) => {
        response = res;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(received(res)));
        res.on('error', failed);
        res.on('close', () => resolve(res.complete ? received(res) : badGateway()));
      },
    );
    upstream.on('error', failed);
    upstream.on('information', (info) => interim(info.statusCode, grouped(info.rawHeaders)));
    if (Buffer.isBuffer(body)) upstream.end(body);
    else if (body !== undefined) body.pipe(upstream);
    else upstream.end();
  });
}

function badGateway(): Upstream {
  return { status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from('bad gateway') };
}

/** `@larder/fastify` registered with `cacheAllGet`, one wildcard route for every method. */
const fastifyProxy: ProxyDriver = {
  name: 'fastify',
  async start(origin) {
    const app = Fastify();
    // the suite checks that an unsafe method Fastify does not know by default invalidates too
    app.addHttpMethod('M-SEARCH', { hasBody: true });
    await app.register(larderFastify, { ...ENGINE_OPTIONS, cacheAllGet: true });
    // the body goes to the origin as it came, whatever its type
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'M-SEARCH'],
      url: '/*',
      // HEAD goes to the origin as HEAD, not through Fastify's GET route
      exposeHeadRoute: false,
      handler: async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : undefined;
        const res = await forward(
          origin,
          req.method,
          req.url,
          req.raw.rawHeaders,
          body,
          relayInterim(reply.raw),
        );
        // Fastify's reply.code refuses a status outside 100-599; the suite's origin sends 999
        if (res.status >= 100 && res.status <= 599) reply.code(res.status);
        else reply.raw.statusCode = res.status;
        reply.headers(res.headers);
        return reply.send(res.body);
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
};

/** `@larder/express` mounted with `app.use(cache)` above one catch-all forwarding handler. */
function expressProxy(name: string, express: typeof express5): ProxyDriver {
  return {
    name,
    async start(origin) {
      const cache = larderExpress(ENGINE_OPTIONS);
      const app = express();
      app.use(cache);
      app.use((req, res) => {
        const hasBody =
          req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
        forward(
          origin,
          req.method,
          req.originalUrl,
          req.rawHeaders,
          hasBody ? req : undefined,
          relayInterim(res),
        ).then((out) => {
          res.statusCode = out.status;
          for (const [field, value] of Object.entries(out.headers)) res.setHeader(field, value);
          res.end(out.body);
        });
      });
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        async close() {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await cache.close();
        },
      };
    },
  };
}

/** Every adapter the conformance run measures. */
export const proxies: readonly ProxyDriver[] = [
  fastifyProxy,
  expressProxy('express 5', express5),
  expressProxy('express 4.21', express4 as unknown as typeof express5),
];
