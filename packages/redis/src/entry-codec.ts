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

interface StoredMeta {
  v: number;
  status: number;
  headers: Record<string, string | string[]>;
  storedAt: number;
  initialAge: number;
  staleAt: number;
  staleWhileRevalidateUntil: number;
  staleIfErrorUntil: number;
  expiresAt: number;
  tags: string[];
  vary?: string[];
}

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

/**
 * The entry stored as `meta` and `body` (the `m` and `b` fields) at cache key `key`.
 * @throws {@link StoreError} (`'format'`) when they are not what {@link encodeMeta} wrote.
 */
export function decodeEntry(key: string, meta: Buffer, body: Buffer | null): StoredEntry {
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
  if (typeof m.headers !== 'object' || m.headers === null) throw corrupt(key, 'headers are missing');
  if (!Array.isArray(m.tags)) throw corrupt(key, 'tags are missing');
  if (body === null) throw corrupt(key, 'the body is missing');
  const entry: StoredEntry = {
    status: m.status!,
    headers: m.headers,
    // a copy: the client's buffer may be a slice of a larger socket chunk that a view would keep alive
    body: new Uint8Array(body),
    storedAt: m.storedAt!,
    initialAge: m.initialAge!,
    staleAt: m.staleAt!,
    staleWhileRevalidateUntil: m.staleWhileRevalidateUntil!,
    staleIfErrorUntil: m.staleIfErrorUntil!,
    expiresAt: m.expiresAt!,
    tags: m.tags,
  };
  if (Array.isArray(m.vary)) entry.vary = m.vary;
  return entry;
}
