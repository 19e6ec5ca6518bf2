/**
 * Turning a stored entry into the response a request gets: the replayed headers plus `Age` and
 * `Cache-Status`, a 304 when the request's validators match, a 206 (or 416) for a `Range` request,
 * no body for HEAD.
 */

import type { StoredEntry } from '../store/types.js';
import { appendCacheStatus, type CacheStatusParams, formatCacheStatus } from './cache-status.js';
import { isNotModified, notModifiedHeaders } from './conditional.js';
import { currentAge } from './freshness.js';
import { rangeAnswer } from './range.js';
import type { HeaderMap, RequestLike, ResponseToSend } from './types.js';

/** The body of HEAD, 204 and 304 responses. */
export const EMPTY_BODY: Uint8Array = new Uint8Array(0);

/**
 * The headers of the plain hits of one entry (`Cache-Status: <name>; hit; ttl=N`) at one `Age` and
 * one `ttl`: both are whole seconds, so every hit of the same second sends the same headers.
 */
interface HitHeaders {
  readonly name: string;
  readonly age: number;
  readonly ttl: number;
  readonly headers: Readonly<HeaderMap>;
  /** The whole response to a GET plain hit: the same for every one of that second. */
  readonly response: Readonly<ResponseToSend>;
}

/**
 * Per entry, the headers its last plain hit sent. Weak: an entry the store dropped takes its memo
 * with it, and nothing is added to the entry itself (stores may serialise it).
 */
const hitHeaders = new WeakMap<StoredEntry, HitHeaders>();
/**
 * Per entry, the headers its last collapsed hit sent (`Cache-Status: <name>; hit; collapsed`): the
 * requests that waited for one fill are answered in one burst (hundreds on a cold key), all of the
 * same entry and, but at a second's boundary, the same `Age`; they share one prepared response.
 */
const collapsedHeaders = new WeakMap<StoredEntry, HitHeaders>();

/** Whether `params` say a hit and nothing else the memoised hits leave out (fwd, stored, key, detail). */
function isBareHit(params: CacheStatusParams): boolean {
  return (
    params.hit === true &&
    params.fwd === undefined &&
    params.fwdStatus === undefined &&
    params.stored !== true &&
    params.key === undefined &&
    params.detail === undefined
  );
}

/** Whether `params` are exactly `{ hit: true, ttl }`, what the engine passes for a fresh hit. */
function isPlainHit(params: CacheStatusParams): params is CacheStatusParams & { ttl: number } {
  return params.ttl !== undefined && params.collapsed !== true && isBareHit(params);
}

/** Whether `params` are exactly `{ hit: true, collapsed: true }`: a request that waited for a fill. */
function isCollapsedHit(params: CacheStatusParams): boolean {
  return params.collapsed === true && params.ttl === undefined && isBareHit(params);
}

/**
 * The memo of `memos` for `entry` at `age` (and `ttl`, `name`): made, frozen, on the first response
 * that differs from the last one.
 */
function memoized(
  memos: WeakMap<StoredEntry, HitHeaders>,
  entry: StoredEntry,
  age: number,
  ttl: number,
  name: string,
  params: CacheStatusParams,
): HitHeaders {
  let memo = memos.get(entry);
  if (memo === undefined || memo.age !== age || memo.ttl !== ttl || memo.name !== name) {
    const status = appendCacheStatus(entry.headers['cache-status'], formatCacheStatus(name, params));
    const prepared = Object.freeze(withAgeAndStatus(entry, age, status));
    const response = Object.freeze({ status: entry.status, headers: prepared, body: entry.body });
    memo = { name, age, ttl, headers: prepared, response };
    memos.set(entry, memo);
  }
  return memo;
}

/** The entry's headers with `Age` and our `Cache-Status` member. */
function withAgeAndStatus(entry: StoredEntry, age: number, status: string): HeaderMap {
  // Object.assign then plain writes: V8 turns a spread followed by extra properties into a
  // dictionary-mode object, several times slower on this, the hottest path
  const headers: HeaderMap = Object.assign({}, entry.headers);
  headers.age = String(age);
  headers['cache-status'] = status;
  return headers;
}

/**
 * The response to `req` from `entry` at `now`, with `Age` (RFC 9111 section 5.1) and a
 * `Cache-Status` member for cache `name` with `params` (RFC 9211). The entry is not modified. Its
 * body is shared, and so are the headers of plain and collapsed hits and, for GET, the whole response
 * (they are the same for every such hit of an entry within one second, and frozen): callers must not
 * write to them.
 */
export function entryResponse(
  entry: StoredEntry,
  req: RequestLike,
  now: number,
  name: string,
  params: CacheStatusParams,
): ResponseToSend {
  const age = currentAge(entry, now);
  if (isNotModified(req.headers, entry.status, entry.headers)) {
    const headers: HeaderMap = notModifiedHeaders(entry.headers);
    headers.age = String(age);
    headers['cache-status'] = appendCacheStatus(
      entry.headers['cache-status'],
      formatCacheStatus(name, params),
    );
    return { status: 304, headers, body: EMPTY_BODY };
  }
  if (req.headers.range !== undefined && entry.status === 200 && !isHead(req.method)) {
    const partial = rangeResponse(entry, req, age, name, params);
    if (partial !== undefined) return partial;
  }
  let headers: Readonly<HeaderMap>;
  const plain = isPlainHit(params);
  if (plain || isCollapsedHit(params)) {
    const memo = plain
      ? memoized(hitHeaders, entry, age, Math.trunc(params.ttl), name, params)
      : memoized(collapsedHeaders, entry, age, 0, name, params);
    if (!isHead(req.method)) return memo.response as ResponseToSend;
    headers = memo.headers;
  } else {
    headers = withAgeAndStatus(
      entry,
      age,
      appendCacheStatus(entry.headers['cache-status'], formatCacheStatus(name, params)),
    );
  }
  return {
    status: entry.status,
    headers: headers as HeaderMap,
    body: isHead(req.method) ? EMPTY_BODY : entry.body,
  };
}

/**
 * A 206 or 416 for a `Range` request on a stored 200 (RFC 9110 section 14), or `undefined` when
 * the whole response is the answer.
 */
function rangeResponse(
  entry: StoredEntry,
  req: RequestLike,
  age: number,
  name: string,
  params: CacheStatusParams,
): ResponseToSend | undefined {
  const length = entry.body.byteLength;
  const answer = rangeAnswer(req.headers, entry.headers, length);
  if (answer.kind === 'full') return undefined;
  const headers = withAgeAndStatus(
    entry,
    age,
    appendCacheStatus(entry.headers['cache-status'], formatCacheStatus(name, params)),
  );
  if (answer.kind === 'unsatisfiable') {
    headers['content-range'] = `bytes */${length}`;
    headers['content-length'] = '0';
    return { status: 416, headers, body: EMPTY_BODY };
  }
  headers['content-range'] = `bytes ${answer.start}-${answer.end}/${length}`;
  headers['content-length'] = String(answer.end - answer.start + 1);
  return { status: 206, headers, body: entry.body.subarray(answer.start, answer.end + 1) };
}

/** `HEAD`, in any case (RFC 9110 section 9.1: methods are case-sensitive, but Node upper-cases them). */
function isHead(method: string): boolean {
  return method === 'HEAD' || (method.length === 4 && method.toUpperCase() === 'HEAD');
}
