/**
 * Entry tags: the application's (route `tags(req)`, `Surrogate-Key`, `Cache-Tag`) and the engine's
 * internal ones, which let the store's tag index find every variant of a URL or of a key.
 */
import { KEY_TAG_PREFIX, ORIGIN_URL_TAG_PREFIX } from '../store/own-tags.js';
import { headerString } from './headers.js';
import type { HeaderMap, RequestLike } from './types.js';

/** Internal tags start with a NUL, which no header value can carry, so no application tag collides. */
const INTERNAL = '\0';

/** The internal tag on every entry of a normalised path and query, on any host. */
export function urlTag(pathAndQuery: string): string {
  return `${INTERNAL}url:${pathAndQuery}`;
}

/**
 * The internal tag on every entry of a normalised path and query on one origin (as `keyOrigin`
 * gives it): what an unsafe request invalidates, which must stay within its own origin.
 */
export function originUrlTag(origin: string, pathAndQuery: string): string {
  return `${ORIGIN_URL_TAG_PREFIX}${origin}${pathAndQuery}`;
}

/** The internal tag on every entry stored under a base key (the entry and all its variants). */
export function keyTag(key: string): string {
  return `${KEY_TAG_PREFIX}${key}`;
}

/** Whether `tag` is one the application may use (not internal, not empty). */
export function isApplicationTag(tag: unknown): tag is string {
  return typeof tag === 'string' && tag !== '' && !tag.startsWith(INTERNAL);
}

/**
 * The tags a response names: `Surrogate-Key` (space-separated, as Fastly) and `Cache-Tag`
 * (comma-separated, as Cloudflare).
 */
export function responseTags(headers: Readonly<HeaderMap>): string[] {
  const tags: string[] = [];
  const surrogate = headerString(headers['surrogate-key']);
  if (surrogate !== undefined) for (const t of surrogate.split(/[ \t]+/)) if (t !== '') tags.push(t);
  const cacheTag = headerString(headers['cache-tag']);
  if (cacheTag !== undefined) {
    for (const t of cacheTag.split(',')) {
      const tag = t.trim();
      if (tag !== '') tags.push(tag);
    }
  }
  return tags;
}

/**
 * The tags of an entry: the route's (`tags(req)`, whose failures are reported and skipped), the
 * response's, then the internal URL, origin URL and key tags.
 */
export function entryTags(
  fns: readonly ((req: RequestLike) => readonly string[])[],
  req: RequestLike,
  headers: Readonly<HeaderMap>,
  internal: { readonly urlTag: string; readonly originUrlTag: string; readonly baseKey: string },
  report: (error: unknown, context: string) => void,
): string[] {
  if (fns.length === 0 && headers['surrogate-key'] === undefined && headers['cache-tag'] === undefined) {
    // the usual miss names no tag of its own: the internal ones, which are distinct by prefix
    return [internal.urlTag, internal.originUrlTag, keyTag(internal.baseKey)];
  }
  const tags = new Set<string>();
  for (const fn of fns) {
    try {
      const list = fn(req);
      if (list === undefined || list === null || typeof list[Symbol.iterator] !== 'function') {
        throw new TypeError('tags(req) must return an array of strings');
      }
      for (const tag of list) if (isApplicationTag(tag)) tags.add(tag);
    } catch (error) {
      report(error, 'tags');
    }
  }
  for (const tag of responseTags(headers)) if (isApplicationTag(tag)) tags.add(tag);
  tags.add(internal.urlTag);
  tags.add(internal.originUrlTag);
  tags.add(keyTag(internal.baseKey));
  return [...tags];
}
