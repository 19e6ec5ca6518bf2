/**
 * Conditional GET (RFC 9110 section 13): whether a stored or fresh response may be answered with
 * `304 Not Modified`, and what a 304 carries.
 */
import { headerString } from './headers.js';
import { parseHttpDate } from './http-date.js';
import type { HeaderMap } from './types.js';

/**
 * The opaque tags of an entity-tag list (`"a", W/"b"`), weakness dropped since `If-None-Match` uses
 * the weak comparison (RFC 9110 section 8.8.3.2); `undefined` when the list is malformed.
 */
export function opaqueTags(text: string): string[] | undefined {
  const tags: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === ',') {
      i++;
      continue;
    }
    if (text.startsWith('W/', i)) i += 2;
    if (text[i] !== '"') return undefined;
    const end = text.indexOf('"', i + 1);
    if (end === -1) return undefined;
    tags.push(text.slice(i + 1, end));
    i = end + 1;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i < n && text[i] !== ',') return undefined;
  }
  return tags;
}

/**
 * Whether a GET or HEAD request with `requestHeaders` may be answered `304 Not Modified` from a
 * response with status `status` and `responseHeaders`, by RFC 9110 section 13.2.2's order:
 * `If-None-Match` when present (a list, `*`, weak comparison, section 13.1.2); otherwise
 * `If-Modified-Since` when the response has a `Last-Modified` (else a `Date`, RFC 9111 section 4.3.2)
 * at or before it (section 13.1.3; an invalid date or a list is ignored). Only 200 and 203 responses are representations a 304 can
 * stand for.
 */
export function isNotModified(
  requestHeaders: Readonly<HeaderMap>,
  status: number,
  responseHeaders: Readonly<HeaderMap>,
): boolean {
  if (status !== 200 && status !== 203) return false;
  const inm = headerString(requestHeaders['if-none-match']);
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const etag = headerString(responseHeaders.etag);
    if (etag === undefined) return false;
    const [own] = opaqueTags(etag.trim()) ?? [];
    if (own === undefined) return false;
    return opaqueTags(inm)?.includes(own) ?? false;
  }
  const ims = headerString(requestHeaders['if-modified-since']);
  if (ims === undefined) return false;
  // a list of dates fails to parse as one date, and so is ignored, as section 13.1.3 requires
  const since = parseHttpDate(ims);
  // without a Last-Modified, the response's Date stands for it (RFC 9111 section 4.3.2)
  const lastModified =
    parseHttpDate(headerString(responseHeaders['last-modified'])) ??
    parseHttpDate(headerString(responseHeaders.date));
  return since !== undefined && lastModified !== undefined && lastModified <= since;
}

/** Whether the request carries a validator the engine evaluates. */
export function isConditional(requestHeaders: Readonly<HeaderMap>): boolean {
  return requestHeaders['if-none-match'] !== undefined || requestHeaders['if-modified-since'] !== undefined;
}

/**
 * The fields a 304 carries (RFC 9110 section 15.4.5: those a 200 would have sent of Content-Location,
 * Date, ETag, Vary, Cache-Control and Expires; plus Last-Modified, which lets the client keep
 * validating by date).
 */
const NOT_MODIFIED_FIELDS = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'last-modified',
  'vary',
];

/** The headers of a 304 answering for a response with `headers`. */
export function notModifiedHeaders(headers: Readonly<HeaderMap>): HeaderMap {
  const out: HeaderMap = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
