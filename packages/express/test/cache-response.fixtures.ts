/**
 * Controllers for the `@cacheResponse` tests, compiled by `tsc` once per decorator mode (see
 * cache-response.compile.ts). Imports only types; the decorator comes from the test.
 */
import type { NextFunction, Request, Response } from 'express';
import type * as Adapter from '../src/index.js';

export function defineControllers({ cacheResponse }: Pick<typeof Adapter, 'cacheResponse'>) {
  class Items {
    calls = 0;
    /** What the `gated` handler waits for. */
    gate: Promise<void> = Promise.resolve();

    @cacheResponse('30s')
    show(req: Request<{ id: string }>, res: Response) {
      this.calls++;
      res.set('x-call', String(this.calls)).json({ id: req.params.id, query: req.query, call: this.calls });
    }

    @cacheResponse({ ttl: '1m', tags: (req) => [`item:${req.params.id}`] })
    tagged(req: Request<{ id: string }>, res: Response) {
      this.calls++;
      res.json({ id: req.params.id, call: this.calls });
    }

    @cacheResponse({ ttl: '10s', staleWhileRevalidate: '1m' })
    rate(req: Request<{ id: string }>, res: Response) {
      this.calls++;
      res.type('text/plain').send(`${req.params.id}:${this.calls}`);
    }

    @cacheResponse('1m')
    async gated(_req: Request, res: Response) {
      this.calls++;
      const n = this.calls;
      await this.gate;
      res.json({ call: n });
    }

    @cacheResponse('1m')
    negotiated(req: Request, res: Response) {
      this.calls++;
      res
        .vary('accept-language')
        .type('text/plain')
        .send(`${req.get('accept-language') ?? '-'} ${this.calls}`);
    }

    /** Streams its body in chunks. */
    @cacheResponse('1m')
    streamed(_req: Request, res: Response) {
      this.calls++;
      res.type('text/plain');
      res.write('a'.repeat(10));
      res.write('b'.repeat(10));
      res.end(`${this.calls}`);
    }

    @cacheResponse('1m')
    async fail(_req: Request, _res: Response) {
      this.calls++;
      throw new Error(`async boom ${this.calls}`);
    }

    @cacheResponse('1m')
    failNow(_req: Request, _res: Response, _next: NextFunction) {
      this.calls++;
      throw new Error(`boom ${this.calls}`);
    }

    @cacheResponse({ ttl: '1m', staleIfError: '1m' })
    flaky(_req: Request, res: Response, next: NextFunction) {
      this.calls++;
      if (this.calls > 1) return next(new Error('database down'));
      res.json({ call: this.calls });
    }

    @cacheResponse({ ttl: '1m', key: (req) => `lang:${req.get('accept-language') ?? 'en'}` })
    custom(_req: Request, res: Response) {
      this.calls++;
      res.json({ call: this.calls });
    }

    @cacheResponse('1m')
    create(_req: Request, res: Response) {
      this.calls++;
      res.status(201).json({ call: this.calls });
    }

    @cacheResponse()
    headers(_req: Request, res: Response) {
      this.calls++;
      res.set('cache-control', 'max-age=60').json({ call: this.calls });
    }
  }

  return { Items };
}
