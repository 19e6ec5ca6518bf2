import { Readable } from 'node:stream';
import type { OriginReply } from './driver.js';

/** An {@link OriginReply} in the form both drivers send: headers complete, the body as bytes or a stream. */
export interface NormalizedReply {
  status: number;
  headers: Record<string, string | string[]>;
  payload:
    | { kind: 'none' }
    | { kind: 'bytes'; bytes: Buffer }
    | { kind: 'stream'; stream: Readable }
    | { kind: 'json'; value: unknown };
}

/**
 * Resolve the defaults of an origin reply identically for every framework, so that what a case
 * observes never depends on a framework's own content-type or charset guesses for strings. No `body`
 * and no `json` is a response without a body and without a content type (`reply.send()`, `res.end()`).
 */
export function normalizeReply(reply: OriginReply): NormalizedReply {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
  const status = reply.status ?? 200;
  if (reply.json !== undefined) return { status, headers, payload: { kind: 'json', value: reply.json } };
  const body = reply.body;
  if (body === undefined) return { status, headers, payload: { kind: 'none' } };
  if (body instanceof Readable) return { status, headers, payload: { kind: 'stream', stream: body } };
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    return { status, headers, payload: { kind: 'bytes', bytes: Buffer.from(body, 'utf8') } };
  }
  headers['content-type'] ??= 'application/octet-stream';
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { status, headers, payload: { kind: 'bytes', bytes } };
}
