import { larder } from '@larder/fastify';
import Fastify, { type InjectOptions } from 'fastify';
import type { ContractApp, ContractAppOptions, ContractResponse, Driver, RouteSpec } from './driver.js';
import { normalizeReply } from './normalize-reply.js';

/**
 * `@larder/fastify` under contract: the plugin registered (and awaited) before the routes, a route's
 * `cache` as its `config.cache`, requests through `app.inject`.
 */
export const fastifyDriver: Driver = {
  name: 'fastify',
  async makeApp(routes: readonly RouteSpec[], options: ContractAppOptions = {}): Promise<ContractApp> {
    const { cacheAll = false, ...engineOptions } = options;
    const app = Fastify();
    await app.register(larder, { ...engineOptions, cacheAllGet: cacheAll });
    for (const route of routes) {
      app.route({
        method: route.method ?? 'GET',
        url: route.path,
        config: route.cache === undefined ? {} : { cache: route.cache },
        handler: async (request, reply) => {
          const out = normalizeReply(
            await route.origin({ method: request.method, url: request.url, headers: request.headers }),
          );
          reply.code(out.status).headers(out.headers);
          const { payload } = out;
          if (payload.kind === 'none') return reply.send();
          if (payload.kind === 'json') return reply.send(payload.value);
          return reply.send(payload.kind === 'stream' ? payload.stream : payload.bytes);
        },
      });
    }
    await app.ready();
    return {
      async request({ method = 'GET', url, headers = {} }): Promise<ContractResponse> {
        const res = await app.inject({ method, url, headers } as InjectOptions);
        const out: ContractResponse['headers'] = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String) : String(value);
        }
        return { status: res.statusCode, headers: out, body: res.rawPayload, text: res.payload };
      },
      invalidate: (opts) => app.larder.invalidate(opts),
      stats: () => app.larder.stats(),
      close: () => app.close(),
    };
  },
};
