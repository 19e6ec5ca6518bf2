/**
 * What the engine knows about a request once its key is derived: the facts every step of a lookup
 * reads (directives, privacy, HEAD, refresh), computed once per request.
 */
import type { EffectiveRoute } from './options.js';
import { type PrivateReason, privateReason } from './privacy.js';
import { honouredDirectives, type RequestDirectives } from './request-directives.js';
import type { RequestLike } from './types.js';

/** A GET or HEAD request being looked up, and what it says about the cache. */
export interface LookupContext {
  req: RequestLike;
  route: EffectiveRoute;
  baseKey: string;
  /** The normalised path and query, once computed. */
  path: string | undefined;
  head: boolean;
  refresh: boolean;
  /** The client asked to bypass stored responses and the engine honours it. */
  clientNoCache: boolean;
  /** The request's directives the engine honours, when it carries any (RFC 9111 section 5.2.1). */
  directives: RequestDirectives | undefined;
  requestNoStore: boolean;
  /** What makes the request private: stored entries answer it only when explicitly shareable. */
  private: PrivateReason | undefined;
}

/**
 * The context of a GET or HEAD `req` on `route` under `baseKey`. `honourAll` is the engine's
 * `honorClientNoCache`; `refresh` whether the request is the engine's own background refresh.
 */
export function lookupContext(
  req: RequestLike,
  route: EffectiveRoute,
  baseKey: string,
  path: string | undefined,
  head: boolean,
  honourAll: boolean,
  refresh: boolean,
): LookupContext {
  const directives = honouredDirectives(req.headers, honourAll);
  return {
    req,
    route,
    baseKey,
    path,
    head,
    refresh,
    clientNoCache: directives?.noCache === true,
    directives,
    requestNoStore: directives?.noStore === true,
    // the common anonymous request costs two field reads
    private:
      req.headers.authorization === undefined && req.headers.cookie === undefined
        ? undefined
        : privateReason(req, route.cacheAuthorized, route.cookies),
  };
}
