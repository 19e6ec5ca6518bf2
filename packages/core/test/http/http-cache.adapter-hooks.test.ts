import { describe, expect, it } from 'vitest';
import { get, Harness, header, res } from './harness.js';

describe('what adapters rely on beyond lookup/commit', () => {
  it('exposes the effective maxEntryBytes on the fill (route over engine default)', async () => {
    const h = new Harness({ ttl: 60_000 });
    const a = await h.cache.lookup(get('/a'));
    const b = await h.cache.lookup(get('/b'), { maxEntryBytes: 10 });
    expect(a.kind === 'miss' && a.fill.maxEntryBytes).toBe(2 * 1024 * 1024);
    expect(b.kind === 'miss' && b.fill.maxEntryBytes).toBe(10);
    if (a.kind === 'miss') a.fill.abandon();
    if (b.kind === 'miss') b.fill.abandon();
  });

  it("remembers a streamed body abandoned as 'too-large' as hit-for-pass", async () => {
    const h = new Harness({ ttl: 60_000 });
    const first = await h.cache.lookup(get('/big'));
    if (first.kind !== 'miss') throw new Error(`expected a miss, got ${first.kind}`);
    const started = first.fill.start(200, { 'content-type': 'text/plain' });
    expect('store' in started && started.store).toBe(true);
    first.fill.abandon('too-large');
    const second = await h.cache.lookup(get('/big'));
    expect(second.kind).toBe('pass');
    if (second.kind === 'pass') {
      expect(second.reason).toBe('hit-for-pass');
      second.fill.abandon();
    }
    expect(h.cache.stats().stores).toBe(0);
  });

  it('passes a GET on a route that opted out (lookup with false) and still invalidates after its POST', async () => {
    const h = new Harness({ ttl: 60_000 });
    const miss = await h.cache.lookup(get('/items'));
    if (miss.kind !== 'miss') throw new Error('expected a miss');
    miss.fill.commit(res(200, { 'content-type': 'text/plain' }, 'v1'));
    const optedOut = await h.cache.lookup(get('/items'), false);
    expect(optedOut.kind).toBe('pass');
    if (optedOut.kind === 'pass') {
      const sent = optedOut.fill.commit(res(200, {}, 'fresh'));
      expect(header(sent, 'cache-status')).toBe('larder; fwd=bypass');
    }
    const post = await h.cache.lookup(get('/items', {}, 'POST'), false);
    if (post.kind !== 'pass') throw new Error('expected a pass');
    post.fill.commit(res(201));
    await new Promise((resolve) => setImmediate(resolve));
    const after = await h.cache.lookup(get('/items'));
    expect(after.kind).toBe('miss');
    if (after.kind === 'miss') after.fill.abandon();
  });
});
