import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { get, Harness, res } from '../http/harness.js';

const dirs: string[] = [];
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cache.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const origin = () => res(200, { 'content-type': 'text/plain', 'x-many': ['a', 'b'] }, 'from origin');

describe('HttpCache persist option', () => {
  it('restarts warm: a stored response is served from disk after close, its Age counted from the first store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-http-persist-'));
    dirs.push(dir);
    const first = new Harness({ ttl: '1m', persist: { dir } });
    expect((await first.send(get('/a'), origin)).originCalled).toBe(true);
    await first.cache.close();

    const second = new Harness({ ttl: '1m', persist: { dir } });
    harnesses.push(second);
    second.advance(10_000);
    const hit = await second.send(get('/a'), origin);
    expect(hit.originCalled).toBe(false);
    expect(hit.text).toBe('from origin');
    expect(hit.headers['x-many']).toEqual(['a', 'b']);
    expect(hit.headers.age).toBe('10');
    expect(second.cache.persistence?.loaded.entries).toBe(1);
    // past its freshness the loaded entry is not served
    second.advance(60_000);
    expect((await second.send(get('/a'), origin)).originCalled).toBe(true);
  });

  it('with a shared tier, persists the L1: it restarts warm even when L2 is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-http-persist-'));
    dirs.push(dir);
    const first = new Harness({ ttl: '1m', persist: { dir }, shared: { store: new MemoryStore() } });
    await first.send(get('/b'), origin);
    await first.cache.close();
    const second = new Harness({ ttl: '1m', persist: { dir }, shared: { store: new MemoryStore() } });
    harnesses.push(second);
    expect((await second.send(get('/b'), origin)).originCalled).toBe(false);
    expect(second.errors).toEqual([]);
  });

  it('a directory it cannot use is reported, and the engine serves from memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-http-persist-'));
    dirs.push(dir);
    const holder = new Harness({ ttl: '1m', persist: { dir } });
    harnesses.push(holder);
    await holder.cache.ready();
    const second = new Harness({ ttl: '1m', persist: { dir } });
    harnesses.push(second);
    await second.cache.ready();
    expect(second.errors.map(([e, context]) => [(e as { code: string }).code, context])).toEqual([
      ['ERR_LARDER_PERSIST', 'persist'],
    ]);
    await second.send(get('/c'), origin);
    expect((await second.send(get('/c'), origin)).originCalled).toBe(false);
  });

  it('refuses persist with a custom store, at construction', () => {
    expect(() => new Harness({ persist: { dir: '/tmp/x' }, store: new MemoryStore() })).toThrow(
      /Invalid option persist/,
    );
    expect(() => new Harness({ persist: { dir: '/tmp/x', rewriteAfter: 0.5 } })).toThrow(
      /Invalid option persist\.rewriteAfter/,
    );
  });
});
