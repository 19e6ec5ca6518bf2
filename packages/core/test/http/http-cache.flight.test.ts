import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateRouteOptions } from '../../src/http/options.js';
import type { RequestLike, ResponseLike } from '../../src/http/types.js';
import type { ResponseStore, StoredEntry } from '../../src/store/types.js';
import { deferred, get, Harness, header, res, settle } from './harness.js';

const harnesses: Harness[] = [];
function harness(options: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  vi.useRealTimers();
  for (const h of harnesses.splice(0)) await h.cache.close();
});

const route = validateRouteOptions({ ttl: '60s' });

describe('single-flight', () => {
  it('50 concurrent cold requests make one origin call; the others are collapsed hits', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    const origin = vi.fn(() => d.promise);
    const all = Promise.all(Array.from({ length: 50 }, () => h.send(get('/slow'), origin, route)));
    await settle();
    d.resolve(res(200, { 'content-type': 'text/plain' }, 'once'));
    const sent = await all;
    expect(origin).toHaveBeenCalledTimes(1);
    expect(sent.map((r) => r.text)).toEqual(Array(50).fill('once'));
    expect(sent.filter((r) => r.kind === 'miss')).toHaveLength(1);
    const collapsed = sent.filter((r) => r.kind === 'hit');
    expect(collapsed).toHaveLength(49);
    for (const r of collapsed) expect(header(r, 'cache-status')).toBe('larder; hit; collapsed');
    expect(h.cache.stats()).toMatchObject({ misses: 1, coalesced: 49, stores: 1 });
  });

  it('collapsed waiters get their own HEAD and 304 handling', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    const leader = h.send(get('/x'), () => d.promise, route);
    const head = h.send(get('/x', {}, 'HEAD'), () => res(500), route);
    const conditional = h.send(get('/x', { 'if-none-match': '"v1"' }), () => res(500), route);
    await settle();
    d.resolve(res(200, { etag: '"v1"' }, 'body'));
    expect((await leader).text).toBe('body');
    const [headSent, notModified] = await Promise.all([head, conditional]);
    expect([headSent.kind, headSent.body.byteLength, header(headSent, 'content-length')]).toEqual([
      'hit',
      0,
      '4',
    ]);
    expect([notModified.kind, notModified.status]).toEqual(['hit', 304]);
  });

  it('a waiter whose Vary value differs from the leader looks up again and fills its own variant', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    const byLang = (req: RequestLike) =>
      res(200, { vary: 'accept-language' }, String(req.headers['accept-language']));
    const en = h.send(get('/v', { 'accept-language': 'en' }), () => d.promise, route);
    const fr = h.send(get('/v', { 'accept-language': 'fr' }), byLang, route);
    const en2 = h.send(get('/v', { 'accept-language': 'en' }), byLang, route);
    await settle();
    d.resolve(byLang(get('/v', { 'accept-language': 'en' })));
    const sent = await Promise.all([en, fr, en2]);
    expect(sent.map((r) => [r.kind, r.text])).toEqual([
      ['miss', 'en'],
      ['miss', 'fr'],
      ['hit', 'en'],
    ]);
    expect(header(sent[1]!, 'cache-status')).toBe('larder; fwd=vary-miss; stored');
  });

  it('an uncacheable first response releases the waiters to the origin (hit-for-pass)', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    let n = 0;
    const others = () => res(200, { 'set-cookie': 'a=1' }, `own${++n}`);
    const leader = h.send(get('/u'), () => d.promise, route);
    const waiters = Array.from({ length: 5 }, () => h.send(get('/u'), others, route));
    await settle();
    d.resolve(res(200, { 'set-cookie': 'a=1' }, 'first'));
    expect((await leader).text).toBe('first');
    const sent = await Promise.all(waiters);
    for (const r of sent) {
      expect([r.kind, r.reason]).toEqual(['pass', 'hit-for-pass']);
      expect(r.text).toMatch(/^own\d$/);
      expect(header(r, 'cache-status')).toBe('larder; fwd=miss; detail=hit-for-pass');
    }
  });

  it('a waiter that times out at lockTimeout goes to the origin itself and does not store', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness({ lockTimeout: '5s' });
    const never = deferred<ResponseLike>();
    void h.send(get('/hang'), () => never.promise, route);
    let waiterDone = false;
    const waiter = h
      .send(get('/hang'), () => res(200, {}, 'waiter'), route)
      .finally(() => {
        waiterDone = true;
      });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(waiterDone).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const sent = await waiter;
    expect([sent.kind, sent.reason, sent.text]).toEqual(['pass', 'lock-timeout', 'waiter']);
    expect(header(sent, 'cache-status')).toBe('larder; fwd=miss; detail=lock-timeout');
    // the flight was dropped: the next request leads a new fill rather than waiting on the dead one
    const next = await h.send(get('/hang'), () => res(200, {}, 'next'), route);
    expect([next.kind, next.text]).toEqual(['miss', 'next']);
    expect(h.cache.stats().stores).toBe(1);
  });

  it('fills that are never finished leave no flight and no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const h = harness({ lockTimeout: '1s' });
    for (let i = 0; i < 100; i++) {
      const result = await h.cache.lookup(get(`/leak/${i}`), route);
      expect(result.kind).toBe('miss');
    }
    expect(vi.getTimerCount()).toBe(100);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
    const again = await h.cache.lookup(get('/leak/1'), route);
    expect(again.kind).toBe('miss');
  });

  it('when the leader throws, the waiters look up again and one of them leads', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    const origin = vi.fn(() => res(200, {}, 'recovered'));
    const leader = h.send(get('/t'), () => d.promise, route);
    const waiters = Array.from({ length: 5 }, () => h.send(get('/t'), origin, route));
    await settle();
    d.reject(new Error('handler threw'));
    expect((await leader).status).toBe(500);
    const sent = await Promise.all(waiters);
    expect(origin).toHaveBeenCalledTimes(1);
    expect(sent.map((r) => r.text)).toEqual(Array(5).fill('recovered'));
  });

  it('an authorized request does not make others wait on it', async () => {
    const h = harness();
    const d = deferred<ResponseLike>();
    const authorized = h.send(get('/a', { authorization: 'Basic x' }), () => d.promise, route);
    const anonymous = await h.send(get('/a'), () => res(200, {}, 'anon'), route);
    expect([anonymous.kind, anonymous.text]).toEqual(['miss', 'anon']);
    d.resolve(res(200, {}, 'private'));
    expect(header(await authorized, 'cache-status')).toBe('larder; fwd=miss; detail=authorization');
    expect((await h.send(get('/a'), () => res(500), route)).text).toBe('anon');
  });
});

describe('hit-for-pass', () => {
  it('passes at once for hitForPass after an uncacheable response, then tries again', async () => {
    const h = harness({ hitForPass: '10s' });
    await h.send(get('/h'), () => res(200, { 'cache-control': 'no-store' }, 'x'), route);
    h.advance(9_999);
    const pass = await h.cache.lookup(get('/h'), route);
    expect(pass.kind === 'pass' && pass.reason).toBe('hit-for-pass');
    h.advance(1);
    expect((await h.cache.lookup(get('/h'), route)).kind).toBe('miss');
  });

  it('does not mark a URL for a request-specific answer (a 304 to the client validators)', async () => {
    const h = harness();
    await h.send(get('/h', { 'if-none-match': '"a"' }), () => res(304, { etag: '"a"' }), route);
    expect((await h.cache.lookup(get('/h'), route)).kind).toBe('miss');
  });

  it('is never set by a 5xx (issue 11: an origin failure is not a property of the URL)', async () => {
    const h = harness();
    await h.send(get('/h'), () => res(500), route);
    expect((await h.cache.lookup(get('/h'), route)).kind).toBe('miss');
  });

  it('is cleared when the key is invalidated', async () => {
    const h = harness();
    await h.send(get('/h'), () => res(200, { 'cache-control': 'no-store' }), route);
    expect((await h.cache.lookup(get('/h'), route)).kind).toBe('pass');
    await h.cache.invalidate({ key: 'GET example.com/h' });
    expect((await h.cache.lookup(get('/h'), route)).kind).toBe('miss');
  });
});

describe('a failing store', () => {
  const broken = (mode: 'throw' | 'reject'): ResponseStore => {
    const fail = (op: string) => {
      const error = new Error(`store ${op} failed`);
      if (mode === 'throw') throw error;
      return Promise.reject(error);
    };
    return {
      get: () => fail('get') as Promise<StoredEntry | undefined>,
      set: () => fail('set') as Promise<void>,
      delete: () => fail('delete') as Promise<void>,
      deleteByTags: () => fail('deleteByTags') as Promise<number>,
      clear: () => fail('clear') as Promise<void>,
    };
  };

  it.each(['throw', 'reject'] as const)('never fails a request when every call %ss', async (mode) => {
    const h = harness({ store: broken(mode) });
    const first = await h.send(get('/a'), () => res(200, {}, 'ok'), route);
    const second = await h.send(get('/a'), () => res(200, {}, 'ok'), route);
    for (const r of [first, second]) expect([r.status, r.text, r.kind]).toEqual([200, 'ok', 'miss']);
    const post = await h.send(get('/a', {}, 'POST'), () => res(204), route);
    expect(post.status).toBe(204);
    await settle();
    const contexts = new Set(h.errors.map(([, c]) => c));
    expect([...contexts].sort()).toEqual(['invalidate', 'store.get', 'store.set']);
    expect(h.cache.stats().errors).toBe(h.errors.length);
    // an explicit invalidation does report the failure to its caller
    await expect(h.cache.invalidate({ tags: ['x'] })).rejects.toThrow(/deleteByTags/);
  });

  it('still coalesces concurrent misses while the store is down', async () => {
    const h = harness({ store: broken('reject') });
    const d = deferred<ResponseLike>();
    const origin = vi.fn(() => d.promise);
    const all = Promise.all(Array.from({ length: 10 }, () => h.send(get('/a'), origin, route)));
    await settle();
    d.resolve(res(200, {}, 'ok'));
    expect((await all).map((r) => r.text)).toEqual(Array(10).fill('ok'));
    expect(origin).toHaveBeenCalledTimes(1);
  });

  it('treats a value that is not an entry as a miss', async () => {
    const h = harness({
      store: {
        get: async () => ({ nonsense: true }) as never,
        set: async () => {},
        delete: async () => {},
        deleteByTags: async () => 0,
        clear: async () => {},
      },
    });
    expect((await h.send(get('/a'), () => res(200, {}, 'ok'), route)).text).toBe('ok');
    expect(h.errors).toHaveLength(1);
  });

  it('a throwing onError is contained, and without onError a warning is emitted once', async () => {
    const h = harness({
      store: broken('reject'),
      onError: () => {
        throw new Error('bad handler');
      },
    });
    expect((await h.send(get('/a'), () => res(200, {}, 'ok'), route)).text).toBe('ok');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const quiet = harness({ store: broken('reject'), onError: undefined as never });
      await quiet.send(get('/a'), () => res(200, {}, 'ok'), route);
      await quiet.send(get('/a'), () => res(200, {}, 'ok'), route);
      await settle();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((m) => m.includes('store.get'))).toHaveLength(1);
  });
});

describe('close', () => {
  it('releases waiters, stops timers and closes the store', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const close = vi.fn(async () => {});
    const h = harness({
      store: {
        get: async () => undefined,
        set: async () => {},
        delete: async () => {},
        deleteByTags: async () => 0,
        clear: async () => {},
        close,
      },
    });
    await h.cache.lookup(get('/c'), route);
    const waiter = h.cache.lookup(get('/c'), route);
    await settle();
    await h.cache.close();
    const result = await waiter;
    expect(result.kind === 'pass' && result.reason).toBe('lock-timeout');
    expect(vi.getTimerCount()).toBe(0);
    expect(close).toHaveBeenCalledTimes(1);
    await h.cache.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
