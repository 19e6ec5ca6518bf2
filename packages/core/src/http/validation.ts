/**
 * Validating a stored response with the origin (RFC 9111 section 4.3): which validators of the
 * stored response the origin can evaluate, the conditional fields the handler is given (section
 * 4.3.1, combined with the client's own), whether a `304 Not Modified` selects the stored response
 * (section 4.3.3), and the stored headers it updates (sections 4.3.4 and 3.2).
 */
import type { StoredEntry } from '../store/types.js';
import { opaqueTags } from './conditional.js';
import { strongEtag } from './etag.js';
import { headerString, storableHeaders } from './headers.js';
import { parseHttpDate } from './http-date.js';
import type { HeaderMap } from './types.js';

/** The validators of a stored response that its origin can evaluate. */
export interface Validators {
  /** Its `ETag`, unless this cache generated it from the body (the origin would not know it). */
  readonly etag?: string;
  /** Its `Last-Modified`, when a valid HTTP date. */
  readonly lastModified?: string;
}

/**
 * The conditional fields the handler gets when a stored response is revalidated: the value of each
 * (`undefined`: remove the field from the request).
 */
export interface ValidationRequest {
  readonly headers: {
    readonly 'if-none-match': string | undefined;
    readonly 'if-modified-since': string | undefined;
  };
  /** Whether `If-None-Match` carries the client's own entity tags besides the stored one. */
  readonly withClientTags: boolean;
}

/**
 * The validators of `entry` that its origin can evaluate, or `undefined` when it has none: then it
 * cannot be revalidated, only replaced. An `ETag` equal to the one the engine generates from the
 * body is taken as the engine's own.
 */
export function originValidators(entry: StoredEntry): Validators | undefined {
  const etagField = headerString(entry.headers.etag);
  const lmField = headerString(entry.headers['last-modified']);
  const etag =
    etagField !== undefined && opaqueTags(etagField)?.length === 1 && etagField !== strongEtag(entry.body)
      ? etagField.trim()
      : undefined;
  const lastModified = lmField !== undefined && parseHttpDate(lmField) !== undefined ? lmField : undefined;
  if (etag === undefined && lastModified === undefined) return undefined;
  return { ...(etag !== undefined ? { etag } : {}), ...(lastModified !== undefined ? { lastModified } : {}) };
}

/**
 * The conditional fields for revalidating a stored response with validators `v`, given the client's
 * request `headers` (RFC 9111 section 4.3.1): `If-None-Match` with the stored entity tag, joined to
 * the client's own list when that list does not already hold it (section 4.3.2 allows the union);
 * `If-Modified-Since` with the stored `Last-Modified`. The client's own field is dropped where the
 * stored response has no such validator: the origin would evaluate it instead of ours, and a 304 to it
 * says nothing about what is stored. The client's conditions are evaluated by the engine afterwards,
 * against whatever the revalidation leaves stored.
 */
export function validationRequest(headers: Readonly<HeaderMap>, v: Validators): ValidationRequest {
  let inm: string | undefined;
  let withClientTags = false;
  if (v.etag !== undefined) {
    inm = v.etag;
    const client = headerString(headers['if-none-match']);
    const theirs = client === undefined || client.trim() === '*' ? undefined : opaqueTags(client);
    const [own] = opaqueTags(v.etag) ?? [];
    if (theirs !== undefined && theirs.length > 0 && !theirs.includes(own!)) {
      inm = `${client!.trim()}, ${v.etag}`;
      withClientTags = true;
    }
  }
  return { headers: { 'if-none-match': inm, 'if-modified-since': v.lastModified }, withClientTags };
}

/**
 * Whether a `304` with `headers` to a revalidation sent as `request` selects the stored response
 * with validators `v` (RFC 9111 sections 4.3.3 and 4.3.4). A 304 that carries an `ETag` selects it
 * only when that is the stored entity tag: equal by the weak comparison, and not strong when the
 * stored one is weak. Without an `ETag`, it selects it only when the request held no tags of the
 * client's (with them, it may answer for the client's copy, and goes to the client as is).
 */
export function selectsStored(
  headers: Readonly<HeaderMap>,
  request: ValidationRequest,
  v: Validators,
): boolean {
  const etag = headerString(headers.etag)?.trim();
  if (etag === undefined) return !request.withClientTags;
  // RFC 9111 section 4.3.4: a strong validator must be the stored one (strong too); a weak one must
  // match it by the weak comparison; a 304 naming another representation updates nothing
  if (v.etag === undefined) return false;
  const theirs = opaqueTags(etag);
  const [own] = opaqueTags(v.etag) ?? [];
  if (theirs?.length !== 1 || theirs[0] !== own) return false;
  return etag.startsWith('W/') || !v.etag.startsWith('W/');
}

/**
 * Fields a `304` does not update in the stored response (RFC 9111 section 3.2): `Content-Length`
 * (the stored body is what is served), `Content-Range`, processed with the message, and the fields
 * the stored body depends upon: its `Content-Encoding` and its digest (`Content-MD5`), which describe
 * the stored bytes, not the 304's (a 304 saying `gzip` would otherwise have every later client
 * decode a plain body), besides the fields never stored (hop-by-hop, `Age`, those `drop` names).
 */
const NOT_UPDATED = ['content-length', 'content-range', 'content-encoding', 'content-md5'];

/**
 * The stored `headers` freshened with the fields of a `304` (RFC 9111 section 4.3.4): each field the
 * 304 carries replaces the stored one, except those never stored and `Content-Length` and
 * `Content-Range` (section 3.2); the others are kept. `drop` are more names never stored (a
 * qualified `no-cache`, the engine's own fields).
 */
export function freshenedHeaders(
  stored: Readonly<Record<string, string | string[]>>,
  notModified: HeaderMap,
  drop: readonly string[] = [],
): Record<string, string | string[]> {
  const update = storableHeaders(notModified, [...drop, ...NOT_UPDATED]);
  const out: Record<string, string | string[]> = Object.assign({}, stored);
  for (const name of drop) delete out[name];
  return Object.assign(out, update);
}

/** A stale stored response being revalidated: what a fill needs to take the handler's 304. */
export interface ValidationPlan {
  /** The stored response. */
  readonly entry: StoredEntry;
  /** Its validators the origin can evaluate. */
  readonly validators: Validators;
  /** The conditional fields the handler gets. */
  readonly request: ValidationRequest;
}

/**
 * How to revalidate `entry` for a request with `headers`, or `undefined` when it has no validator
 * the origin knows (it can only be replaced). Costs a hash of the body (to tell a generated `ETag`),
 * so it is asked only for an entry that cannot be served as it is.
 */
export function validationPlan(entry: StoredEntry, headers: Readonly<HeaderMap>): ValidationPlan | undefined {
  const validators = originValidators(entry);
  if (validators === undefined) return undefined;
  return { entry, validators, request: validationRequest(headers, validators) };
}

/**
 * Whether a response with `headers` carries a validator from its origin (an `ETag`, or a valid
 * `Last-Modified`), so it is worth keeping past its freshness for revalidation.
 */
export function hasValidator(headers: Readonly<HeaderMap>): boolean {
  if (headers.etag !== undefined) return true;
  const lm = headerString(headers['last-modified']);
  return lm !== undefined && parseHttpDate(lm) !== undefined;
}
