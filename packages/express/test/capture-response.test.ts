import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Fill, HeaderMap, ResponseLike } from '@larder/core';
import { captureResponse } from '@larder/core';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { binary, frameworks, settle } from './helpers.js';

interface Recorder {
  fill: Fill;
  starts: { status: number; headers: HeaderMap }[];
  finished: Buffer[];
  commits: ResponseLike[];
  abandoned: unknown[];
  /** How many times the fill was settled (finish, commit, abandon). */
  settlements(): number;
}

interface RecorderOptions {
  store?: boolean;
  /** The fill's `maxEntryBytes`. */
  maxEntryBytes?: number;
  /** What `start` returns for a status, instead of `{ store, headers + cache-status }`. */
  substitute?: (status: number) => ResponseLike | undefined;
  /** Replace what `commit` returns. */
  commit?: (response: ResponseLike) => ResponseLike;
}

function recorder(options: RecorderOptions = {}): Recorder {
  const r: Recorder = {
    starts: [],
    finished: [],
    commits: [],
    abandoned: [],
    settlements: () => r.finished.length + r.commits.length + r.abandoned.length,
    fill: {
      key: 'k',
      maxEntryBytes: options.maxEntryBytes ?? 1024 * 1024,
      start(status, headers) {
        r.starts.push({ status, headers: { ...headers } });
        const substitute = options.substitute?.(status);
        if (substitute) return { substitute };
        return { store: options.store ?? true, headers: { ...headers, 'cache-status': 'test; fwd=miss' } };
      },
      finish(body) {
        r.finished.push(Buffer.from(body));
      },
      commit(response) {
        r.commits.push({ ...response, headers: { ...response.headers }, body: Buffer.from(response.body) });
        return (
          options.commit?.(response) ?? {
            ...response,
            headers: { ...response.headers, 'cache-status': 'test' },
          }
        );
      },
      abandon(reason) {
        r.abandoned.push(reason);
        return undefined;
      },
    },
  };
  return r;
}

const stale: ResponseLike = {
  status: 200,
  headers: { 'content-type': 'text/plain', 'cache-status': 'test; hit; detail=stale-if-error' },
  body: Buffer.from('stale but good'),
};

for (const [name, express] of frameworks) {
  describe(`captureResponse (${name})`, () => {
    function app(fill: Fill, ...handlers: RequestHandler[]): Express {
      const server = express();
      server.disable('x-powered-by');
      server.use((_req, res, next) => {
        captureResponse(res, fill);
        next();
      });
      server.get('/', ...handlers);
      return server;
    }

    it('hands res.send to commit and sends what commit returns', async () => {
      const r = recorder();
      const res = await request(app(r.fill, (_req, res) => void res.send('hello'))).get('/');
      expect(res.status).toBe(200);
      expect(res.text).toBe('hello');
      expect(res.headers['cache-status']).toBe('test');
      expect(r.commits).toHaveLength(1);
      expect(r.commits[0]?.status).toBe(200);
      expect(r.commits[0]?.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(Buffer.from(r.commits[0]!.body).toString()).toBe('hello');
      expect(r.starts).toHaveLength(0);
      expect(r.settlements()).toBe(1);
    });

    it('hands res.json to commit', async () => {
      const r = recorder();
      const res = await request(app(r.fill, (_req, res) => void res.status(203).json({ a: 1 }))).get('/');
      expect(res.status).toBe(203);
      expect(res.body).toEqual({ a: 1 });
      expect(r.commits[0]?.status).toBe(203);
      expect(r.commits[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Buffer.from(r.commits[0]!.body).toString()).toBe('{"a":1}');
    });

    it('sends a different response when commit says so (a 304)', async () => {
      const r = recorder({
        commit: () => ({ status: 304, headers: { etag: '"x"' }, body: new Uint8Array(0) }),
      });
      const res = await request(app(r.fill, (_req, res) => void res.send('hello'))).get('/');
      expect(res.status).toBe(304);
      expect(res.headers.etag).toBe('"x"');
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.text).toBe('');
    });

    it('streams write and end through start and finish', async () => {
      const r = recorder();
      const handler: RequestHandler = (_req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.write('one ');
        res.write(Buffer.from('two '));
        res.end('three');
      };
      const res = await request(app(r.fill, handler)).get('/');
      expect(res.text).toBe('one two three');
      expect(res.headers['cache-status']).toBe('test; fwd=miss');
      expect(r.starts).toEqual([{ status: 200, headers: { 'content-type': 'text/plain' } }]);
      expect(r.finished.map(String)).toEqual(['one two three']);
      expect(r.settlements()).toBe(1);
    });

    it('captures a piped stream byte for byte', async () => {
      const r = recorder();
      const bytes = randomBytes(200_000);
      const handler: RequestHandler = (_req, res) => {
        res.type('application/octet-stream');
        Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 70_000), bytes.subarray(70_000)]).pipe(res);
      };
      const res = await request(app(r.fill, handler)).get('/').buffer(true).parse(binary);
      expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
      expect(r.finished).toHaveLength(1);
      expect(Buffer.compare(r.finished[0]!, bytes)).toBe(0);
    });

    it('captures res.sendFile', async () => {
      const r = recorder();
      const file = join(mkdtempSync(join(tmpdir(), 'larder-')), 'data.bin');
      const bytes = randomBytes(5000);
      writeFileSync(file, bytes);
      const res = await request(app(r.fill, (_req, res) => res.sendFile(file)))
        .get('/')
        .buffer(true)
        .parse(binary);
      expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
      expect(r.starts[0]?.headers['content-length']).toBe(5000);
      expect(Buffer.compare(r.finished[0]!, bytes)).toBe(0);
    });

    it('keeps the encodings of string chunks', async () => {
      const r = recorder();
      const handler: RequestHandler = (_req, res) => {
        res.write('68c3a9', 'hex');
        res.write('bMOp', 'base64');
        res.write('\u00e9', 'latin1');
        res.end('\u00e9', 'utf8');
      };
      const res = await request(app(r.fill, handler)).get('/').buffer(true).parse(binary);
      const expected = Buffer.from([0x68, 0xc3, 0xa9, 0x6c, 0xc3, 0xa9, 0xe9, 0xc3, 0xa9]);
      expect(Buffer.compare(res.body as Buffer, expected)).toBe(0);
      expect(Buffer.compare(r.finished[0]!, expected)).toBe(0);
    });

    it('commits a single end with an encoded string as bytes', async () => {
      const r = recorder();
      const res = await request(app(r.fill, (_req, res) => void res.end('\u00e9t\u00e9', 'latin1')))
        .get('/')
        .buffer(true)
        .parse(binary);
      expect([...(res.body as Buffer)]).toEqual([0xe9, 0x74, 0xe9]);
      expect([...r.commits[0]!.body]).toEqual([0xe9, 0x74, 0xe9]);
    });

    it('sees the headers given to an explicit writeHead, as an object or a raw array', async () => {
      const r = recorder();
      const handler: RequestHandler = (req, res) => {
        if (req.query.raw) res.writeHead(201, 'Made', ['x-a', '1', 'x-a', '2', 'content-type', 'text/plain']);
        else res.writeHead(201, { 'X-A': '1', 'Content-Type': 'text/plain' });
        res.end('made');
      };
      const server = app(r.fill, handler);
      const object = await request(server).get('/');
      expect(object.status).toBe(201);
      expect(object.headers['cache-status']).toBe('test; fwd=miss');
      expect(r.starts[0]).toEqual({ status: 201, headers: { 'x-a': '1', 'content-type': 'text/plain' } });
      const raw = await request(server).get('/?raw=1');
      expect(raw.status).toBe(201);
      expect(raw.headers['x-a']).toBe('1, 2');
      expect(r.starts[1]).toEqual({
        status: 201,
        headers: { 'x-a': ['1', '2'], 'content-type': 'text/plain' },
      });
      expect(r.finished.map(String)).toEqual(['made', 'made']);
    });

    it('starts at the first write when headers are implicit, with the status set by then', async () => {
      const r = recorder({ store: false });
      const handler: RequestHandler = (_req, res) => {
        res.statusCode = 404;
        res.setHeader('x-late', 'no');
        res.write('a');
        res.end();
      };
      const res = await request(app(r.fill, handler)).get('/');
      expect(res.status).toBe(404);
      expect(res.text).toBe('a');
      expect(r.starts).toEqual([{ status: 404, headers: { 'x-late': 'no' } }]);
      expect(r.finished).toHaveLength(0);
      expect(r.abandoned).toHaveLength(0);
    });

    it('passes the body through but abandons the fill past maxEntryBytes', async () => {
      const r = recorder({ maxEntryBytes: 100 });
      const handler: RequestHandler = (_req, res) => {
        res.write('x'.repeat(60));
        res.write('y'.repeat(60));
        res.end('z');
      };
      const res = await request(app(r.fill, handler)).get('/');
      expect(res.text).toBe(`${'x'.repeat(60)}${'y'.repeat(60)}z`);
      expect(r.finished).toHaveLength(0);
      expect(r.abandoned).toEqual(['too-large']);
      expect(r.settlements()).toBe(1);
    });

    it('sends the substitute from start and swallows the origin output (stale-if-error)', async () => {
      const r = recorder({ substitute: (status) => (status >= 500 ? stale : undefined) });
      const handler: RequestHandler = (_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.write('bad', () => undefined);
        res.write('gateway');
        res.end();
      };
      const res = await request(app(r.fill, handler)).get('/');
      expect(res.status).toBe(200);
      expect(res.text).toBe('stale but good');
      expect(res.headers['content-type']).toBe('text/plain');
      expect(r.finished).toHaveLength(0);
    });

    it('sends a substitute commit returns for the default error handler 500', async () => {
      const r = recorder({ commit: (response) => (response.status === 500 ? stale : response) });
      const res = await request(
        app(r.fill, () => {
          throw new Error('origin down');
        }),
      ).get('/');
      expect(res.status).toBe(200);
      expect(res.text).toBe('stale but good');
      expect(r.commits[0]?.status).toBe(500);
    });

    it('restores exactly what it patched when the response finishes', async () => {
      let seen: ServerResponse | undefined;
      const outerEnd = function (this: ServerResponse, ...args: unknown[]) {
        return (Object.getPrototypeOf(this) as { end: (...a: unknown[]) => unknown }).end.apply(this, args);
      };
      const server = express();
      server.use((_req, res, next) => {
        seen = res;
        res.end = outerEnd as typeof res.end;
        captureResponse(res, recorder({ maxEntryBytes: 1024 }).fill);
        expect(res.end).not.toBe(outerEnd);
        expect(Object.hasOwn(res, 'write')).toBe(true);
        next();
      });
      server.get('/', (_req, res) => void res.send('ok'));
      await request(server).get('/');
      await settle();
      expect(seen?.end).toBe(outerEnd);
      const inherited = Object.getPrototypeOf(seen!) as ServerResponse;
      expect(seen!.write).toBe(inherited.write);
      expect(seen!.writeHead).toBe(inherited.writeHead);
    });

    it('captures a route of a sub-app, and a response sent after the request left its sub-app', async () => {
      // Express gives the response the sub-app's prototype inside it, and the parent's again after it
      const inSub = recorder();
      const sub = express();
      sub.get('/items', (_req, res) => void res.send('from the sub-app'));
      const main = express();
      main.use((_req, res, next) => {
        captureResponse(res, inSub.fill);
        next();
      });
      main.use('/sub', sub);
      const first = await request(main).get('/sub/items');
      expect(first.text).toBe('from the sub-app');
      expect(first.headers['cache-status']).toBe('test');
      expect(inSub.commits).toHaveLength(1);

      const leftSub = recorder();
      const passing = express();
      passing.use((_req, res, next) => {
        captureResponse(res, leftSub.fill);
        next();
      });
      const parent = express();
      parent.use(passing);
      parent.get('/', (_req, res) => {
        res.write('streamed ');
        res.end('by the parent');
      });
      const second = await request(parent).get('/');
      expect(second.text).toBe('streamed by the parent');
      expect(second.headers['cache-status']).toBe('test; fwd=miss');
      expect(leftSub.finished.map(String)).toEqual(['streamed by the parent']);
    });

    it('adds no writeHead, write or end of its own to an Express response, and sends others as before', async () => {
      // Express replaces each response's prototype, and V8 caches no shape for a property then added
      // to it: three own patches allocated about 4.5 KB of maps per miss. Patches on Express's
      // response prototype route to the capture of the response they are called on.
      const r = recorder();
      let seen: ServerResponse | undefined;
      let during: string[] = [];
      const server = express();
      server.get(
        '/',
        (_req, res, next) => {
          seen = res;
          captureResponse(res, r.fill);
          during = ['writeHead', 'write', 'end'].filter((name) => Object.hasOwn(res, name));
          next();
        },
        (_req, res) => void res.send('captured'),
      );
      server.get('/plain', (_req, res) => void res.send('not captured'));
      server.get('/stream', (_req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.write('not ');
        res.end('captured');
      });
      const captured = await request(server).get('/');
      expect(captured.headers['cache-status']).toBe('test');
      expect(during).toEqual([]);
      await settle();
      expect(Object.hasOwn(seen!, 'end')).toBe(false);
      // the next responses, captured by nothing, pass through untouched
      const plain = await request(server).get('/plain');
      expect([plain.status, plain.text, plain.headers['cache-status']]).toEqual([
        200,
        'not captured',
        undefined,
      ]);
      const stream = await request(server).get('/stream');
      expect([stream.status, stream.text]).toEqual([201, 'not captured']);
      expect(r.settlements()).toBe(1);
    });

    it('captures a response whose framework prototype is frozen, with patches of its own', async () => {
      // a prototype chain like Express's, on a prototype the shared patches cannot be installed on
      const frozen = Object.freeze(Object.create(ServerResponse.prototype) as object);
      const r = recorder();
      const server = express();
      server.get(
        '/',
        (_req, res, next) => {
          Object.setPrototypeOf(res, Object.create(frozen) as object);
          captureResponse(res, r.fill);
          next();
        },
        (_req, res) => void res.end('on a frozen prototype'),
      );
      const res = await request(server).get('/');
      expect(res.text).toBe('on a frozen prototype');
      expect(res.headers['cache-status']).toBe('test');
      expect(r.commits).toHaveLength(1);
    });

    it('abandons the fill when the response closes before finishing', async () => {
      const r = recorder();
      let seen: ServerResponse | undefined;
      const server = app(r.fill, (_req, res) => {
        seen = res;
        res.write('partial');
        res.destroy();
      });
      await expect(request(server).get('/')).rejects.toThrow();
      await settle();
      expect(r.abandoned).toHaveLength(1);
      expect(r.finished).toHaveLength(0);
      expect(seen!.end).toBe((Object.getPrototypeOf(seen!) as ServerResponse).end);
    });

    it('abandons the fill when the client goes away mid-stream', async () => {
      const r = recorder();
      const closed = new Promise<void>((resolve) => {
        const server = app(r.fill, (_req, res) => {
          res.on('close', () => resolve());
          res.write('first chunk');
        }).listen(0, () => {
          const { port } = server.address() as AddressInfo;
          const req = httpRequest({ port, path: '/' }, (res) => res.once('data', () => req.destroy()));
          req.on('error', () => undefined);
          req.on('close', () => server.close());
          req.end();
        });
      });
      await closed;
      await settle();
      expect(r.abandoned).toHaveLength(1);
      expect(r.settlements()).toBe(1);
    });
  });
}
