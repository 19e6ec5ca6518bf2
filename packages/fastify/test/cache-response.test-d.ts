/**
 * Type tests of `@cacheResponse` for Fastify handlers. Checked by `vitest --typecheck` (standard
 * decorators) and by the compile step of cache-response.test.ts in both decorator modes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { cacheResponse } from '../src/index.js';

describe('@cacheResponse typings (Fastify)', () => {
  it('accepts handler methods, typed or not', () => {
    class Items {
      @cacheResponse('30s')
      async show(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
        reply.header('x', '1');
        return { id: request.params.id };
      }

      @cacheResponse({ ttl: '1m', tags: (request) => [request.url], key: (request) => request.url })
      list(_request: FastifyRequest, reply: FastifyReply): void {
        reply.send([]);
      }

      @cacheResponse()
      async plain(request: FastifyRequest) {
        return request.query;
      }
    }
    expectTypeOf(new Items().list).parameters.toEqualTypeOf<[FastifyRequest, FastifyReply]>();
  });

  it('rejects what is not a handler method', () => {
    class NotHandlers {
      // @ts-expect-error a field is not a method
      @cacheResponse('30s')
      handler = async (_request: FastifyRequest) => 1;

      // @ts-expect-error the first parameter must take a Fastify request
      @cacheResponse('30s')
      async byId(id: number) {
        return id;
      }

      // @ts-expect-error an accessor is not a method
      @cacheResponse('30s')
      get value() {
        return 1;
      }
    }
    expectTypeOf(new NotHandlers().value).toEqualTypeOf<number>();
  });

  it('rejects invalid options', () => {
    // @ts-expect-error '5 fortnights' is not a duration
    cacheResponse('5 fortnights');
    // @ts-expect-error key takes the request and returns a string
    cacheResponse({ key: (request: FastifyRequest) => request.params });
    // @ts-expect-error unknown option
    cacheResponse({ ttl: '1m', nope: true });
  });
});
