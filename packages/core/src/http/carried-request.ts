/**
 * Route options whose `key` and `tags` take the framework's own request (Express's `req`, Nest's
 * platform request) instead of the engine's {@link RequestLike}: the adapter hands the engine a
 * {@link CarriedRequest}, and {@link carryRequest} wraps the user's functions to unwrap it.
 */
import type { RequestLike, RouteCacheOptions } from './types.js';

/** The request as the engine sees it, carrying the framework's request for `key` and `tags`. */
export interface CarriedRequest<Req = unknown> extends RequestLike {
  /** The framework's request (`req.params`, `req.query`, ...). */
  readonly req: Req;
}

/**
 * `options` with `key` and `tags` wrapped so that the engine, which calls them with a
 * {@link CarriedRequest}, hands them the framework's request (or the {@link RequestLike} itself when
 * it carries none, as a background refresh). Values that are not functions are left as they are, for
 * validation to refuse with a `ConfigError` naming the option.
 */
export function carryRequest<T extends object>(
  options: T,
): Omit<T, 'key' | 'tags'> & Pick<RouteCacheOptions, 'key' | 'tags'> {
  const { key, tags, ...rest } = options as T & { key?: unknown; tags?: unknown };
  const out = rest as Omit<T, 'key' | 'tags'> & Pick<RouteCacheOptions, 'key' | 'tags'>;
  const loose = out as Record<string, unknown>;
  if (typeof key === 'function') out.key = (like) => key((like as Partial<CarriedRequest>).req ?? like);
  else if (key !== undefined) loose.key = key;
  if (typeof tags === 'function') out.tags = (like) => tags((like as Partial<CarriedRequest>).req ?? like);
  else if (tags !== undefined) loose.tags = tags;
  return out;
}
