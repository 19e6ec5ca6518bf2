import { describe, expect, it } from 'vitest';
import { isConditional, isNotModified, notModifiedHeaders } from '../../src/http/conditional.js';

const etag = { etag: '"abc"', 'last-modified': 'Sun, 06 Nov 1994 08:49:37 GMT' };

describe('isNotModified', () => {
  it('matches If-None-Match by weak comparison, in lists, and *', () => {
    expect(isNotModified({ 'if-none-match': '"abc"' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-none-match': 'W/"abc"' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"abc"' }, 200, { etag: 'W/"abc"' })).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x", W/"y" , "abc"' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-none-match': ['"x"', '"abc"'] }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x"' }, 200, etag)).toBe(false);
    expect(isNotModified({ 'if-none-match': 'abc' }, 200, etag)).toBe(false);
    expect(isNotModified({ 'if-none-match': '"abc"' }, 200, {})).toBe(false);
  });

  it('ignores If-Modified-Since when If-None-Match is present', () => {
    const headers = { 'if-none-match': '"other"', 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' };
    expect(isNotModified(headers, 200, etag)).toBe(false);
  });

  it('matches If-Modified-Since at or after Last-Modified', () => {
    expect(isNotModified({ 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Mon, 07 Nov 1994 08:49:37 GMT' }, 200, etag)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Sat, 05 Nov 1994 08:49:37 GMT' }, 200, etag)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, 200, etag)).toBe(false);
    expect(
      isNotModified({ 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }, 200, { etag: '"x"' }),
    ).toBe(false);
  });

  it('only answers for 200 and 203 representations', () => {
    expect(isNotModified({ 'if-none-match': '*' }, 404, etag)).toBe(false);
    expect(isNotModified({ 'if-none-match': '*' }, 203, etag)).toBe(true);
  });
});

it('isConditional sees either validator', () => {
  expect(isConditional({})).toBe(false);
  expect(isConditional({ 'if-none-match': '"a"' })).toBe(true);
  expect(isConditional({ 'if-modified-since': 'x' })).toBe(true);
});

it('notModifiedHeaders keeps the fields of RFC 9110 section 15.4.5 and Last-Modified', () => {
  const h = notModifiedHeaders({
    'cache-control': 'max-age=60',
    'content-location': '/a',
    date: 'd',
    etag: '"a"',
    expires: 'e',
    'last-modified': 'l',
    vary: 'accept',
    'content-type': 'text/plain',
    'content-length': '5',
    'x-custom': '1',
  });
  expect(Object.keys(h).sort()).toEqual([
    'cache-control',
    'content-location',
    'date',
    'etag',
    'expires',
    'last-modified',
    'vary',
  ]);
});
