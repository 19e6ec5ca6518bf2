/**
 * The `Cache-Status` response header (RFC 9211), serialised as a Structured Field list member
 * (RFC 8941): the cache's name, then its parameters.
 */
import { headerString } from './headers.js';
import type { HeaderValue } from './types.js';

/** The `fwd` values of RFC 9211 section 2.2: why the request went forward to the origin. */
export type ForwardReason =
  | 'bypass'
  | 'method'
  | 'uri-miss'
  | 'vary-miss'
  | 'miss'
  | 'request'
  | 'stale'
  | 'partial';

/** The parameters of one `Cache-Status` member (RFC 9211 section 2). */
export interface CacheStatusParams {
  /** Served from cache without going forward (section 2.1). */
  hit?: boolean;
  /** Why the request went forward (section 2.2). */
  fwd?: ForwardReason;
  /** The status the origin answered when it differs from the one sent (section 2.3). */
  fwdStatus?: number;
  /** Remaining freshness in seconds, negative when stale (section 2.4). */
  ttl?: number;
  /** The response was stored (section 2.5). */
  stored?: boolean;
  /** Answered by another request's fill (section 2.6). */
  collapsed?: boolean;
  /** Implementation-specific key (section 2.7). */
  key?: string;
  /** Implementation-specific detail, such as why a response was not stored (section 2.8). */
  detail?: string | undefined;
}

const SF_TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

/** An sf-string (RFC 8941 section 3.3.3): printable ASCII, with `"` and `\` escaped. */
function sfString(value: string): string {
  // sf-strings carry only printable ASCII; anything else is replaced rather than sent invalid
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A token when it is one, else an sf-string: both are valid for a cache name and for `detail`. */
function tokenOrString(value: string): string {
  return SF_TOKEN.test(value) ? value : sfString(value);
}

/** The last cache name serialised, and its serialisation: an engine formats the same name every time. */
let lastName = '';
let lastNameItem = '';

/** The largest magnitude of an sf-integer (RFC 8941 section 3.3.1: at most 15 digits). */
const SF_INTEGER_MAX = 999_999_999_999_999;

/**
 * `n` as an sf-integer: truncated, clamped to 15 digits (a tampered or far-future entry must not
 * produce a field that parsers reject), `undefined` when not a number.
 */
function sfInteger(n: number): string | undefined {
  if (Number.isNaN(n)) return undefined;
  const t = Math.trunc(Math.max(-SF_INTEGER_MAX, Math.min(SF_INTEGER_MAX, n)));
  return t === 0 ? '0' : String(t);
}

/** {@link tokenOrString} of a cache name, remembered: it would run a regex on every response. */
function nameItem(name: string): string {
  if (name !== lastName || lastNameItem === '') {
    lastNameItem = tokenOrString(name);
    lastName = name;
  }
  return lastNameItem;
}

/**
 * Format one `Cache-Status` member: `formatCacheStatus('larder', { hit: true, ttl: 30 })` is
 * `'larder; hit; ttl=30'`, `{ fwd: 'miss', stored: true }` is `'larder; fwd=miss; stored'`. Boolean
 * parameters appear bare when true and not at all when false (RFC 8941 section 3.1.2). Every value is
 * a valid structured-field item: integers are clamped to 15 digits (a missing or infinite number is
 * left out), `detail` is a token or a string, `key` a string of printable ASCII.
 */
export function formatCacheStatus(name: string, params: CacheStatusParams): string {
  let out = nameItem(name);
  if (params.hit) out += '; hit';
  if (params.fwd !== undefined) out += `; fwd=${params.fwd}`;
  if (params.fwdStatus !== undefined) {
    const status = sfInteger(params.fwdStatus);
    if (status !== undefined) out += `; fwd-status=${status}`;
  }
  if (params.ttl !== undefined) {
    const ttl = sfInteger(params.ttl);
    if (ttl !== undefined) out += `; ttl=${ttl}`;
  }
  if (params.stored) out += '; stored';
  if (params.collapsed) out += '; collapsed';
  if (params.key !== undefined) out += `; key=${sfString(params.key)}`;
  if (params.detail !== undefined) out += `; detail=${tokenOrString(params.detail)}`;
  return out;
}

/**
 * Add this cache's member to a `Cache-Status` the origin may already carry (from a cache behind it):
 * RFC 9211 section 2 lists caches from the origin outwards, so ours goes last.
 */
export function appendCacheStatus(existing: HeaderValue | undefined, member: string): string {
  const before = headerString(existing);
  return before === undefined || before.trim() === '' ? member : `${before}, ${member}`;
}
