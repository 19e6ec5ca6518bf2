import { afterEach, describe, expect, it, vi } from 'vitest';
import { isNotModified } from '../../src/http/conditional.js';
import type { RequestLike, ResponseLike } from '../../src/http/types.js';
import { get, Harness, header, type Origin, res, settle } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cache.close();
});

function harness(options: ConstructorParameters<typeof Harness>[0] = {}): Harness {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
}

const LM = 'Wed, 01 Jan 2020 00:00:00 GMT';

/**
 * An origin that, like Express's `res.send`, answers 304 when the request's conditions match the
 * representation it would send, and records the conditional fields it was given.
 */
function validatingOrigin(state: {
  etag?: string;
  lastModified?: string;
  body: string;
  extra?: Record<string, string>;
}) {
  const seen: { inm: unknown; ims: unknown }[] = [];
  const origin: Origin = (req: RequestLike): ResponseLike => {
    seen.push({ inm: req.headers['if-none-match'], ims: req.headers['if-modified-since'] });
    const headers: Record<string, string> = { 'cache-control': 'max-age=10', ...state.extra };
    if (state.etag !== undefined) headers.etag = state.etag;
    if (state.lastModified !== undefined) headers['last-modified'] = state.lastModified;
    if (isNotModified(req.headers, 200, headers)) return res(304, headers);
    return res(200, { ...headers, 'content-type': 'text/plain' }, state.body);
  };
  return { origin, seen };
}

describe('revalidation of a stale stored response (RFC 9111 section 4.3)', () => {
  it('runs the handler with If-None-Match; its 304 freshens the stored headers and the stored body is served', async () => {
    const h = harness();
    const state = { etag: '"v1"', body: 'one', extra: { 'x-version': 'a' } };
    const { origin, seen } = validatingOrigin(state);
    await h.send(get('/r'), origin);
    h.advance(15_000);
    state.extra = { 'x-version': 'b' };
    const r = await h.send(get('/r'), origin);
    expect(seen[1]).toEqual({ inm: '"v1"', ims: undefined });
    expect(r.status).toBe(200);
    expect(r.text).toBe('one');
    expect(header(r, 'x-version')).toBe('b');
    expect(header(r, 'content-length')).toBe('3');
    expect(header(r, 'content-type')).toBe('text/plain');
    expect(header(r, 'cache-status')).toBe('larder; fwd=stale; fwd-status=304; stored');
    // fresh again for the 304's max-age: a hit, with the freshened headers
    h.advance(5_000);
    const hit = await h.send(get('/r'), origin);
    expect(hit.kind).toBe('hit');
    expect(hit.text).toBe('one');
    expect(header(hit, 'x-version')).toBe('b');
    expect(header(hit, 'age')).toBe('5');
    expect(h.originCalls).toBe(2);
  });

  it('answers the client 304 when its own If-None-Match matches what the revalidation left stored', async () => {
    const h = harness();
    const { origin } = validatingOrigin({ etag: '"v1"', body: 'one' });
    await h.send(get('/r'), origin);
    h.advance(15_000);
    const r = await h.send(get('/r', { 'if-none-match': '"v1"' }), origin);
    expect(r.status).toBe(304);
    expect(r.text).toBe('');
    expect(header(r, 'etag')).toBe('"v1"');
  });

  it('joins the client’s own entity tags, and passes on a 304 that answers for the client’s copy only', async () => {
    const h = harness();
    const state = { etag: '"v1"', body: 'one' };
    const { origin, seen } = validatingOrigin(state);
    await h.send(get('/r'), origin);
    h.advance(15_000);
    state.etag = '"v2"';
    const r = await h.send(get('/r', { 'if-none-match': '"v2"' }), origin);
    expect(seen[1]?.inm).toBe('"v2", "v1"');
    expect(r.status).toBe(304);
    // the stored response was not freshened by it: the next request revalidates again
    const next = await h.send(get('/r'), origin);
    expect(seen[2]?.inm).toBe('"v1"');
    expect(next.status).toBe(200);
    expect(next.text).toBe('one');
  });

  it('replaces the stored response when the handler answers 200', async () => {
    const h = harness();
    const state = { etag: '"v1"', body: 'one' };
    const { origin } = validatingOrigin(state);
    await h.send(get('/r'), origin);
    h.advance(15_000);
    Object.assign(state, { etag: '"v2"', body: 'two' });
    const r = await h.send(get('/r'), origin);
    expect(r.text).toBe('two');
    expect(header(r, 'cache-status')).toBe('larder; fwd=stale; stored');
    const hit = await h.send(get('/r'), origin);
    expect(hit.kind).toBe('hit');
    expect(hit.text).toBe('two');
  });

  it('validates by Last-Modified with If-Modified-Since, and never sends an ETag the engine generated', async () => {
    const h = harness();
    const { origin, seen } = validatingOrigin({ lastModified: LM, body: 'one' });
    const first = await h.send(get('/r'), origin);
    expect(header(first, 'etag')).toMatch(/^"/);
    h.advance(15_000);
    const r = await h.send(get('/r', { 'if-none-match': '"other"' }), origin);
    expect(seen[1]).toEqual({ inm: undefined, ims: LM });
    expect(r.status).toBe(200);
    expect(r.text).toBe('one');
    expect(header(r, 'cache-status')).toBe('larder; fwd=stale; fwd-status=304; stored');
  });

  it('keeps a response with a validator past its stale windows for `keep`, and one without none', async () => {
    const h = harness({ keep: '1m' });
    const { origin: tagged } = validatingOrigin({ etag: '"v1"', body: 'one' });
    const plain: Origin = () => res(200, { 'cache-control': 'max-age=10' }, 'plain');
    await h.send(get('/tagged'), tagged);
    await h.send(get('/plain'), plain);
    h.advance(50_000);
    expect(header(await h.send(get('/tagged'), tagged), 'cache-status')).toBe(
      'larder; fwd=stale; fwd-status=304; stored',
    );
    expect(header(await h.send(get('/plain'), plain), 'cache-status')).toBe('larder; fwd=miss; stored');
  });

  it('stores a no-cache response with a validator and revalidates it on every use', async () => {
    const h = harness();
    const seen: unknown[] = [];
    const origin: Origin = (req) => {
      seen.push(req.headers['if-none-match']);
      const headers = { 'cache-control': 'no-cache', etag: '"n1"' };
      return req.headers['if-none-match'] === '"n1"' ? res(304, headers) : res(200, headers, 'body');
    };
    for (let i = 0; i < 3; i++) {
      const r = await h.send(get('/n'), origin);
      expect(r.text).toBe('body');
    }
    expect(seen).toEqual([undefined, '"n1"', '"n1"']);
  });

  it('takes a 304 as the client’s answer when the adapter did not give the handler the validators', async () => {
    const h = harness();
    const { origin } = validatingOrigin({ etag: '"v1"', body: 'one' });
    await h.send(get('/r'), origin);
    h.advance(15_000);
    const result = await h.cache.lookup(get('/r', { 'if-none-match': '"v1"' }));
    expect(result.kind).toBe('miss');
    if (result.kind !== 'miss') return;
    const sent = result.fill.commit(res(304, { etag: '"v1"' }));
    expect(sent.status).toBe(304);
    expect(header(sent, 'cache-status')).toContain('fwd=stale');
  });

  it('revalidates in a stale-while-revalidate refresh: the refresh’s 304 freshens the entry', async () => {
    const state = {
      etag: '"v1"',
      body: 'one',
      extra: { 'cache-control': 'max-age=10, stale-while-revalidate=60', 'x-n': '1' },
    };
    const { origin, seen } = validatingOrigin(state);
    const revalidate = vi.fn(async (req: RequestLike) => {
      await h.send(req, origin);
    });
    const h = harness({ revalidate });
    await h.send(get('/s'), origin);
    h.advance(15_000);
    state.extra = { ...state.extra, 'x-n': '2' };
    const stale = await h.send(get('/s'), origin);
    expect(stale.kind).toBe('stale');
    await settle();
    expect(revalidate).toHaveBeenCalledTimes(1);
    expect(seen[1]?.inm).toBe('"v1"');
    const hit = await h.send(get('/s'), origin);
    expect(hit.kind).toBe('hit');
    expect(hit.text).toBe('one');
    expect(header(hit, 'x-n')).toBe('2');
  });
});

describe('request directives (RFC 9111 section 5.2.1)', () => {
  const fresh: Origin = () => res(200, { 'cache-control': 'max-age=10' }, 'body');

  it('serves a stale response within max-stale, but not one that says must-revalidate', async () => {
    const h = harness();
    // kept past freshness for its validator
    await h.send(get('/a'), () => res(200, { 'cache-control': 'max-age=10', etag: '"e"' }, 'body'));
    await h.send(get('/m'), () =>
      res(200, { 'cache-control': 'max-age=10, must-revalidate', etag: '"e"' }, 'm'),
    );
    h.advance(15_000);
    const within = await h.send(get('/a', { 'cache-control': 'max-stale=10' }), fresh);
    expect(within.kind).toBe('hit');
    expect(header(within, 'cache-status')).toBe('larder; hit; ttl=-5');
    expect((await h.send(get('/a', { 'cache-control': 'max-stale=4' }), fresh)).originCalled).toBe(true);
    expect((await h.send(get('/m', { 'cache-control': 'max-stale' }), fresh)).originCalled).toBe(true);
  });

  it('answers only-if-cached with the stored response, or a 504 without asking the origin', async () => {
    const h = harness();
    await h.send(get('/a'), fresh);
    expect((await h.send(get('/a', { 'cache-control': 'only-if-cached' }), fresh)).text).toBe('body');
    const none = await h.send(get('/b', { 'cache-control': 'only-if-cached' }), fresh);
    expect(none.status).toBe(504);
    expect(none.originCalled).toBe(false);
    expect(header(none, 'cache-status')).toBe('larder; detail=only-if-cached');
  });

  it('honours max-age, min-fresh and no-cache only with honorClientNoCache', async () => {
    const off = harness();
    const on = harness({ honorClientNoCache: true });
    for (const h of [off, on]) await h.send(get('/a'), fresh);
    off.advance(4_000);
    on.advance(4_000);
    // after the first forward, the entry `on` holds is new (age 0, fresh for 10 s)
    for (const cc of ['max-age=3', 'min-fresh=11', 'no-cache']) {
      expect((await off.send(get('/a', { 'cache-control': cc }), fresh)).kind).toBe('hit');
      expect((await on.send(get('/a', { 'cache-control': cc }), fresh)).originCalled).toBe(true);
    }
    expect((await on.send(get('/a', { 'cache-control': 'max-age=5, min-fresh=1' }), fresh)).kind).toBe('hit');
  });
});
