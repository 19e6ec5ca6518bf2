/**
 * Fill notices: what a stampede-lock holder publishes when its fill ends, on the channel
 * `<prefix>fill` (`SPUBLISH` on a cluster). Wire format, version 1, one JSON object per message:
 *
 * ```json
 * {"v":1,"from":"<backend instance id>","key":"<cache key>","outcome":"filled"}
 * {"v":1,"from":"…","key":"…","outcome":"uncacheable","status":500}
 * {"v":1,"from":"…","key":"…","outcome":"retry","abandoned":true}
 * ```
 *
 * Receivers ignore unknown fields and drop messages that are not version 1 of this shape.
 */
import type { FillOutcome } from '@larder/core';
import { readWireMessage } from '../wire-message.js';

/** A decoded fill notice. */
export interface FillNotice {
  /** The instance id of the backend whose lease ended. */
  from: string;
  /** The cache key that was being filled. */
  key: string;
  outcome: FillOutcome;
}

/** Encodes a notice (format version 1). */
export function encodeFillNotice(notice: FillNotice): string {
  const wire: Record<string, unknown> = { v: 1, from: notice.from, key: notice.key };
  const o = notice.outcome;
  wire.outcome = o.kind;
  if (o.kind === 'uncacheable') wire.status = o.status;
  if (o.kind === 'retry') wire.abandoned = o.abandoned;
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
  return { from: m.from, key: m.key, outcome };
}
