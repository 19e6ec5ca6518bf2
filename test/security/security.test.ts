/**
 * Issue 11, "Secure by default": one case per finding, each through Fastify 5, Express 5 and
 * Express 4 on real servers, requests written as raw request lines on real sockets. The question
 * every case asks: can one client's request change what another receives, or see another's page?
 */
import { ConfigError, type ResponseStore, type StoredEntry } from '@larder/core';
import { cacheResponse as expressCacheResponse } from '@larder/express';
import { cacheResponse as fastifyCacheResponse } from '@larder/fastify';
import type { Application, NextFunction, Request, Response } from 'express';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  counting,
  decorate,
  eventually,
  frameworks,
  header,
  raw,
  request,
  type SecApp,
  type SecAppOptions,
  type SecRoute,
} from './harness.js';

const TTL = { ttl: '60s' } as const;

for (const fw of frameworks) {
  describe(`issue 11 [${fw.name}]`, () => {
    const open: SecApp[] = [];
    afterEach(async () => {
      for (const app of open.splice(0)) await app.close();
    });
    const start = async (routes: readonly SecRoute[], options?: SecAppOptions): Promise<SecApp> => {
      const app = await fw.start(routes, options);
      open.push(app);
      return app;
    };
    const isExpress = fw.name.startsWith('express');

    describe('poisoning', () => {
      it('a target with # is neither stored nor served: nothing after it reaches a cached page', async () => {
        const page = counting((req) => ({ body: `query=${JSON.stringify(req.query)}` }));
        const app = await start([{ path: '/page', cache: TTL, handler: page }]);
        const attack = await raw(
          app.port,
          'GET /page?t=x#<script> HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n',
        );
        if (attack.status < 400) expect(header(attack, 'cache-status')).toContain('fwd=bypass');
        await raw(app.port, 'GET /page#t=evil HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n');
        const victim = await request(app.port, '/page?t=x');
        expect(victim.body).not.toContain('script');
        expect(header(victim, 'cache-status')).toContain('fwd=miss');
        const plain = await request(app.port, '/page');
        expect(plain.body).not.toContain('evil');
        expect(header(plain, 'cache-status')).toContain('fwd=miss');
      });

      it('an absolute-form target is keyed by Host, which the handler sees, not by its authority', async () => {
        const links = counting((req) => ({ body: `<a href="https://${req.host}/next">` }));
        const app = await start([{ path: '/links', cache: TTL, handler: links }]);
        await raw(
          app.port,
          'GET http://victim.example/links HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n',
        );
        const victim = await request(app.port, '/links', {}, { host: 'victim.example' });
        expect(victim.body).toBe('<a href="https://victim.example/next">');
      });

      it('a percent-encoded path is keyed as sent: the router 404 of /p%61ge never answers /page', async () => {
        const app = await start([{ path: '/page', handler: () => ({ body: 'the page' }) }], {
          ...TTL,
          global: true,
        });
        await request(app.port, '/p%61ge');
        const page = await request(app.port, '/page');
        expect(page.status).toBe(200);
        expect(page.body).toBe('the page');
      });

      it('a GET or HEAD with a body (Content-Length or Transfer-Encoding) is neither served nor stored', async () => {
        const search = counting((req) => ({ body: `q=${String(req.body?.q ?? 'none')}` }));
        const app = await start([{ path: '/search', cache: TTL, handler: search }]);
        const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
        const withBody = await request(app.port, '/search', form, { body: 'q=evil' });
        expect(header(withBody, 'cache-status')).toContain('detail=request-body');
        const chunked = await raw(
          app.port,
          'GET /search HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nq=evil\r\n0\r\n\r\n',
        );
        if (chunked.status < 400) expect(header(chunked, 'cache-status')).toContain('detail=request-body');
        const plain = await request(app.port, '/search');
        expect(plain.body).toBe('q=none');
        expect(header(plain, 'cache-status')).toContain('fwd=miss');
        // and a stored page is not served to a request with a body either
        const again = await request(app.port, '/search', form, { body: 'q=evil' });
        expect(header(again, 'cache-status')).not.toContain('hit');
      });

      it('method-override headers bypass the cache', async () => {
        const thing = counting((req) => ({
          body:
            (req.headers['x-http-method-override'] ??
            req.headers['x-http-method'] ??
            req.headers['x-method-override'])
              ? 'overridden'
              : 'normal',
        }));
        const app = await start([{ path: '/thing', cache: TTL, handler: thing }]);
        for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
          const res = await request(app.port, '/thing', { [name]: 'DELETE' });
          expect(header(res, 'cache-status')).toContain('detail=method-override');
        }
        const plain = await request(app.port, '/thing');
        expect(plain.body).toBe('normal');
        expect(header(plain, 'cache-status')).toContain('fwd=miss');
      });

      it('404, 410 and 5xx get negativeTtl, not the route ttl, and a 5xx never makes the URL pass', async () => {
        const maybe = counting((req) =>
          req.headers['x-break'] !== undefined ? { status: 404, body: 'not found' } : { body: 'ok' },
        );
        let failures = 1;
        const flaky = counting(() => (failures-- > 0 ? { status: 503, body: 'down' } : { body: 'up' }));
        const app = await start([
          { path: '/maybe', cache: TTL, handler: maybe },
          {
            path: '/gone',
            cache: { ...TTL, negativeTtl: '5s' },
            handler: () => ({ status: 410, body: 'gone' }),
          },
          { path: '/flaky', cache: TTL, handler: flaky },
        ]);
        const broken = await request(app.port, '/maybe', { 'X-Break': '1' });
        expect(broken.status).toBe(404);
        expect(header(broken, 'cache-status')).toContain('detail=no-ttl');
        expect((await request(app.port, '/maybe')).body).toBe('ok');
        await request(app.port, '/gone');
        expect(header(await request(app.port, '/gone'), 'cache-status')).toMatch(/hit; ttl=[45]\b/);
        expect((await request(app.port, '/flaky')).status).toBe(503);
        const recovered = await request(app.port, '/flaky');
        expect(recovered.body).toBe('up');
        expect(header(recovered, 'cache-status')).toContain('stored');
        expect(header(await request(app.port, '/flaky'), 'cache-status')).toContain('hit');
      });

      it('@cacheResponse keys hold the host and the scheme', async () => {
        const calls: string[] = [];
        if (isExpress) {
          class Pages {
            show(req: Request, res: Response, _next: NextFunction): void {
              calls.push(`${req.protocol}://${req.get('host')}`);
              res.send(`${req.protocol}://${req.get('host')}`);
            }
          }
          decorate(Pages.prototype, 'show', expressCacheResponse('1m'));
          const pages = new Pages();
          const app = await start([], {
            trustProxy: true,
            global: true,
            setup: (native) =>
              (native as Application).get('/deco', (req, res, next) => pages.show(req, res, next)),
          });
          await checkDeco(app, calls);
          return;
        }
        class Pages {
          async show(request: FastifyRequest, _reply: FastifyReply): Promise<string> {
            calls.push(`${request.protocol}://${request.host}`);
            return `${request.protocol}://${request.host}`;
          }
        }
        decorate(Pages.prototype, 'show', fastifyCacheResponse('1m'));
        const pages = new Pages();
        const app = await start([], {
          trustProxy: true,
          setup: (native) =>
            (native as FastifyInstance).get('/deco', (request, reply) => pages.show(request, reply)),
        });
        await checkDeco(app, calls);
      });
    });

    describe('privacy', () => {
      const greeting = () =>
        counting((req) => {
          const session = /(?:^|;\s*)session=([^;]*)/.exec(String(req.headers.cookie ?? ''))?.[1];
          const user =
            session ?? (req.headers.authorization ? String(req.headers.authorization).slice(7) : undefined);
          return { body: `hello ${user ?? 'anon'}` };
        });

      it('a request with a session cookie or Authorization is neither served another page nor stored', async () => {
        const account = greeting();
        const app = await start([{ path: '/account/profile.css', cache: TTL, handler: account }]);
        const alice = await request(app.port, '/account/profile.css', { Cookie: 'session=alice' });
        expect(alice.body).toBe('hello alice');
        expect(header(alice, 'cache-status')).toContain('detail=cookie');
        expect((await request(app.port, '/account/profile.css')).body).toBe('hello anon');
        expect((await request(app.port, '/account/profile.css')).body).toBe('hello anon');
        expect((await request(app.port, '/account/profile.css', { Cookie: 'session=bob' })).body).toBe(
          'hello bob',
        );
        const bearer = await request(app.port, '/account/profile.css', { Authorization: 'Bearer carol' });
        expect(bearer.body).toBe('hello carol');
        expect((await request(app.port, '/account/profile.css')).body).toBe('hello anon');
        expect(account.calls).toBe(4);
      });

      it('an explicitly shareable response (public, s-maxage) is stored and served whoever asks', async () => {
        const news = counting(() => ({ headers: { 'cache-control': 'public, max-age=60' }, body: 'news' }));
        const app = await start([{ path: '/news', cache: {}, handler: news }]);
        expect(
          header(await request(app.port, '/news', { Cookie: 'session=alice' }), 'cache-status'),
        ).toContain('stored');
        expect(header(await request(app.port, '/news', { Cookie: 'session=bob' }), 'cache-status')).toContain(
          'hit',
        );
        expect(news.calls).toBe(1);
      });

      it('ignoreCookies, keyCookies and cacheCookies loosen the default, each as named', async () => {
        const lang = counting((req) => ({
          body: /lang=(\w+)/.exec(String(req.headers.cookie ?? ''))?.[1] ?? 'en',
        }));
        const shared = greeting();
        const app = await start([
          { path: '/home', cache: { ...TTL, ignoreCookies: ['_ga'], keyCookies: ['lang'] }, handler: lang },
          { path: '/static', cache: { ...TTL, cacheCookies: true }, handler: shared },
        ]);
        await request(app.port, '/home', { Cookie: '_ga=1; lang=fr' });
        expect(header(await request(app.port, '/home', { Cookie: 'lang=fr' }), 'cache-status')).toContain(
          'hit',
        );
        const en = await request(app.port, '/home', { Cookie: 'lang=de; _ga=2' });
        expect(en.body).toBe('de');
        expect(
          header(await request(app.port, '/home', { Cookie: 'lang=fr; session=x' }), 'cache-status'),
        ).toContain('detail=cookie');
        await request(app.port, '/static');
        const opted = await request(app.port, '/static', { Cookie: 'session=alice' });
        expect(header(opted, 'cache-status')).toContain('hit');
      });

      it('a stale-while-revalidate refresh runs without the credentials of whoever triggered it', async () => {
        let now = 1_700_000_000_000;
        const feed = counting((req) => ({
          headers: { 'cache-control': 'public' },
          body: `feed for ${String(req.headers.authorization ?? req.headers.cookie ?? 'anyone')}`,
        }));
        const app = await start(
          [{ path: '/feed', cache: { ttl: '10s', staleWhileRevalidate: '60s' }, handler: feed }],
          {
            now: () => now,
          },
        );
        await request(app.port, '/feed');
        now += 11_000;
        const stale = await request(app.port, '/feed', {
          Authorization: 'Bearer alice',
          Cookie: 'session=alice',
        });
        expect(stale.body).toBe('feed for anyone');
        await eventually(() => feed.calls === 2);
        const refresh = feed.seen[1]!;
        expect(refresh.headers.authorization).toBeUndefined();
        expect(refresh.headers.cookie).toBeUndefined();
        await eventually(() => app.engine.stats().stores === 2);
        expect((await request(app.port, '/feed')).body).toBe('feed for anyone');
      });

      // Express only (Fastify has no writeHead-wrapping session middleware): declared only there
      (isExpress ? it : ((() => undefined) as unknown as typeof it))(
        'a Set-Cookie added as the headers are written (express-session) prevents storing',
        async () => {
          let sessions = 0;
          // what on-headers does for express-session: add the cookie in a writeHead wrapper
          const session = (_req: Request, res: Response, next: NextFunction) => {
            const writeHead = res.writeHead;
            res.writeHead = function (this: Response, ...args: unknown[]) {
              this.setHeader('set-cookie', `sid=${++sessions}`);
              return (writeHead as (...a: unknown[]) => Response).apply(this, args);
            } as typeof res.writeHead;
            next();
          };
          for (const options of [{ expressBefore: session }, { expressAfter: session }]) {
            const profile = counting(() => ({ body: 'your profile' }));
            const app = await start([{ path: '/profile', cache: TTL, handler: profile }], options);
            const first = await request(app.port, '/profile');
            expect(header(first, 'set-cookie')).toMatch(/^sid=/);
            const second = await request(app.port, '/profile');
            expect(header(second, 'cache-status')).not.toContain('hit');
            expect(profile.calls).toBe(2);
            expect(app.engine.stats().stores).toBe(0);
          }
        },
      );

      it('the refresh marker is stripped before the handler, never stored nor echoed', async () => {
        let now = 1_700_000_000_000;
        const echo = counting((req) => ({
          headers: { 'x-larder-revalidate': 'echo' },
          body: JSON.stringify(req.headers),
        }));
        const app = await start(
          [{ path: '/echo', cache: { ttl: '10s', staleWhileRevalidate: '60s' }, handler: echo }],
          {
            now: () => now,
          },
        );
        const guessed = await request(app.port, '/echo', { 'X-Larder-Revalidate': 'guess' });
        expect(guessed.body).not.toContain('larder');
        expect(header(guessed, 'x-larder-revalidate')).toBeUndefined();
        now += 11_000;
        await request(app.port, '/echo');
        await eventually(() => echo.calls === 2 && app.engine.stats().stores === 2);
        expect(echo.seen[1]!.headers['x-larder-revalidate']).toBeUndefined();
        const hit = await request(app.port, '/echo');
        expect(header(hit, 'cache-status')).toContain('hit');
        expect(hit.body).not.toContain('larder');
        expect(header(hit, 'x-larder-revalidate')).toBeUndefined();
      });

      it('an unsafe request invalidates its own origin only', async () => {
        const item = counting((req) => ({ body: `item on ${req.host}` }));
        const app = await start([
          { path: '/item', cache: TTL, handler: item },
          { method: 'POST', path: '/item', cache: {}, handler: () => ({ body: 'saved' }) },
        ]);
        await request(app.port, '/item', {}, { host: 'a.example' });
        await request(app.port, '/item', {}, { host: 'b.example' });
        await request(app.port, '/item', {}, { method: 'POST', host: 'a.example', body: '' });
        await eventually(() => app.engine.stats().invalidations === 1);
        expect(header(await request(app.port, '/item', {}, { host: 'a.example' }), 'cache-status')).toContain(
          'fwd=miss',
        );
        expect(header(await request(app.port, '/item', {}, { host: 'b.example' }), 'cache-status')).toContain(
          'hit',
        );
      });
    });

    describe('integrity and bounds', () => {
      it('a body shorter than its Content-Length is never stored', async () => {
        // in one piece and streamed (Fastify sets its own Content-Length on a string, not on a stream)
        for (const stream of [false, true]) {
          const short = counting(() => ({
            headers: { 'content-length': '100' },
            body: '0123456789',
            stream,
          }));
          const app = await start([{ path: '/short', cache: TTL, handler: short }]);
          const first = await request(app.port, '/short');
          if (stream) expect(first.truncated).toBe(true);
          if (first.truncated) {
            const second = await request(app.port, '/short');
            expect(header(second, 'cache-status') ?? '').not.toContain('hit');
            expect(short.calls).toBe(2);
            expect(app.engine.stats().stores).toBe(0);
          }
        }
      });

      it('Surrogate-Key and Cache-Tag are the cache’s own: used as tags, not sent on (unless exposeTagHeaders)', async () => {
        const tagged = () => ({ headers: { 'surrogate-key': 'a b', 'cache-tag': 'c' }, body: 'tagged' });
        const app = await start([{ path: '/tagged', cache: TTL, handler: tagged }]);
        for (let i = 0; i < 2; i++) {
          const res = await request(app.port, '/tagged');
          expect(res.headers['surrogate-key']).toBeUndefined();
          expect(res.headers['cache-tag']).toBeUndefined();
        }
        expect(await app.engine.invalidate({ tags: ['b'] })).toBe(1);
        const exposed = await start([{ path: '/tagged', cache: TTL, handler: tagged }], {
          exposeTagHeaders: true,
        });
        await request(exposed.port, '/tagged');
        const hit = await request(exposed.port, '/tagged');
        expect(header(hit, 'surrogate-key')).toBe('a b');
        expect(header(hit, 'cache-tag')).toBe('c');
      });

      it('Cache-Status parameters stay valid structured fields, even from a far-future entry', async () => {
        const entries = new Map<string, StoredEntry>();
        const store: ResponseStore = {
          get: async (key) => entries.get(key),
          set: async (key, entry) => void entries.set(key, entry),
          delete: async (key) => void entries.delete(key),
          deleteByTags: async () => 0,
          clear: async () => entries.clear(),
        };
        const app = await start([{ path: '/far', cache: TTL, handler: () => ({ body: 'x' }) }], { store });
        const now = Date.now();
        entries.set('GET site.example/far', {
          status: 200,
          headers: { 'content-length': '3' },
          body: Buffer.from('far'),
          storedAt: now,
          initialAge: 0,
          staleAt: 1e300,
          staleWhileRevalidateUntil: 1e300,
          staleIfErrorUntil: 1e300,
          expiresAt: 1e300,
          tags: [],
        });
        const res = await request(app.port, '/far');
        expect(res.body).toBe('far');
        expect(header(res, 'cache-status')).toContain('ttl=999999999999999');
      });

      it('lockTimeout of 2^31 ms or more is refused when the cache is set up', async () => {
        await expect(fw.start([], { lockTimeout: 2 ** 31 })).rejects.toThrow(ConfigError);
        await expect(fw.start([], { lockTimeout: 2 ** 31 })).rejects.toThrow(/lockTimeout/);
      });

      it('maxEntries of 1e8 or 2^31-1 costs memory for the entries held, not for the bound', async () => {
        for (const maxEntries of [1e8, 2 ** 31 - 1]) {
          const before = process.memoryUsage().heapUsed;
          const app = await start([{ path: '/x', cache: TTL, handler: () => ({ body: 'x' }) }], {
            maxEntries,
          });
          expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
          await request(app.port, '/x');
          expect(header(await request(app.port, '/x'), 'cache-status')).toContain('hit');
        }
      });

      it('maxBytes counts keys and headers: long URLs cannot overshoot it', async () => {
        const maxBytes = 256 * 1024;
        const app = await start([{ path: '/long', cache: TTL, handler: () => ({ body: 'x' }) }], {
          maxBytes,
        });
        const store = app.engine.store as unknown as { bytes: number; size: number };
        const filler = 'q'.repeat(8000);
        for (let i = 0; i < 40; i++) await request(app.port, `/long?${filler}=${i}`);
        expect(store.bytes).toBeLessThanOrEqual(maxBytes);
        // each entry is charged for its key and for its three tags, each of which holds the URL again
        // (before issue 11 the key was counted once and the tags barely: 3x the bound was held)
        expect(store.size * 4 * 8000).toBeLessThanOrEqual(maxBytes);
        expect(store.size).toBeGreaterThan(0);
      });
    });
  });
}

async function checkDeco(app: SecApp, calls: string[]): Promise<void> {
  await request(app.port, '/deco', {}, { host: 'a.example' });
  const b = await request(app.port, '/deco', {}, { host: 'b.example' });
  expect(b.body).toBe('http://b.example');
  const https = await request(app.port, '/deco', { 'X-Forwarded-Proto': 'https' }, { host: 'a.example' });
  expect(https.body).toBe('https://a.example');
  const again = await request(app.port, '/deco', {}, { host: 'a.example' });
  expect(again.body).toBe('http://a.example');
  expect(header(again, 'cache-status')).toContain('hit');
  expect(calls).toHaveLength(3);
}
