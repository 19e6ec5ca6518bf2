/**
 * A tiny fake adapter for engine tests: runs `lookup`, calls an origin function on a miss or pass,
 * hands its response (or its failure) to the fill, and returns what a framework would send.
 */
import { HttpCache } from '../../src/http/http-cache.js';
import type { ResolvedRouteOptions } from '../../src/http/options.js';
import { applyValidators } from '../../src/http/request-safety.js';
import type {
  HeaderMap,
  HttpCacheOptions,
  LookupResult,
  RequestLike,
  ResponseLike,
  RouteCacheOptions,
} from '../../src/http/types.js';

export type Origin = (req: RequestLike) => ResponseLike | Promise<ResponseLike>;

export interface Sent extends ResponseLike {
  /** How the engine answered the lookup. */
  kind: LookupResult['kind'];
  /** The pass reason, for passes. */
  reason?: string;
  /** The body as UTF-8 text. */
  text: string;
  /** Whether the origin was called for this request. */
  originCalled: boolean;
}

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export function res(status: number, headers: HeaderMap = {}, body: string | Uint8Array = ''): ResponseLike {
  return { status, headers, body: typeof body === 'string' ? new TextEncoder().encode(body) : body };
}

export function get(url: string, headers: HeaderMap = {}, method = 'GET'): RequestLike {
  return { method, url, headers: { host: 'example.com', ...headers } };
}

export function header(r: ResponseLike, name: string): string | undefined {
  const v = r.headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
}

export class Harness {
  now = T0;
  readonly cache: HttpCache;
  readonly errors: [unknown, string][] = [];
  originCalls = 0;

  constructor(options: HttpCacheOptions = {}) {
    this.cache = new HttpCache({
      now: () => this.now,
      onError: (error, context) => {
        this.errors.push([error, context]);
      },
      ...options,
    });
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** One request through the engine, as an adapter would run it. */
  async send(
    req: RequestLike,
    origin: Origin,
    route?: ResolvedRouteOptions | RouteCacheOptions,
  ): Promise<Sent> {
    const result = await this.cache.lookup(req, route);
    if (result.kind === 'hit' || result.kind === 'stale') return sent(result.response, result.kind, false);
    const answer = await this.#fill(req, origin, result);
    // a response reaches its client, and the client's next request the server, through I/O: a test's
    // next request comes after what the engine left to do in microtasks (a store write settling)
    await new Promise((resolve) => setImmediate(resolve));
    return answer;
  }

  async #fill(
    req: RequestLike,
    origin: Origin,
    result: LookupResult & { kind: 'miss' | 'pass' },
  ): Promise<Sent> {
    let response: ResponseLike;
    // as the adapters do: a revalidation gives the handler the stored response's validators
    const handlerReq: RequestLike = { ...req, headers: { ...req.headers } };
    applyValidators(handlerReq, result.fill, handlerReq.headers as Record<string, unknown>);
    try {
      this.originCalls++;
      response = await origin(handlerReq);
    } catch (error) {
      const substitute = result.fill.abandon(error);
      if (substitute !== undefined) return sent(substitute, result.kind, true, result);
      return sent(res(500, {}, 'origin threw'), result.kind, true, result);
    }
    return sent(result.fill.commit(response), result.kind, true, result);
  }
}

function sent(
  r: ResponseLike,
  kind: LookupResult['kind'],
  originCalled: boolean,
  result?: LookupResult,
): Sent {
  const out: Sent = { ...r, kind, text: new TextDecoder().decode(r.body), originCalled };
  if (result?.kind === 'pass') out.reason = result.reason;
  return out;
}

/** A promise with its resolve function, for origins that answer when the test says so. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/** Let pending promise chains run (a few real microtask/macrotask turns, no timers). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
