import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  applyValidators,
  type CarriedRequest,
  captureResponse,
  type Fill,
  type HeaderMap,
  type HttpCache,
  type LookupResult,
  type ResolvedRouteOptions,
  type ResponseLike,
  storedHeaderWins,
} from '@larder/core';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable, of } from 'rxjs';
import { LARDER_ENGINE, LARDER_ROUTE } from './tokens.js';

/**
 * Fields set before the hit that describe the empty body Nest sends in its place: never kept, even
 * when the hit has none of its own.
 */
const EMPTY_BODY_FIELDS = new Set([
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'etag',
]);

/**
 * The hit as the response to send, under the rule of every adapter ({@link storedHeaderWins}): the
 * stored representation's own fields win; what was set before it for this request (CORS, a request
 * id from a middleware) wins over the rest of the stored fields, so a hit carries this request's
 * values, not those of the request that filled the entry.
 */
function withKept(current: HeaderMap, hit: ResponseLike): ResponseLike {
  const headers: HeaderMap = Object.assign({}, hit.headers);
  for (const name in current) {
    const value = current[name];
    if (value === undefined || EMPTY_BODY_FIELDS.has(name)) continue;
    if (hit.headers[name] !== undefined && storedHeaderWins(name)) continue;
    headers[name] = value;
  }
  return { status: hit.status, headers, body: hit.body };
}

/**
 * A fill that answers whatever Nest sends next with `hit`: the handler is not called (the
 * interceptor returns nothing), Nest replies with an empty body through its platform, and the
 * capture sends the hit in its place. Nest's reply path (and Fastify's hooks) runs as for any response.
 */
function replay(hit: ResponseLike): Fill {
  return {
    key: '',
    maxEntryBytes: 0,
    start: (_status, headers) => ({ substitute: withKept(headers, hit) }),
    commit: (sent) => withKept(sent.headers, hit),
    finish: () => {},
    abandon: () => undefined,
  };
}

/**
 * The interceptor behind `@CacheResponse`: looks the request up in the module's engine; a hit is
 * sent without calling the handler; a miss calls it and hands the response Nest sends (on the
 * platform's Node `ServerResponse`, so status, headers and serialised body as the client gets them)
 * to the engine, which decides whether to store it. Failures of the cache never fail the request.
 */
@Injectable()
export class LarderInterceptor implements NestInterceptor {
  readonly #logger = new Logger('Larder');

  constructor(
    @Inject(LARDER_ENGINE) private readonly engine: HttpCache,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  /** Look up, then serve the hit or let the handler run with its response captured. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const route = this.reflector.getAllAndOverride<ResolvedRouteOptions | undefined>(LARDER_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (route === undefined) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<{ raw?: IncomingMessage; originalUrl?: string; url?: string }>();
    const response = http.getResponse<{ raw?: ServerResponse }>();
    const rawRequest = (request.raw ?? request) as IncomingMessage;
    const rawResponse = (response.raw ?? response) as ServerResponse;
    const carried: CarriedRequest = {
      method: rawRequest.method ?? 'GET',
      url: request.originalUrl ?? request.url ?? rawRequest.url ?? '/',
      headers: rawRequest.headers,
      req: request,
    };
    let lookup: Promise<LookupResult | undefined>;
    try {
      lookup = this.engine.lookup(carried, route);
    } catch (error) {
      lookup = Promise.reject(error);
    }
    const settled = lookup.catch((error: unknown) => {
      // the engine absorbs store failures; anything else must not fail the request either
      this.#logger.error(`lookup failed, calling the handler uncached: ${String(error)}`);
      return undefined;
    });
    return from(settled).pipe(
      mergeMap((result) => {
        if (result === undefined) return next.handle();
        if (result.kind === 'hit' || result.kind === 'stale') {
          captureResponse(rawResponse, replay(result.response));
          return of(undefined);
        }
        captureResponse(rawResponse, result.fill);
        // a stale stored response is revalidated: the handler gets its conditional fields
        applyValidators(
          request,
          result.fill,
          rawRequest.headers as Record<string, unknown>,
          rawRequest.rawHeaders,
        );
        const own = (request as { headers?: Record<string, unknown> }).headers;
        if (own !== undefined && own !== rawRequest.headers) applyValidators(request, result.fill, own);
        return next.handle();
      }),
    );
  }
}
