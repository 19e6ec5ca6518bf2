import { expect, it } from 'vitest';
import { contract, counted, header } from './support.js';

const LAST_MODIFIED = 'Tue, 14 Nov 2023 22:00:00 GMT';

contract('revalidation of stale responses (RFC 9111 section 4.3)', ({ app, clock }) => {
  /** A handler that answers 304 when the request's If-None-Match is its current ETag, as res.send does. */
  function tagged(state: { etag: string; body: string; extra?: Record<string, string> }) {
    const seen: (string | string[] | undefined)[] = [];
    const origin = counted((req) => {
      seen.push(req.headers['if-none-match']);
      const headers = { etag: state.etag, ...state.extra };
      if (req.headers['if-none-match'] === state.etag) return { status: 304, headers };
      return { headers: { ...headers, 'content-type': 'text/plain' }, body: state.body };
    });
    return Object.assign(origin, { seen });
  }

  it('the handler gets If-None-Match; its 304 freshens the stored headers and the stored body is served', async () => {
    const state = { etag: '"r1"', body: 'stored body', extra: { 'x-version': 'a' } };
    const origin = tagged(state);
    const a = await app([{ path: '/doc', cache: { ttl: '10s' }, origin }]);
    await a.request({ url: '/doc' });
    clock.advance(15_000);
    state.extra = { 'x-version': 'b' };
    const revalidated = await a.request({ url: '/doc' });
    expect(origin.seen).toEqual([undefined, '"r1"']);
    expect(revalidated.status).toBe(200);
    expect(revalidated.text).toBe('stored body');
    expect(header(revalidated, 'x-version')).toBe('b');
    expect(header(revalidated, 'content-length')).toBe('11');
    expect(header(revalidated, 'cache-status')).toBe('larder; fwd=stale; fwd-status=304; stored');
    const hit = await a.request({ url: '/doc' });
    expect(header(hit, 'cache-status')).toMatch(/^larder; hit/);
    expect(header(hit, 'x-version')).toBe('b');
    expect(origin.calls).toBe(2);
  });

  it('a client whose own If-None-Match matches gets a 304; a 200 from the handler replaces the entry', async () => {
    const state = { etag: '"r1"', body: 'one' };
    const origin = tagged(state);
    const a = await app([{ path: '/doc', cache: { ttl: '10s' }, origin }]);
    await a.request({ url: '/doc' });
    clock.advance(15_000);
    const conditional = await a.request({ url: '/doc', headers: { 'if-none-match': '"r1"' } });
    expect(conditional.status).toBe(304);
    expect(conditional.body.length).toBe(0);
    clock.advance(15_000);
    Object.assign(state, { etag: '"r2"', body: 'two' });
    const replaced = await a.request({ url: '/doc' });
    expect(replaced.text).toBe('two');
    expect(header(replaced, 'cache-status')).toBe('larder; fwd=stale; stored');
    expect((await a.request({ url: '/doc' })).text).toBe('two');
  });

  it('a response with only Last-Modified is revalidated with If-Modified-Since', async () => {
    const since: unknown[] = [];
    const origin = counted((req) => {
      since.push(req.headers['if-modified-since']);
      const headers = { 'last-modified': LAST_MODIFIED };
      return req.headers['if-modified-since'] === LAST_MODIFIED
        ? { status: 304, headers }
        : { headers, body: 'dated' };
    });
    const a = await app([{ path: '/dated', cache: { ttl: '10s' }, origin }]);
    await a.request({ url: '/dated' });
    clock.advance(15_000);
    const revalidated = await a.request({ url: '/dated' });
    expect(since).toEqual([undefined, LAST_MODIFIED]);
    expect(revalidated.text).toBe('dated');
    expect(header(revalidated, 'cache-status')).toBe('larder; fwd=stale; fwd-status=304; stored');
  });

  it('request only-if-cached gets the stored response, or a 504 without calling the handler', async () => {
    const origin = counted(() => ({ headers: { 'cache-control': 'max-age=60' }, body: 'x' }));
    const a = await app([{ path: '/x', cache: true, origin }]);
    const none = await a.request({ url: '/x', headers: { 'cache-control': 'only-if-cached' } });
    expect(none.status).toBe(504);
    expect(origin.calls).toBe(0);
    await a.request({ url: '/x' });
    const stored = await a.request({ url: '/x', headers: { 'cache-control': 'only-if-cached' } });
    expect(stored.text).toBe('x');
    expect(origin.calls).toBe(1);
  });
});
