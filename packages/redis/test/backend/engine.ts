/**
 * Drives `HttpCache` as an adapter would, for the backend tests: lookup, the origin on a miss or a
 * pass, the fill, and what a framework would send.
 */
import type { HttpCache, RequestLike, ResponseLike } from '@larder/core';

/** What one request got. */
export interface Outcome {
  status: number;
  body: string;
  /** `hit`, `stale`, `miss` or `pass`, as the lookup answered. */
  kind: string;
  /** The pass reason, for passes. */
  reason: string | undefined;
  cacheStatus: string | undefined;
  /** When the request completed, `performance.now()`. */
  doneAt: number;
}

/** A GET of `url` on `example.com`. */
export function get(url: string): RequestLike {
  return { method: 'GET', url, headers: { host: 'example.com' } };
}

/** A 200 with `body` and the given headers. */
export function ok(body: string, headers: Record<string, string> = {}): ResponseLike {
  return { status: 200, headers: { 'content-type': 'text/plain', ...headers }, body: Buffer.from(body) };
}

/** Resolves after `ms` (an origin's latency: a real delay is the point of these tests). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One request through `engine`, with `origin` as the application. */
export async function send(
  engine: HttpCache,
  req: RequestLike,
  origin: () => Promise<ResponseLike>,
): Promise<Outcome> {
  const result = await engine.lookup(req);
  const done = (r: ResponseLike, reason?: string): Outcome => ({
    status: r.status,
    body: Buffer.from(r.body).toString('utf8'),
    kind: result.kind,
    reason,
    cacheStatus: r.headers['cache-status'] === undefined ? undefined : String(r.headers['cache-status']),
    doneAt: performance.now(),
  });
  if (result.kind === 'hit' || result.kind === 'stale') return done(result.response);
  const reason = result.kind === 'pass' ? result.reason : undefined;
  let response: ResponseLike;
  try {
    response = await origin();
  } catch (error) {
    const substitute = result.fill.abandon(error);
    return done(substitute ?? { status: 500, headers: {}, body: Buffer.from('origin threw') }, reason);
  }
  return done(result.fill.commit(response), reason);
}
