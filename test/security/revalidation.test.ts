/**
 * Issue 12's revalidation and request directives, attacked as issue 11 attacked the rest: each case
 * through Fastify 5, Express 5 and Express 4 on real servers, raw request lines on real sockets. The
 * question every case asks: can one client's conditional request, directives or credentials change
 * what another receives, and does a 304 from the handler ever store or replay something personal?
 */
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
  request,
  type SecApp,
  type SecAppOptions,
  type SecReply,
  type SecRequest,
  type SecRoute,
} from './harness.js';

const T0 = 1_700_000_000_000;
const LM = 'Wed, 01 Jan 2020 00:00:00 GMT';
const LATER = 'Thu, 02 Jan 2020 00:00:00 GMT';

/** The current representation of a resource, as its handler sees it. */
interface Resource {
  etag?: string | undefined;
  lastModified?: string | undefined;
  body: string;
  /** Headers sent on every answer, 200 or 304. */
  headers?: Record<string, string | string[]>;
  /** Headers sent on a 304 only. */
  notModified?: Record<string, string | string[]> | undefined;
  /** Leave `ETag` out of a 304 (a careless handler). */
  bare304?: boolean;
}

/**
 * A handler that evaluates conditional requests as many do by hand: 304 when any tag of
 * `If-None-Match` is its current tag (weak comparison), else when `If-Modified-Since` is not before
 * its `Last-Modified` (only when `If-None-Match` is absent).
 */
function conditional(resource: Resource) {
  return counting((req: SecRequest): SecReply => {
    const r = resource;
    const headers: Record<string, string | string[]> = {
      'cache-control': 'max-age=10',
      ...r.headers,
    };
    if (r.etag !== undefined) headers.etag = r.etag;
    if (r.lastModified !== undefined) headers['last-modified'] = r.lastModified;
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const bare = (tag: string) => tag.trim().replace(/^W\//, '');
    let match = false;
    if (inm !== undefined) {
      match = r.etag !== undefined && inm.split(',').some((t) => bare(t) === bare(r.etag!));
    } else if (ims !== undefined && r.lastModified !== undefined) {
      match = Date.parse(r.lastModified) <= Date.parse(ims);
    }
    if (match) {
      const out = { ...headers, ...r.notModified };
      if (r.bare304 === true) delete out.etag;
      return { status: 304, headers: out };
    }
    return { headers: { ...headers, 'content-type': 'text/plain' }, body: r.body };
  });
}

/** Whether a response came from the stored entry without the handler (a hit). */
const isHit = (res: { headers: Record<string, string | string[]> }): boolean =>
  /;\s*hit(?:;|,|$)/.test(header(res as never, 'cache-status') ?? '');

for (const fw of frameworks) {
  describe(`issue 12: revalidation and request directives [${fw.name}]`, () => {
    const open: SecApp[] = [];
    afterEach(async () => {
      for (const app of open.splice(0)) await app.close();
    });
    let now = T0;
    const start = async (routes: readonly SecRoute[], options: SecAppOptions = {}): Promise<SecApp> => {
      now = T0;
      const app = await fw.start(routes, { now: () => now, ...options });
      open.push(app);
      return app;
    };
    const isExpress = fw.name.startsWith('express');

    describe("a client's own conditional fields", () => {
      it('a 304 to the client’s If-None-Match on a miss is its answer alone: never stored, others get the page', async () => {
        const resource: Resource = { etag: '"v1"', body: 'page one' };
        const page = conditional(resource);
        const app = await start([{ path: '/p', cache: {}, handler: page }]);
        const attacker = await request(app.port, '/p', { 'If-None-Match': '"v1"' });
        expect(attacker.status).toBe(304);
        expect(attacker.body).toBe('');
        const victim = await request(app.port, '/p');
        expect(victim.status).toBe(200);
        expect(victim.body).toBe('page one');
        const next = await request(app.port, '/p');
        expect(next.body).toBe('page one');
        expect(isHit(next)).toBe(true);
        // the client's tag matches what is stored now: the cache answers its 304 itself
        const again = await request(app.port, '/p', { 'If-None-Match': '"v1"' });
        expect(again.status).toBe(304);
        expect(page.calls).toBe(2);
      });

      it('a 304 to the client’s If-Modified-Since on a miss is never stored', async () => {
        const resource: Resource = { lastModified: LM, body: 'dated page' };
        const page = conditional(resource);
        const app = await start([{ path: '/d', cache: {}, handler: page }]);
        const attacker = await request(app.port, '/d', { 'If-Modified-Since': LATER });
        expect(attacker.status).toBe(304);
        const victim = await request(app.port, '/d');
        expect(victim.status).toBe(200);
        expect(victim.body).toBe('dated page');
        expect(victim.truncated).toBe(false);
      });

      it('a 304 for the client’s tag during a revalidation never freshens the stale entry it does not describe', async () => {
        const resource: Resource = { etag: '"v1"', body: 'version one' };
        const page = conditional(resource);
        const app = await start([{ path: '/r', cache: {}, handler: page }]);
        expect((await request(app.port, '/r')).body).toBe('version one');
        now += 15_000;
        // the resource changed; the attacker knows the new tag and sends it: the handler gets both
        // tags and answers 304 because of the attacker's
        resource.etag = '"v2"';
        resource.body = 'version two';
        const attacker = await request(app.port, '/r', { 'If-None-Match': '"v2"' });
        expect(page.seen[1]!.headers['if-none-match']).toBe('"v2", "v1"');
        expect(attacker.status).toBe(304);
        expect(header(attacker, 'etag')).toBe('"v2"');
        const victim = await request(app.port, '/r');
        expect(victim.status).toBe(200);
        expect(victim.body).toBe('version two');
        expect(header(victim, 'etag')).toBe('"v2"');
      });

      it('a 304 without ETag to a request holding the client’s tags is not taken as the stored entry’s', async () => {
        const resource: Resource = { etag: '"v1"', body: 'version one', bare304: true };
        const page = conditional(resource);
        const app = await start([{ path: '/b', cache: {}, handler: page }]);
        await request(app.port, '/b');
        now += 15_000;
        resource.etag = '"v2"';
        resource.body = 'version two';
        const attacker = await request(app.port, '/b', { 'If-None-Match': '"v2"' });
        expect(attacker.status).toBe(304);
        const victim = await request(app.port, '/b');
        expect(victim.body).toBe('version two');
      });

      it('the client’s If-None-Match naming the stored tag gets its 304, others the stored body', async () => {
        const resource: Resource = { etag: '"v1"', body: 'version one' };
        const page = conditional(resource);
        const app = await start([{ path: '/s', cache: {}, handler: page }]);
        await request(app.port, '/s');
        now += 15_000;
        const client = await request(app.port, '/s', { 'If-None-Match': '"v1"' });
        expect(client.status).toBe(304);
        expect(page.seen[1]!.headers['if-none-match']).toBe('"v1"');
        const other = await request(app.port, '/s');
        expect(other.status).toBe(200);
        expect(other.body).toBe('version one');
        expect(isHit(other)).toBe(true);
        expect(page.calls).toBe(2);
      });

      it('the framework’s own 304 (Express res.send, Fastify @fastify/etag) to a client’s tag is never stored', async () => {
        const { default: fastifyEtag } = await import('@fastify/etag');
        let calls = 0;
        const setup = (native: FastifyInstance | Application) => {
          if (isExpress) {
            (native as Application).get('/own', (_req: Request, res: Response) => {
              calls++;
              res.set('cache-control', 'max-age=10').send('sent by the framework');
            });
            return;
          }
          (native as FastifyInstance).register(async (scope) => {
            await scope.register(fastifyEtag);
            scope.get('/own', async (_req, reply) => {
              calls++;
              reply.header('cache-control', 'max-age=10');
              return 'sent by the framework';
            });
          });
        };
        // learn the framework's tag from one server, attack a fresh one with it
        const scout = await start([], { global: true, setup });
        const tag = header(await request(scout.port, '/own'), 'etag')!;
        expect(tag).toBeDefined();
        const app = await start([], { global: true, setup });
        const onMiss = await request(app.port, '/own', { 'If-None-Match': tag });
        expect(onMiss.status).toBe(304);
        const victim = await request(app.port, '/own');
        expect(victim.status).toBe(200);
        expect(victim.body).toBe('sent by the framework');
        // and on a revalidation: the client's 304, the stored body for the next
        now += 15_000;
        expect((await request(app.port, '/own', { 'If-None-Match': tag })).status).toBe(304);
        const after = await request(app.port, '/own');
        expect(after.status).toBe(200);
        expect(after.body).toBe('sent by the framework');
        expect(after.truncated).toBe(false);
        // scout, the client's 304, the victim's fill, the revalidation; the last one a hit
        expect(isHit(after)).toBe(true);
        expect(calls).toBe(4);
      });
    });

    describe('@cacheResponse', () => {
      it('a 304 to the client’s own tag from a decorated handler is never stored, on a miss or a revalidation', async () => {
        const { default: fastifyEtag } = await import('@fastify/etag');
        let calls = 0;
        const setup = (native: FastifyInstance | Application) => {
          if (isExpress) {
            class Pages {
              show(_req: Request, res: Response, _next: NextFunction): void {
                calls++;
                res.set('cache-control', 'max-age=10').send('decorated page');
              }
            }
            decorate(Pages.prototype, 'show', expressCacheResponse('10s'));
            const pages = new Pages();
            (native as Application).get('/deco', (req, res, next) => pages.show(req, res, next));
            return;
          }
          class Pages {
            async show(_request: FastifyRequest, reply: FastifyReply): Promise<string> {
              calls++;
              reply.header('cache-control', 'max-age=10');
              return 'decorated page';
            }
          }
          decorate(Pages.prototype, 'show', fastifyCacheResponse('10s'));
          const pages = new Pages();
          (native as FastifyInstance).register(async (scope) => {
            await scope.register(fastifyEtag);
            scope.get('/deco', (request, reply) => pages.show(request, reply));
          });
        };
        // Express's decorator needs the middleware mounted above the route
        const scout = await start([], { setup, global: isExpress });
        const tag = header(await request(scout.port, '/deco'), 'etag')!;
        expect(tag).toBeDefined();
        const app = await start([], { setup, global: isExpress });
        expect((await request(app.port, '/deco', { 'If-None-Match': tag })).status).toBe(304);
        const victim = await request(app.port, '/deco');
        expect(victim.status).toBe(200);
        expect(victim.body).toBe('decorated page');
        now += 15_000;
        expect((await request(app.port, '/deco', { 'If-None-Match': tag })).status).toBe(304);
        const after = await request(app.port, '/deco');
        expect(after.status).toBe(200);
        expect(after.body).toBe('decorated page');
        expect(after.truncated).toBe(false);
        // scout, the client's 304, the victim's fill, the revalidation; the last one a hit
        expect(isHit(after)).toBe(true);
        expect(calls).toBe(4);
      });
    });

    describe('what a 304 from the handler may change in the stored entry', () => {
      it('a Set-Cookie on a 304 goes to that client only: never stored, never replayed', async () => {
        for (const [cache, cc] of [
          [{}, 'max-age=10'],
          [{ cacheCookies: true }, 'public, max-age=10'],
        ] as const) {
          const resource: Resource = { etag: '"v1"', body: 'shared page', headers: { 'cache-control': cc } };
          const page = conditional(resource);
          const app = await start([{ path: '/c', cache, handler: page }]);
          await request(app.port, '/c');
          now += 15_000;
          resource.notModified = { 'set-cookie': 'sid=alice; HttpOnly' };
          const alice = await request(app.port, '/c');
          expect(alice.body).toBe('shared page');
          expect(header(alice, 'set-cookie')).toBe('sid=alice; HttpOnly');
          resource.notModified = undefined;
          for (let i = 0; i < 2; i++) {
            const bob = await request(app.port, '/c');
            expect(bob.body).toBe('shared page');
            expect(header(bob, 'set-cookie')).toBeUndefined();
          }
        }
      });

      it('a 304 saying private or no-store is not stored, and the stale entry is not served as fresh', async () => {
        for (const cc of ['private, max-age=60', 'no-store']) {
          const resource: Resource = { etag: '"v1"', body: 'page' };
          const page = conditional(resource);
          const app = await start([{ path: '/x', cache: {}, handler: page }]);
          await request(app.port, '/x');
          now += 15_000;
          // the origin now says so on every answer, 304 or 200
          resource.headers = { 'cache-control': cc };
          const first = await request(app.port, '/x');
          expect(first.body).toBe('page');
          const second = await request(app.port, '/x');
          expect(isHit(second)).toBe(false);
          expect(page.calls).toBe(3);
          // nor to a client that accepts stale: the origin has said what it says now
          resource.body = 'changed';
          const lenient = await request(app.port, '/x', { 'Cache-Control': 'max-stale=3600' });
          expect(isHit(lenient)).toBe(false);
          expect(page.calls).toBe(4);
        }
      });

      it('a 304 carrying Content-Length, Content-Encoding or Content-Range does not change how the stored body is sent', async () => {
        const resource: Resource = { etag: '"v1"', body: 'the whole body' };
        const page = conditional(resource);
        const app = await start([{ path: '/e', cache: {}, handler: page }]);
        await request(app.port, '/e');
        now += 15_000;
        resource.notModified = {
          'content-length': '0',
          'content-encoding': 'gzip',
          'content-range': 'bytes 0-1/14',
          'x-updated': 'yes',
        };
        const first = await request(app.port, '/e');
        for (const res of [first, await request(app.port, '/e')]) {
          expect(res.status).toBe(200);
          expect(res.body).toBe('the whole body');
          expect(res.truncated).toBe(false);
          expect(header(res, 'content-length')).toBe('14');
          expect(header(res, 'content-encoding')).toBeUndefined();
          expect(header(res, 'content-range')).toBeUndefined();
          expect(header(res, 'x-updated')).toBe('yes');
        }
        expect(page.calls).toBe(2);
      });

      it('a 304 adding Vary stores the stored body for the revalidating client’s variant only', async () => {
        const resource: Resource = { etag: '"v1"', body: 'any language' };
        const page = conditional(resource);
        const app = await start([{ path: '/v', cache: {}, handler: page }]);
        await request(app.port, '/v', { 'Accept-Language': 'en' });
        now += 15_000;
        resource.notModified = { vary: 'Accept-Language' };
        expect((await request(app.port, '/v', { 'Accept-Language': 'en' })).body).toBe('any language');
        const en = await request(app.port, '/v', { 'Accept-Language': 'en' });
        expect(isHit(en)).toBe(true);
        resource.notModified = undefined;
        resource.headers = { vary: 'Accept-Language' };
        const fr = await request(app.port, '/v', { 'Accept-Language': 'fr' });
        expect(isHit(fr)).toBe(false);
      });

      it('a 304 whose strong ETag is not the stored one never freshens the stored entry', async () => {
        // the handler evaluates If-Modified-Since only: the representation changed within the same
        // Last-Modified, and its 304 names the new tag
        const resource: Resource = { etag: '"v1"', lastModified: LM, body: 'version one' };
        const page = counting((req: SecRequest): SecReply => {
          const headers = {
            'cache-control': 'max-age=10',
            etag: resource.etag!,
            'last-modified': resource.lastModified!,
          };
          if (req.headers['if-modified-since'] !== undefined) return { status: 304, headers };
          return { headers: { ...headers, 'content-type': 'text/plain' }, body: resource.body };
        });
        const app = await start([{ path: '/m', cache: {}, handler: page }]);
        await request(app.port, '/m');
        now += 15_000;
        resource.etag = '"v2"';
        resource.body = 'version two';
        const first = await request(app.port, '/m');
        expect(first.status).toBe(200);
        // the body stored is version one: it must never go out labelled "v2", nor be made fresh
        expect(first.body === 'version one' ? header(first, 'etag') : '"v1"').toBe('"v1"');
        const second = await request(app.port, '/m');
        expect(isHit(second)).toBe(false);
        expect(second.body === 'version one' ? header(second, 'etag') : '"v1"').toBe('"v1"');
      });

      it('a 304 with a strong tag for a stored weak one (or the reverse) is judged by RFC 9111 section 4.3.4', async () => {
        // weak in the 304 for a strong stored tag: it corresponds, the entry is freshened
        const weak304: Resource = { etag: '"w1"', body: 'strong stored', notModified: { etag: 'W/"w1"' } };
        const a = conditional(weak304);
        const app = await start([{ path: '/w', cache: {}, handler: a }]);
        await request(app.port, '/w');
        now += 15_000;
        expect((await request(app.port, '/w')).body).toBe('strong stored');
        expect(isHit(await request(app.port, '/w'))).toBe(true);
        expect(a.calls).toBe(2);
        // strong in the 304 for a weak stored tag: not the same strong validator, not used to update
        const strong304: Resource = { etag: 'W/"s1"', body: 'weak stored', notModified: { etag: '"s1"' } };
        const b = conditional(strong304);
        const app2 = await start([{ path: '/s2', cache: {}, handler: b }]);
        await request(app2.port, '/s2');
        now += 15_000;
        const first = await request(app2.port, '/s2');
        expect(first.body).toBe('weak stored');
        expect(header(first, 'etag')).toBe('W/"s1"');
        expect(isHit(await request(app2.port, '/s2'))).toBe(false);
      });

      it('a 304 to a stale variant under Vary revalidates that variant, with its own tag', async () => {
        const page = counting((req: SecRequest): SecReply => {
          const lang = String(req.headers['accept-language'] ?? 'en');
          const etag = `"${lang}1"`;
          const headers = { 'cache-control': 'max-age=10', vary: 'Accept-Language', etag };
          if (req.headers['if-none-match'] === etag) return { status: 304, headers };
          return { headers: { ...headers, 'content-type': 'text/plain' }, body: `page in ${lang}` };
        });
        const app = await start([{ path: '/lang', cache: {}, handler: page }]);
        await request(app.port, '/lang', { 'Accept-Language': 'en' });
        await request(app.port, '/lang', { 'Accept-Language': 'fr' });
        now += 15_000;
        const fr = await request(app.port, '/lang', { 'Accept-Language': 'fr' });
        expect(page.seen[2]!.headers['if-none-match']).toBe('"fr1"');
        expect(fr.body).toBe('page in fr');
        const frHit = await request(app.port, '/lang', { 'Accept-Language': 'fr' });
        expect(isHit(frHit)).toBe(true);
        expect(frHit.body).toBe('page in fr');
        const en = await request(app.port, '/lang', { 'Accept-Language': 'en' });
        expect(page.seen[3]!.headers['if-none-match']).toBe('"en1"');
        expect(en.body).toBe('page in en');
      });
    });

    describe('ranges and HEAD during a revalidation', () => {
      it('a 206 or a HEAD answer to a client’s revalidating request is never stored as the whole', async () => {
        const resource = { etag: '"r1"', body: 'the full body' };
        const page = counting((req: SecRequest): SecReply => {
          const headers = { 'cache-control': 'max-age=10', etag: resource.etag };
          if (req.headers['if-none-match'] === resource.etag) return { status: 304, headers };
          const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
          if (range !== null) {
            const [from, to] = [Number(range[1]), Number(range[2])];
            return {
              status: 206,
              headers: { ...headers, 'content-range': `bytes ${from}-${to}/${resource.body.length}` },
              body: resource.body.slice(from, to + 1),
            };
          }
          return { headers, body: resource.body };
        });
        const app = await start([{ path: '/range', cache: {}, handler: page }]);
        await request(app.port, '/range');
        now += 15_000;
        resource.etag = '"r2"';
        resource.body = 'the new whole body';
        const part = await request(app.port, '/range', { Range: 'bytes=0-2' });
        expect(part.status).toBe(206);
        expect(part.body).toBe('the');
        const head = await request(app.port, '/range', {}, { method: 'HEAD' });
        expect(head.status).toBe(200);
        const whole = await request(app.port, '/range');
        expect(whole.status).toBe(200);
        expect(whole.body).toBe('the new whole body');
        expect(whole.truncated).toBe(false);
        expect(isHit(await request(app.port, '/range'))).toBe(true);
      });
    });

    describe("a logged-in visitor's answers", () => {
      it('a Set-Cookie or private answer to a request with credentials never makes the page pass for everyone', async () => {
        // a session middleware refreshes the cookie of logged-in visitors on every answer
        const page = counting((req) =>
          req.headers.cookie === undefined
            ? { headers: { 'cache-control': 'public, max-age=10', etag: '"p1"' }, body: 'public page' }
            : {
                headers: { 'cache-control': 'private, max-age=10', 'set-cookie': 'session=renewed' },
                body: 'your page',
              },
        );
        const app = await start([{ path: '/home', cache: {}, handler: page }]);
        const member = await request(app.port, '/home', { Cookie: 'session=alice' });
        expect(member.body).toBe('your page');
        const anonymous = await request(app.port, '/home');
        expect(anonymous.body).toBe('public page');
        expect(header(anonymous, 'cache-status')).toContain('stored');
        expect(isHit(await request(app.port, '/home'))).toBe(true);
        // and a stale shared entry: the member's revalidation (a 304 with its cookie) drops nothing
        now += 15_000;
        const revalidating = counting((req) =>
          req.headers['if-none-match'] === '"p1"'
            ? {
                status: 304,
                headers: {
                  etag: '"p1"',
                  'cache-control': req.headers.cookie === undefined ? 'public, max-age=10' : 'private',
                  ...(req.headers.cookie === undefined ? {} : { 'set-cookie': 'session=renewed' }),
                },
              }
            : { headers: { 'cache-control': 'public, max-age=10', etag: '"p1"' }, body: 'public page' },
        );
        const app2 = await start([{ path: '/home', cache: {}, handler: revalidating }]);
        await request(app2.port, '/home');
        now += 15_000;
        const member2 = await request(app2.port, '/home', { Cookie: 'session=alice' });
        expect(header(member2, 'set-cookie')).toBe('session=renewed');
        const anonymous2 = await request(app2.port, '/home', { 'Cache-Control': 'max-stale=60' });
        expect(anonymous2.body).toBe('public page');
        expect(isHit(anonymous2)).toBe(true);
        expect(revalidating.calls).toBe(2);
      });
    });

    describe("one client's request directives", () => {
      it('max-stale serves stale to that client alone; nobody else gets it as fresh', async () => {
        const resource: Resource = { etag: '"o1"', body: 'old', headers: { 'cache-control': 'max-age=10' } };
        const page = conditional(resource);
        const app = await start([{ path: '/ms', cache: {}, handler: page }]);
        await request(app.port, '/ms');
        now += 15_000;
        resource.etag = '"o2"';
        resource.body = 'new';
        const lenient = await request(app.port, '/ms', { 'Cache-Control': 'max-stale=60' });
        expect(lenient.body).toBe('old');
        expect(page.calls).toBe(1);
        const strict = await request(app.port, '/ms');
        expect(strict.body).toBe('new');
        expect(page.calls).toBe(2);
        // must-revalidate: never stale, whatever the client accepts
        const strictOrigin = conditional({
          etag: '"mr1"',
          body: 'mr',
          headers: { 'cache-control': 'max-age=10, must-revalidate' },
        });
        const app2 = await start([{ path: '/mr', cache: {}, handler: strictOrigin }]);
        await request(app2.port, '/mr');
        now += 15_000;
        await request(app2.port, '/mr', { 'Cache-Control': 'max-stale' });
        expect(strictOrigin.calls).toBe(2);
      });

      it('no-cache, max-age=0 and Pragma: no-cache do not reach the handler unless honorClientNoCache', async () => {
        const page = conditional({ body: 'cached' });
        const app = await start([{ path: '/nc', cache: {}, handler: page }]);
        await request(app.port, '/nc');
        for (const h of [
          { 'Cache-Control': 'no-cache' },
          { 'Cache-Control': 'max-age=0' },
          { Pragma: 'no-cache' },
        ]) {
          expect(isHit(await request(app.port, '/nc', h))).toBe(true);
        }
        expect(page.calls).toBe(1);
        const honour = conditional({ etag: '"h1"', body: 'honoured' });
        const app2 = await start([{ path: '/h', cache: {}, handler: honour }], { honorClientNoCache: true });
        await request(app2.port, '/h');
        const forced = await request(app2.port, '/h', { 'Cache-Control': 'no-cache' });
        expect(forced.body).toBe('honoured');
        expect(honour.calls).toBe(2);
        // the forced request revalidated with the stored tag; others still get the stored body
        expect(honour.seen[1]!.headers['if-none-match']).toBe('"h1"');
        expect((await request(app2.port, '/h')).body).toBe('honoured');
      });

      it('with honorClientNoCache, concurrent no-cache requests share one call to the handler', async () => {
        let release: () => void = () => undefined;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        const page = counting(async (): Promise<SecReply> => {
          await gate;
          return { headers: { 'cache-control': 'max-age=10' }, body: 'slow' };
        });
        // count arrivals ahead of the cache, so the handler is held until every request is in
        let arrived = 0;
        const app = await start([{ path: '/slow', cache: {}, handler: page }], {
          honorClientNoCache: true,
          expressBefore: (_req, _res, next) => {
            arrived++;
            next();
          },
          setup: (native) => {
            if (!isExpress)
              (native as FastifyInstance).addHook('onRequest', async () => {
                arrived++;
              });
          },
        });
        const burst = Array.from({ length: 8 }, () =>
          request(app.port, '/slow', { 'Cache-Control': 'no-cache' }),
        );
        await eventually(() => arrived === 8 && page.calls >= 1);
        // a few turns of the event loop for the lookups of the last arrivals to join the flight
        for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
        release();
        for (const res of await Promise.all(burst)) expect(res.body).toBe('slow');
        expect(page.calls).toBe(1);
      });

      it('only-if-cached gets a 504 when nothing fits, and never reaches the handler', async () => {
        const page = conditional({ body: 'x' });
        const app = await start([{ path: '/oic', cache: {}, handler: page }]);
        const none = await request(app.port, '/oic', { 'Cache-Control': 'only-if-cached' });
        expect(none.status).toBe(504);
        expect(page.calls).toBe(0);
        await request(app.port, '/oic');
        now += 15_000;
        const stale = await request(app.port, '/oic', { 'Cache-Control': 'only-if-cached' });
        expect(stale.status).toBe(504);
        expect(page.calls).toBe(1);
        // the 504 was never stored: the next client gets the page
        expect((await request(app.port, '/oic')).status).toBe(200);
      });

      it('a request’s no-store keeps its own response out of the cache, by default, and changes nothing else', async () => {
        for (const options of [{}, { honorClientNoCache: true }]) {
          const page = conditional({ body: 'secret-ish' });
          const app = await start([{ path: '/ns', cache: {}, handler: page }], options);
          const own = await request(app.port, '/ns', { 'Cache-Control': 'no-store' });
          expect(header(own, 'cache-status')).toContain('detail=request-no-store');
          const next = await request(app.port, '/ns');
          expect(isHit(next)).toBe(false);
          expect(page.calls).toBe(2);
          // a stored response still answers it: no-store sends nothing more to the handler
          expect(isHit(await request(app.port, '/ns', { 'Cache-Control': 'no-store' }))).toBe(true);
          expect(page.calls).toBe(2);
        }
      });
    });

    describe('stale-while-revalidate refreshes', () => {
      it('the refresh carries none of the triggering client’s conditionals, credentials or directives', async () => {
        const resource: Resource = {
          etag: '"v1"',
          body: 'feed',
          headers: { 'cache-control': 'public, max-age=10, stale-while-revalidate=60' },
        };
        const feed = conditional(resource);
        const app = await start([{ path: '/feed', cache: {}, handler: feed }]);
        await request(app.port, '/feed');
        now += 15_000;
        resource.etag = '"v2"';
        resource.body = 'feed two';
        const trigger = await request(app.port, '/feed', {
          'If-None-Match': '"v2"',
          'If-Modified-Since': LATER,
          Cookie: 'session=alice',
          Authorization: 'Bearer alice',
          'Cache-Control': 'no-store',
          Range: 'bytes=0-1',
        });
        expect(trigger.status).toBeLessThan(500);
        await eventually(() => feed.calls === 2);
        const refresh = feed.seen[1]!.headers;
        expect(refresh['if-none-match']).toBe('"v1"');
        expect(refresh['if-modified-since']).toBeUndefined();
        expect(refresh.cookie).toBeUndefined();
        expect(refresh.authorization).toBeUndefined();
        expect(refresh.range).toBeUndefined();
        expect(refresh['cache-control']).toBeUndefined();
        await eventually(() => app.engine.stats().stores === 2);
        const next = await request(app.port, '/feed');
        expect(next.body).toBe('feed two');
        expect(header(next, 'etag')).toBe('"v2"');
      });
    });
  });
}
