/**
 * Fill notices: what a stampede-lock holder publishes when its fill ends, on the channel
 * `<prefix>fill` (`SPUBLISH` on a cluster). Wire format, version 1, one JSON object per message:
 *
 * ```json
 * {"v":1,"from":"<backend instance id>","key":"<cache key>","outcome":"filled"}
 * {"v":1,"from":"…","key":"…","outcome":"uncacheable","status":500}
 * {"v":1,"from":"…","key":"…","outcome":"retry","abandoned":true}
 * {"v":1,"from":"…","key":"…","outcome":"filled","m":"<entry metadata JSON>","b":"<body, base64>"}
 * ```
 *
 * A `filled` notice carries the entry it announces (`m`: the entry's `m` field, `b`: its body in
 * base64) when metadata and body together are at most {@link NOTICE_ENTRY_MAX} bytes, so that the
 * processes waiting for it need not read it from Redis. Receivers ignore unknown fields (an older
 * receiver reads the entry from Redis) and drop messages that are not version 1 of this shape.
 */
import type { FillOutcome, StoredEntry } from '@larder/core';
import { encodeMeta } from '../entry-codec.js';
import { readWireMessage } from '../wire-message.js';

/**
 * Largest entry a `filled` notice carries, in bytes of metadata JSON and body: a larger one is read
 * from Redis by each waiting process (one read per process), as every entry was before.
 */
export const NOTICE_ENTRY_MAX = 16 * 1024;

/** The entry a `filled` notice carries: its metadata (the `m` field) and its body in base64. */
export interface CarriedEntry {
  meta: string;
  body: string;
}

/** A decoded fill notice. */
export interface FillNotice {
  /** The instance id of the backend whose lease ended. */
  from: string;
  /** The cache key that was being filled. */
  key: string;
  outcome: FillOutcome;
  /** A `filled` notice's entry, when it was small enough to carry (decoded by the receiver that needs it). */
  carried?: CarriedEntry | undefined;
}

/** What a `filled` notice carries of `entry`: `undefined` when it is larger than {@link NOTICE_ENTRY_MAX}. */
export function carry(entry: StoredEntry): CarriedEntry | undefined {
  if (entry.body.byteLength > NOTICE_ENTRY_MAX) return undefined;
  const meta = encodeMeta(entry);
  if (Buffer.byteLength(meta) + entry.body.byteLength > NOTICE_ENTRY_MAX) return undefined;
  return {
    meta,
    body: Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength).toString('base64'),
  };
}

/** Encodes a notice (format version 1). */
export function encodeFillNotice(notice: FillNotice): string {
  const wire: Record<string, unknown> = { v: 1, from: notice.from, key: notice.key };
  const o = notice.outcome;
  wire.outcome = o.kind;
  if (o.kind === 'uncacheable') wire.status = o.status;
  if (o.kind === 'retry') wire.abandoned = o.abandoned;
  if (o.kind === 'filled' && notice.carried !== undefined) {
    wire.m = notice.carried.meta;
    wire.b = notice.carried.body;
  }
  return JSON.stringify(wire);
}

/** Decodes a notice; `undefined` when it is not a version 1 notice of the documented shape. */
export function decodeFillNotice(payload: Buffer | string): FillNotice | undefined {
  const m = readWireMessage(payload);
  if (m === undefined || typeof m.key !== 'string') return undefined;
  let outcome: FillOutcome;
  if (m.outcome === 'filled') outcome = { kind: 'filled' };
  else if (m.outcome === 'uncacheable' && typeof m.status === 'number') {
    outcome = { kind: 'uncacheable', status: m.status };
  } else if (m.outcome === 'retry') outcome = { kind: 'retry', abandoned: m.abandoned === true };
  else return undefined;
  if (outcome.kind === 'filled' && typeof m.m === 'string' && typeof m.b === 'string') {
    return { from: m.from, key: m.key, outcome, carried: { meta: m.m, body: m.b } };
  }
  return { from: m.from, key: m.key, outcome };
}
