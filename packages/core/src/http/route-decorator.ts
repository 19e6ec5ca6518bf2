/**
 * What the adapters' `@cacheResponse` route decorators share: their options (validated once, at class
 * definition), the default key (method class, origin, route pattern, params, query), superseding the
 * lookup of a cache mounted above the route, and how a failed lookup is reported.
 */
import type { Duration } from '../duration.js';
import { keyOrigin } from './cache-key.js';
import { type CarriedRequest, carryRequest } from './carried-request.js';
import type { HttpCache } from './http-cache.js';
import { type ResolvedRouteOptions, validateRouteOptions } from './options.js';
import type { Fill, LookupResult, RequestLike, RouteCacheOptions } from './types.js';

/**
 * Options of a framework's `@cacheResponse`: a route's cache options, with `key` and `tags` computed
 * from the framework's request `Req`.
 */
export interface RouteDecoratorOptions<Req> extends Omit<RouteCacheOptions, 'key' | 'tags'> {
  /** Replace the key (`Vary` still selects variants). @defaultValue the adapter's route key */
  key?: (req: Req) => string;
  /** Tags of the request's entry, merged with the response's `Surrogate-Key`/`Cache-Tag`. */
  tags?: (req: Req) => readonly string[];
}

/**
 * The route options of `@cacheResponse(ttlOrOptions)`, validated now (a {@link ConfigError} names
 * `@cacheResponse.<option>`). `key` and `tags` are given the framework's request, which the adapter
 * hands the engine as a {@link CarriedRequest}; without `key`, `defaultKey` keys the entry.
 * @throws {@link ConfigError} for an invalid option.
 */
export function routeDecoratorOptions<Req>(
  ttlOrOptions: Duration | RouteDecoratorOptions<Req>,
  defaultKey: (like: CarriedRequest<Req>) => string,
): ResolvedRouteOptions {
  const options =
    typeof ttlOrOptions === 'object' && ttlOrOptions !== null ? ttlOrOptions : { ttl: ttlOrOptions };
  // validated as given (the error names '@cacheResponse.ttl'); key and tags then take the request
  validateRouteOptions(options, '@cacheResponse');
  const carried = carryRequest(options);
  if (carried.key === undefined) carried.key = defaultKey as (like: RequestLike) => string;
  return validateRouteOptions(carried);
}

/**
 * The default key of a decorated route: the method class (HEAD shares GET's), the origin (as the HTTP
 * key has it: a page built from the host or the scheme is never shared across them), the route
 * `pattern`, and `rest` (the adapter's params and query, through `stableKey`).
 */
export function routeKey(like: RequestLike, method: string, pattern: string, rest: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${keyOrigin(like)}${pattern} ${rest}`;
}

/**
 * The decorator's own lookup of `carried`, after superseding `outer` (the fill of a cache mounted
 * above the route: the decorator decides for its handler). A lookup that throws or rejects (the engine
 * absorbs store failures; anything else must not fail the request either) is reported to the engine's
 * `onError` under `context`, and resolves `undefined`: the handler then runs uncached.
 */
export async function decoratedLookup(
  engine: HttpCache,
  carried: RequestLike,
  route: ResolvedRouteOptions,
  outer: Fill | null | undefined,
  context: string,
): Promise<LookupResult | undefined> {
  outer?.supersede?.();
  try {
    return await engine.lookup(carried, route);
  } catch (error) {
    engine.reportError(error, context);
    return undefined;
  }
}
