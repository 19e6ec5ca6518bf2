import { describe, expect, it } from 'vitest';
import { strongEtag } from '../../src/http/etag.js';
import {
  freshenedHeaders,
  originValidators,
  selectsStored,
  validationRequest,
} from '../../src/http/validation.js';
import type { StoredEntry } from '../../src/store/types.js';

const LM = 'Wed, 01 Jan 2020 00:00:00 GMT';

function entry(headers: Record<string, string | string[]>, body = 'hello'): StoredEntry {
  return {
    status: 200,
    headers,
    body: new TextEncoder().encode(body),
    storedAt: 0,
    initialAge: 0,
    staleAt: 1,
    staleWhileRevalidateUntil: 1,
    staleIfErrorUntil: 1,
    expiresAt: 10,
    tags: [],
  };
}

describe('originValidators', () => {
  it('takes the handler’s ETag and a valid Last-Modified', () => {
    expect(originValidators(entry({ etag: 'W/"5-abc"', 'last-modified': LM }))).toEqual({
      etag: 'W/"5-abc"',
      lastModified: LM,
    });
  });

  it('leaves out an ETag the engine generated from the body, and an invalid date', () => {
    const body = 'hello';
    const generated = strongEtag(new TextEncoder().encode(body));
    expect(originValidators(entry({ etag: generated }, body))).toBeUndefined();
    expect(originValidators(entry({ etag: generated, 'last-modified': LM }, body))).toEqual({
      lastModified: LM,
    });
    expect(originValidators(entry({ 'last-modified': 'yesterday' }))).toBeUndefined();
    expect(originValidators(entry({ etag: 'not-quoted' }))).toBeUndefined();
  });
});

describe('validationRequest', () => {
  it('sends the stored validators, replacing the client’s fields', () => {
    expect(
      validationRequest(
        { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' },
        { etag: '"a"', lastModified: LM },
      ),
    ).toEqual({ headers: { 'if-none-match': '"a"', 'if-modified-since': LM }, withClientTags: false });
  });

  it('joins the client’s entity tags to the stored one (RFC 9111 section 4.3.2)', () => {
    expect(validationRequest({ 'if-none-match': '"x", W/"y"' }, { etag: '"a"' })).toEqual({
      headers: { 'if-none-match': '"x", W/"y", "a"', 'if-modified-since': undefined },
      withClientTags: true,
    });
  });

  it('sends only the stored tag when the client’s list holds it, or is *', () => {
    expect(
      validationRequest({ 'if-none-match': '"x", W/"a"' }, { etag: '"a"' }).headers['if-none-match'],
    ).toBe('"a"');
    expect(validationRequest({ 'if-none-match': '*' }, { etag: '"a"' }).withClientTags).toBe(false);
  });

  it('drops the client’s If-None-Match when the stored response has no ETag', () => {
    expect(validationRequest({ 'if-none-match': '"x"' }, { lastModified: LM })).toEqual({
      headers: { 'if-none-match': undefined, 'if-modified-since': LM },
      withClientTags: false,
    });
  });
});

describe('selectsStored', () => {
  const ours = validationRequest({}, { etag: '"a"' });
  const union = validationRequest({ 'if-none-match': '"x"' }, { etag: '"a"' });

  it('when only the stored validators were sent, is true unless the 304 names another tag', () => {
    expect(selectsStored({}, ours, { etag: '"a"' })).toBe(true);
    expect(selectsStored({ etag: '"a"' }, ours, { etag: '"a"' })).toBe(true);
    expect(selectsStored({ etag: '"b"' }, ours, { etag: '"a"' })).toBe(false);
    expect(selectsStored({ etag: '"a", "b"' }, ours, { etag: '"a"' })).toBe(false);
    expect(
      selectsStored({ etag: '"a"' }, validationRequest({}, { lastModified: LM }), { lastModified: LM }),
    ).toBe(false);
  });

  it('RFC 9111 section 4.3.4: a weak 304 tag matches weakly, a strong one needs the same strong tag', () => {
    expect(selectsStored({ etag: 'W/"a"' }, ours, { etag: '"a"' })).toBe(true);
    expect(selectsStored({ etag: 'W/"a"' }, ours, { etag: 'W/"a"' })).toBe(true);
    expect(selectsStored({ etag: '"a"' }, ours, { etag: 'W/"a"' })).toBe(false);
  });

  it('with the client’s tags, needs the stored tag in the 304’s ETag', () => {
    expect(selectsStored({ etag: 'W/"a"' }, union, { etag: '"a"' })).toBe(true);
    expect(selectsStored({ etag: '"x"' }, union, { etag: '"a"' })).toBe(false);
    expect(selectsStored({}, union, { etag: '"a"' })).toBe(false);
  });
});

describe('freshenedHeaders', () => {
  const stored = {
    'content-type': 'text/plain',
    'content-length': '36',
    'test-header': 'A',
    'cache-control': 'max-age=1',
    etag: '"a"',
  };

  it('replaces the fields the 304 carries and keeps the others (RFC 9111 section 4.3.4)', () => {
    expect(
      freshenedHeaders(stored, { 'test-header': 'B', 'cache-control': 'max-age=3600', 'x-new': ['1', '2'] }),
    ).toEqual({ ...stored, 'test-header': 'B', 'cache-control': 'max-age=3600', 'x-new': ['1', '2'] });
  });

  it('never updates Content-Length, Content-Range, hop-by-hop fields, Age, or the dropped names', () => {
    const out = freshenedHeaders(
      stored,
      {
        'content-length': '10',
        'content-range': 'bytes 0-1/2',
        connection: 'x-hop',
        'x-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        age: '30',
        'x-larder-revalidate': 'secret',
      },
      ['x-larder-revalidate'],
    );
    expect(out).toEqual(stored);
  });

  it('never updates what the stored body depends upon: its Content-Encoding and Content-MD5', () => {
    const encoded = { ...stored, 'content-encoding': 'br' };
    expect(
      freshenedHeaders(encoded, { 'content-encoding': 'gzip', 'content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==' }),
    ).toEqual(encoded);
    expect(freshenedHeaders(stored, { 'content-encoding': 'gzip' })).toEqual(stored);
  });
});
