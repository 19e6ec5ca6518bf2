/**
 * The stored form of a {@link StoredEntry}: a Redis hash with
 *
 * | field | value |
 * | --- | --- |
 * | `m` | metadata as JSON: `{"v":1,"status":…,"headers":…,"storedAt":…,"initialAge":…,"staleAt":…,"staleWhileRevalidateUntil":…,"staleIfErrorUntil":…,"expiresAt":…,"tags":[…],"vary"?:[…]}` |
 * | `b` | the body, raw bytes (never JSON, never base64) |
 * | `t:<tag>` | one empty field per tag, so a script can test "carries tag X" with `HEXISTS` |
 *
 * Headers are strings and go in JSON; the body, the only binary part, is its own field.
 */
import { type StoredEntry, StoreError } from '@larder/core';

/** The version in the `v` field of the metadata. */
export const FORMAT_VERSION = 1;

/** The metadata field `m`: the entry without its body (field `b`), with the format version. */
type StoredMeta = Omit<StoredEntry, 'body'> & { v: number };

/** The `m` field of `entry`. */
export function encodeMeta(entry: StoredEntry): string {
  const meta: StoredMeta = {
    v: FORMAT_VERSION,
    status: entry.status,
    headers: entry.headers,
    storedAt: entry.storedAt,
    initialAge: entry.initialAge,
    staleAt: entry.staleAt,
    staleWhileRevalidateUntil: entry.staleWhileRevalidateUntil,
    staleIfErrorUntil: entry.staleIfErrorUntil,
    expiresAt: entry.expiresAt,
    tags: entry.tags,
  };
  if (entry.vary !== undefined) meta.vary = entry.vary;
  return JSON.stringify(meta);
}

function corrupt(key: string, why: string): StoreError {
  return new StoreError('format', 'get', `The Redis entry of ${JSON.stringify(key)} is unreadable: ${why}`);
}

const NUMBER_FIELDS = [
  'status',
  'storedAt',
  'initialAge',
  'staleAt',
  'staleWhileRevalidateUntil',
  'staleIfErrorUntil',
  'expiresAt',
] as const;

/** A field name (RFC 9110 section 5.1: a token). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value Node will send: visible ASCII and obs-text, spaces and tabs, no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Statuses without a body, whose `Content-Length` is not the body's. */
const NO_BODY = new Set([204, 304]);

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * The metadata `meta` (the `m` field) when it is what {@link encodeMeta} writes, this version:
 * numbers where numbers go, a status Node can send, headers Node can send (a tampered field would
 * otherwise fail the response), string tags.
 * @throws {@link StoreError} (`'format'`) naming what is wrong.
 */
function readMeta(key: string, meta: Buffer): StoredMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.toString('utf8'));
  } catch {
    throw corrupt(key, 'its metadata is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw corrupt(key, 'its metadata is not an object');
  const m = parsed as Partial<StoredMeta>;
  if (m.v !== FORMAT_VERSION) throw corrupt(key, `format version ${String(m.v)} is not ${FORMAT_VERSION}`);
  for (const field of NUMBER_FIELDS) {
    if (typeof m[field] !== 'number') throw corrupt(key, `${field} is not a number`);
  }
  if (!Number.isInteger(m.status) || m.status! < 200 || m.status! > 599) {
    throw corrupt(key, `status ${String(m.status)} is not one a response can have`);
  }
  const headers = m.headers;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw corrupt(key, 'headers are missing');
  }
  for (const [name, value] of Object.entries(headers)) {
    const values = typeof value === 'string' ? [value] : isStrings(value) ? value : undefined;
    if (!FIELD_NAME.test(name) || values === undefined || !values.every((v) => FIELD_VALUE.test(v))) {
      throw corrupt(key, `header ${JSON.stringify(name)} cannot be sent`);
    }
  }
  if (!isStrings(m.tags)) throw corrupt(key, 'tags are missing');
  if (m.vary !== undefined && !isStrings(m.vary)) throw corrupt(key, 'vary is not a list of names');
  return m as StoredMeta;
}

/**
 * Whether `meta` is readable metadata of this format version (what the fill lock's script returns,
 * checked as {@link decodeEntry} checks it), and the body field exists: an entry the decoder would
 * reject must count as no entry everywhere, or the fill protocol waits for one that never comes.
 */
export function isReadableMeta(key: string, meta: Buffer, hasBody: boolean): boolean {
  if (!hasBody) return false;
  try {
    readMeta(key, meta);
    return true;
  } catch {
    return false;
  }
}

/**
 * The entry stored as `meta` and `body` (the `m` and `b` fields) at cache key `key`. A
 * `Content-Length` it states is the body's own length, whatever the metadata says: a tampered entry
 * must not send a response whose framing is wrong.
 * @throws {@link StoreError} (`'format'`) when they are not what {@link encodeMeta} wrote.
 */
export function decodeEntry(key: string, meta: Buffer, body: Buffer | null): StoredEntry {
  const m = readMeta(key, meta);
  if (body === null) throw corrupt(key, 'the body is missing');
  const headers = m.headers;
  // a stated length is the body's own (a 204 or 304 is sent without a body whatever the entry holds;
  // without a stated length, the framework frames the body itself)
  if (!NO_BODY.has(m.status) && headers['content-length'] !== undefined) {
    headers['content-length'] = String(body.length);
  }
  const entry: StoredEntry = {
    status: m.status,
    headers,
    // a copy: the client's buffer may be a slice of a larger socket chunk that a view would keep alive
    body: new Uint8Array(body),
    storedAt: m.storedAt,
    initialAge: m.initialAge,
    staleAt: m.staleAt,
    staleWhileRevalidateUntil: m.staleWhileRevalidateUntil,
    staleIfErrorUntil: m.staleIfErrorUntil,
    expiresAt: m.expiresAt,
    tags: m.tags,
  };
  if (Array.isArray(m.vary)) entry.vary = m.vary;
  return entry;
}
