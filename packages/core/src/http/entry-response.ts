/**
 * Turning a stored entry into the response a request gets: the replayed headers plus `Age` and
 * `Cache-Status`, a 304 when the request's validators match, no body for HEAD.
 */
import { appendCacheStatus, type CacheStatusParams, formatCacheStatus } from './cache-status.js';
import { isNotModified, notModifiedHeaders } from './conditional.js';
import { currentAge } from './freshness.js';
import type { HeaderMap, RequestLike, ResponseToSend, StoredEntry } from './types.js';

/** The body of HEAD, 204 and 304 responses. */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);

/**
 * The response to `req` from `entry` at `now`, with `Age` (RFC 9111 section 5.1) and a
 * `Cache-Status` member for cache `name` with `params` (RFC 9211). The entry is not modified; its body
 * is shared, so callers must not write to it.
 */
export function entryResponse(
  entry: StoredEntry,
  req: RequestLike,
  now: number,
  name: string,
  params: CacheStatusParams,
): ResponseToSend {
  const age = String(currentAge(entry, now));
  const status = appendCacheStatus(entry.headers['cache-status'], formatCacheStatus(name, params));
  if (isNotModified(req.headers, entry.status, entry.headers)) {
    const headers: HeaderMap = notModifiedHeaders(entry.headers);
    headers.age = age;
    headers['cache-status'] = status;
    return { status: 304, headers, body: EMPTY_BODY };
  }
  // Object.assign then plain writes: V8 turns a spread followed by extra properties into a
  // dictionary-mode object, several times slower on this, the hottest path
  const headers: HeaderMap = Object.assign({}, entry.headers);
  headers.age = age;
  headers['cache-status'] = status;
  return {
    status: entry.status,
    headers,
    body: req.method.toUpperCase() === 'HEAD' ? EMPTY_BODY : entry.body,
  };
}
