/**
 * Controllers for the `@cacheResponse` tests, compiled by `tsc` once per decorator mode (see
 * cache-response.compile.ts). Imports only types; the decorator comes from the test.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type * as Adapter from '../src/index.js';

type ItemRequest = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string> }>;

export function defineControllers({ cacheResponse }: Pick<typeof Adapter, 'cacheResponse'>) {
  class Items {
    calls = 0;
    /** Resolves the `gated` handler's pending calls. */
    gate: Promise<void> = Promise.resolve();

    @cacheResponse('30s')
    async show(request: ItemRequest, reply: FastifyReply) {
      this.calls++;
      reply.header('x-call', String(this.calls));
      return { id: request.params.id, query: request.query, call: this.calls };
    }

    @cacheResponse({ ttl: '1m', tags: (request) => [`item:${(request.params as { id: string }).id}`] })
    async tagged(request: ItemRequest) {
      this.calls++;
      return { id: request.params.id, call: this.calls };
    }

    @cacheResponse({ ttl: '10s', staleWhileRevalidate: '1m' })
    async rate(request: ItemRequest) {
      this.calls++;
      return `${request.params.id}:${this.calls}`;
    }

    /** Callback style: returns nothing and sends later through `reply`. */
    @cacheResponse('1m')
    later(_request: FastifyRequest, reply: FastifyReply): void {
      this.calls++;
      const n = this.calls;
      setImmediate(() => reply.type('text/plain').send(`later ${n}`));
    }

    @cacheResponse('1m')
    async negotiated(request: FastifyRequest, reply: FastifyReply) {
      this.calls++;
      reply.header('vary', 'accept-language').type('text/plain');
      return `${request.headers['accept-language'] ?? '-'} ${this.calls}`;
    }

    @cacheResponse('1m')
    async gated(_request: FastifyRequest) {
      this.calls++;
      await this.gate;
      return { call: this.calls };
    }

    @cacheResponse({ ttl: '1m', staleIfError: '1m' })
    async flaky(_request: FastifyRequest) {
      this.calls++;
      if (this.calls > 1) throw new Error('database down');
      return { call: this.calls };
    }

    @cacheResponse('1m')
    async fail(_request: FastifyRequest) {
      this.calls++;
      throw new Error(`boom ${this.calls}`);
    }

    @cacheResponse({ ttl: '1m', key: (request) => `lang:${request.headers['accept-language'] ?? 'en'}` })
    async custom(_request: FastifyRequest) {
      this.calls++;
      return { call: this.calls };
    }

    @cacheResponse('1m')
    async create(_request: FastifyRequest, reply: FastifyReply) {
      this.calls++;
      return reply.code(201).send({ call: this.calls });
    }

    @cacheResponse()
    async headers(_request: FastifyRequest, reply: FastifyReply) {
      this.calls++;
      reply.header('cache-control', 'max-age=60');
      return { call: this.calls };
    }
  }

  return { Items };
}
