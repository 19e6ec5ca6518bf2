import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { type LarderMiddleware, larder } from '@larder/express';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import type {
  ContractApp,
  ContractAppOptions,
  ContractRequest,
  ContractResponse,
  Driver,
  Origin,
  RouteSpec,
} from './driver.js';
import { normalizeReply } from './normalize-reply.js';

/** The default export of `express` (5) or `express4` (4.21): both build apps the same way. */
type ExpressFactory = () => Express;

/** A supertest `parse` that keeps the body as raw bytes, whatever its content type. */
function binary(res: unknown, callback: (error: Error | null, body: Buffer) => void): void {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** The origin as an Express handler; a rejection goes to `next` (Express 4 would not catch it). */
function handler(origin: Origin): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => origin({ method: req.method, url: req.originalUrl, headers: req.headers }))
      .then((reply) => {
        const { status, headers, payload } = normalizeReply(reply);
        res.status(status);
        // setHeader, not res.set: Express would add a charset to the content type
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        if (payload.kind === 'none') res.end();
        else if (payload.kind === 'json') res.json(payload.value);
        // pipeline, not pipe: a failing stream must end the response, not crash the process
        else if (payload.kind === 'stream') pipeline(payload.stream, res, () => {});
        else res.send(payload.bytes);
      })
      .catch(next);
  };
}

/**
 * `@larder/express` under contract for one Express major. A route's `cache` becomes
 * `cache.route(options)` before its handler; an unsafe route (POST, ...) gets `cache.route()` too, so
 * that it reaches the engine as every unsafe route does under the Fastify plugin. With `cacheAll`,
 * `app.use(cache)` is mounted above the routes instead. Requests go through supertest to a server
 * listening on an ephemeral port (one per app, so the Host, part of the key, stays the same).
 */
export function expressDriver(name: string, express: ExpressFactory): Driver {
  return {
    name,
    async makeApp(routes: readonly RouteSpec[], options: ContractAppOptions = {}): Promise<ContractApp> {
      const { cacheAll = false, ...engineOptions } = options;
      const cache: LarderMiddleware = larder(engineOptions);
      const app = express();
      // the origin sends the headers its spec gives, as under Fastify: no ETag of Express's own making
      // (with one, a stale entry would be revalidated rather than replaced; packages/express tests that)
      app.set('etag', false);
      if (cacheAll) app.use(cache);
      for (const route of routes) {
        const method = route.method ?? 'GET';
        const handlers: RequestHandler[] = [];
        const wantsEngine = route.cache !== undefined || method !== 'GET';
        if (!cacheAll && route.cache !== false && wantsEngine) {
          handlers.push(cache.route(typeof route.cache === 'object' ? route.cache : {}));
        }
        handlers.push(handler(route.origin));
        const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        app.route(route.path)[verb](...handlers);
      }
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      return {
        async request({ method = 'GET', url, headers = {} }: ContractRequest): Promise<ContractResponse> {
          const agent = request(origin);
          const verbs = {
            GET: agent.get,
            HEAD: agent.head,
            POST: agent.post,
            PUT: agent.put,
            PATCH: agent.patch,
            DELETE: agent.delete,
          };
          const res = await verbs[method]
            .call(agent, url)
            .set(headers)
            .ok(() => true)
            .buffer(true)
            .parse(binary);
          const body: Buffer = Buffer.isBuffer(res.body) ? res.body : Buffer.alloc(0);
          return { status: res.status, headers: { ...res.headers }, body, text: body.toString('utf8') };
        },
        invalidate: (opts) => cache.invalidate(opts),
        stats: () => cache.stats(),
        async close() {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await cache.close();
        },
      };
    },
  };
}
