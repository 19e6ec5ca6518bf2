import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { contract, counted, header, versioned } from './support.js';

contract('what is never stored', ({ app }) => {
  it("a response that sets a cookie is not shared: the next visitor never receives someone else's cookie", async () => {
    const origin = counted((_req, call) => ({
      headers: { 'set-cookie': `session=user${call}; HttpOnly` },
      body: `welcome user${call}`,
    }));
    const a = await app([{ path: '/login', cache: { ttl: '1m' }, origin }]);
    const first = await a.request({ url: '/login' });
    expect(header(first, 'set-cookie')).toBe('session=user1; HttpOnly');
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=set-cookie');
    const second = await a.request({ url: '/login' });
    expect(second.text).toBe('welcome user2');
    expect(header(second, 'set-cookie')).toBe('session=user2; HttpOnly');
    expect(origin.calls).toBe(2);
    expect(a.stats().stores).toBe(0);
  });

  it('a response to a request with Authorization is not stored: other users never see it', async () => {
    const origin = counted((req, call) => ({
      body: `hello ${req.headers.authorization ?? 'anonymous'} #${call}`,
    }));
    const a = await app([{ path: '/me', cache: { ttl: '1m' }, origin }]);
    const alice = { authorization: 'Bearer alice' };
    const first = await a.request({ url: '/me', headers: alice });
    expect(first.text).toBe('hello Bearer alice #1');
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=authorization');
    const again = await a.request({ url: '/me', headers: alice });
    expect(again.text).toBe('hello Bearer alice #2');
    const anonymous = await a.request({ url: '/me' });
    expect(anonymous.text).toBe('hello anonymous #3');
    expect(origin.calls).toBe(3);
  });

  it('a response to an authorized request that says public is shared', async () => {
    const origin = counted((_req, call) => ({
      headers: { 'cache-control': 'public, max-age=60' },
      body: `catalogue #${call}`,
    }));
    const a = await app([{ path: '/catalogue', cache: true, origin }]);
    await a.request({ url: '/catalogue', headers: { authorization: 'Bearer alice' } });
    const anonymous = await a.request({ url: '/catalogue' });
    expect(anonymous.text).toBe('catalogue #1');
    expect(header(anonymous, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('a route with cacheAuthorized shares what authorized requests got', async () => {
    const origin = counted((_req, call) => ({ body: `report #${call}` }));
    const a = await app([{ path: '/report', cache: { ttl: '1m', cacheAuthorized: true }, origin }]);
    await a.request({ url: '/report', headers: { authorization: 'Bearer alice' } });
    const bob = await a.request({ url: '/report', headers: { authorization: 'Bearer bob' } });
    expect(bob.text).toBe('report #1');
    expect(origin.calls).toBe(1);
  });

  for (const directive of [
    'no-store',
    'private',
    'no-cache',
    'private, max-age=60',
    'no-store, max-age=60',
  ]) {
    it(`Cache-Control: ${directive} from the handler is honoured even under a route ttl`, async () => {
      const origin = versioned({ 'cache-control': directive });
      const a = await app([{ path: '/secret', cache: { ttl: '1m' }, origin }]);
      for (let i = 1; i <= 3; i++) {
        const res = await a.request({ url: '/secret' });
        expect(res.text).toBe(`v${i}`);
        expect(header(res, 'cache-control')).toBe(directive);
        // the first says why; the next ones are passed straight through (hit-for-pass)
        expect(header(res, 'cache-status')).toMatch(/^larder; fwd=miss; detail=[a-z-]+$/);
      }
      expect(origin.calls).toBe(3);
      expect(a.stats().stores).toBe(0);
    });
  }

  it('Vary: * is never stored', async () => {
    const origin = versioned({ vary: '*' });
    const a = await app([{ path: '/star', cache: { ttl: '1m' }, origin }]);
    await a.request({ url: '/star' });
    expect((await a.request({ url: '/star' })).text).toBe('v2');
    expect(origin.calls).toBe(2);
  });

  it('a 500 is not stored: the next request reaches the origin and its good answer is cached later', async () => {
    const origin = counted((_req, call) =>
      call === 1 ? { status: 500, body: 'boom' } : { body: `ok #${call}` },
    );
    const a = await app([{ path: '/flaky', cache: { ttl: '1m' }, origin }]);
    const failed = await a.request({ url: '/flaky' });
    expect(failed.status).toBe(500);
    expect(header(failed, 'cache-status')).toBe('larder; fwd=miss; detail=status');
    const recovered = await a.request({ url: '/flaky' });
    expect(recovered.status).toBe(200);
    expect(recovered.text).toBe('ok #2');
    // issue 11: a 5xx does not make the URL hit-for-pass, so the good answer is stored at once
    const cached = await a.request({ url: '/flaky' });
    expect(cached.text).toBe('ok #2');
    expect(header(cached, 'cache-status')).toMatch(/^larder; hit/);
  });

  it('a handler that throws gets the framework 500 and nothing is stored', async () => {
    const origin = counted((_req, call) => {
      if (call === 1) throw new Error('handler failed');
      return { body: `ok #${call}` };
    });
    const a = await app([{ path: '/throws', cache: { ttl: '1m' }, origin }]);
    const failed = await a.request({ url: '/throws' });
    expect(failed.status).toBe(500);
    const next = await a.request({ url: '/throws' });
    expect(next.status).toBe(200);
    expect(next.text).toBe('ok #2');
  });

  it('a body over maxEntryBytes is sent in full but not stored', async () => {
    const big = 'x'.repeat(2_000);
    const origin = counted(() => ({ body: big }));
    const a = await app([{ path: '/big', cache: { ttl: '1m', maxEntryBytes: 1_000 }, origin }]);
    const first = await a.request({ url: '/big' });
    expect(first.text).toBe(big);
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=too-large');
    expect((await a.request({ url: '/big' })).text).toBe(big);
    expect(origin.calls).toBe(2);
  });

  it('a streamed body over maxEntryBytes is sent in full but not stored', async () => {
    const big = Buffer.alloc(5_000, 0x61);
    const origin = counted(() => ({ body: Readable.from([big.subarray(0, 2_000), big.subarray(2_000)]) }));
    const a = await app([{ path: '/big-stream', cache: { ttl: '1m', maxEntryBytes: 1_000 }, origin }]);
    expect((await a.request({ url: '/big-stream' })).body.equals(big)).toBe(true);
    expect((await a.request({ url: '/big-stream' })).body.equals(big)).toBe(true);
    expect(origin.calls).toBe(2);
    expect(a.stats().stores).toBe(0);
  });
});

contract("the handler's Cache-Control", ({ app }) => {
  it('is passed through unchanged, byte for byte, on the miss and on every hit', async () => {
    const value = 'public,max-age=60 , must-revalidate, x-ext="a, b"';
    const origin = versioned({ 'cache-control': value });
    const a = await app([{ path: '/cc', cache: true, origin }]);
    const miss = await a.request({ url: '/cc' });
    const hit = await a.request({ url: '/cc' });
    expect(header(miss, 'cache-control')).toBe(value);
    expect(header(hit, 'cache-control')).toBe(value);
    expect(header(hit, 'cache-status')).toMatch(/^larder; hit/);
    expect(origin.calls).toBe(1);
  });

  it('is not added when the handler sets none, even though the route has a ttl', async () => {
    const a = await app([{ path: '/none', cache: { ttl: '1m' }, origin: versioned() }]);
    expect(header(await a.request({ url: '/none' }), 'cache-control')).toBeUndefined();
    expect(header(await a.request({ url: '/none' }), 'cache-control')).toBeUndefined();
  });

  for (const malformed of [
    'max-age=abc',
    'max-age=-1',
    'max-age',
    'max-age=60, max-age=30',
    'max-age="60',
    'no-store=1',
    'public; max-age=60',
  ]) {
    it(`a malformed "${malformed}" is not stored and never breaks the response`, async () => {
      const origin = versioned({ 'cache-control': malformed });
      const a = await app([{ path: '/bad', cache: { ttl: '1m' }, origin }]);
      const first = await a.request({ url: '/bad' });
      expect(first.status).toBe(200);
      expect(first.text).toBe('v1');
      expect(header(first, 'cache-control')).toBe(malformed);
      expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=malformed-cache-control');
      const second = await a.request({ url: '/bad' });
      expect(second.status).toBe(200);
      expect(second.text).toBe('v2');
      expect(a.stats().stores).toBe(0);
    });
  }

  it('a malformed Vary is not stored and never breaks the response', async () => {
    const origin = versioned({ vary: 'accept-language, (bad)' });
    const a = await app([{ path: '/bad-vary', cache: { ttl: '1m' }, origin }]);
    const first = await a.request({ url: '/bad-vary' });
    expect(first.status).toBe(200);
    expect(header(first, 'cache-status')).toBe('larder; fwd=miss; detail=malformed-vary');
    expect((await a.request({ url: '/bad-vary' })).text).toBe('v2');
  });
});
