import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { larder } from '../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An app caching `/item` on `dir`; `calls.n` counts the handler's calls. */
async function app(dir: string): Promise<{ app: FastifyInstance; calls: { n: number } }> {
  const instance = Fastify();
  await instance.register(larder, { persist: { dir, appendFsync: 'always' } });
  const calls = { n: 0 };
  instance.get('/item', { config: { cache: { ttl: '10m', tags: () => ['items'] } } }, async (_req, reply) => {
    calls.n++;
    reply.header('x-origin', 'yes');
    return { call: calls.n };
  });
  instance.get('/binary', { config: { cache: { ttl: '10m' } } }, async (_req, reply) => {
    calls.n++;
    reply.type('application/octet-stream');
    return Buffer.from([0, 255, 1, 254]);
  });
  await instance.ready();
  return { app: instance, calls };
}

describe('persist option (Fastify)', () => {
  it('serves a stored response after a graceful restart on the same dir, without calling the handler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-fastify-persist-'));
    dirs.push(dir);
    const first = await app(dir);
    expect((await first.app.inject('/item')).json()).toEqual({ call: 1 });
    expect((await first.app.inject('/binary')).rawPayload).toEqual(Buffer.from([0, 255, 1, 254]));
    expect(first.calls.n).toBe(2);
    await first.app.close();
    expect(readdirSync(dir).sort()).toEqual(['cache.aof', 'cache.snapshot']);

    const second = await app(dir);
    const hit = await second.app.inject('/item');
    expect(hit.json()).toEqual({ call: 1 });
    expect(hit.headers['x-origin']).toBe('yes');
    expect(hit.headers['cache-status']).toMatch(/larder; hit/);
    const binary = await second.app.inject('/binary');
    expect(binary.rawPayload).toEqual(Buffer.from([0, 255, 1, 254]));
    expect(second.calls.n).toBe(0);
    // the tag index came back too: invalidating by tag reaches the loaded entry
    await second.app.larder.invalidate({ tags: ['items'] });
    expect((await second.app.inject('/item')).json()).toEqual({ call: 1 });
    expect(second.calls.n).toBe(1);
    await second.app.close();
  });

  it('an invalidation survives the restart as well', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-fastify-persist-'));
    dirs.push(dir);
    const first = await app(dir);
    await first.app.inject('/item');
    await first.app.larder.invalidate({ tags: ['items'] });
    await first.app.close();
    const second = await app(dir);
    expect((await second.app.inject('/item')).json()).toEqual({ call: 1 });
    expect(second.calls.n).toBe(1);
    await second.app.close();
  });

  it('rejects invalid persist options at registration', async () => {
    const instance = Fastify();
    await expect(
      instance.register(larder, { persist: { dir: '/tmp/x', appendFsync: 'often' as 'always' } }).ready(),
    ).rejects.toMatchObject({ code: 'ERR_LARDER_CONFIG', option: 'persist.appendFsync' });
    await instance.close();
  });
});
