/**
 * Type tests of `@cacheResponse` for Express handlers. Checked by `vitest --typecheck` (standard
 * decorators) and by the compile step of cache-response.test.ts in both decorator modes.
 */
import type { NextFunction, Request, Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { cacheResponse } from '../src/index.js';

describe('@cacheResponse typings (Express)', () => {
  it('accepts handler methods, typed or not, with or without next', () => {
    class Items {
      @cacheResponse('30s')
      show(req: Request<{ id: string }>, res: Response) {
        res.json({ id: req.params.id });
      }

      @cacheResponse({ ttl: '1m', tags: (req) => [req.path], key: (req) => req.originalUrl })
      async list(_req: Request, res: Response, next: NextFunction) {
        try {
          res.json([]);
        } catch (error) {
          next(error);
        }
      }

      @cacheResponse()
      plain(req: Request) {
        return req.query;
      }
    }
    expectTypeOf(new Items().show).returns.toEqualTypeOf<void>();
  });

  it('rejects what is not a handler method', () => {
    class NotHandlers {
      // @ts-expect-error a field is not a method
      @cacheResponse('30s')
      handler = (_req: Request, _res: Response) => 1;

      // @ts-expect-error the first parameter must take an Express request
      @cacheResponse('30s')
      byId(id: number) {
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
    cacheResponse({ key: (req: Request) => req.params });
    // @ts-expect-error unknown option
    cacheResponse({ ttl: '1m', nope: true });
  });
});
