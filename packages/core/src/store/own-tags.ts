/**
 * The engine's internal tags that name the key of the very entry carrying them. A store can find
 * those entries from the tag alone, so its tag index need not hold them: on the usual miss (no Vary,
 * the default key) that is two of the three tags every entry carries, and a third of the index work
 * (a map insert when stored, a map delete when evicted) each.
 */

/** Prefix of the internal key tag: `\0key:<base key>` on every entry stored under that base key. */
export const KEY_TAG_PREFIX = '\0key:';
/** Prefix of the internal origin URL tag: `\0ourl:<origin><path and query>`. */
export const ORIGIN_URL_TAG_PREFIX = '\0ourl:';
/** How the default key of a GET (or HEAD) begins, before `<origin><path and query>` (see `cacheKey`). */
const DEFAULT_GET_KEY_PREFIX = 'GET ';

/**
 * The key of the entry that carries `tag` because of its own key, if `tag` is such a tag: a key tag
 * names its key, an origin URL tag the default GET key of that origin and URL. Other entries may
 * carry the same tag (Vary variants, custom keys): the index holds those.
 */
export function ownKeyOfTag(tag: string): string | undefined {
  if (tag.startsWith(KEY_TAG_PREFIX)) return tag.slice(KEY_TAG_PREFIX.length);
  if (tag.startsWith(ORIGIN_URL_TAG_PREFIX)) {
    return DEFAULT_GET_KEY_PREFIX + tag.slice(ORIGIN_URL_TAG_PREFIX.length);
  }
  return undefined;
}

/** Whether `ownKeyOfTag(tag) === key`, decided without building a string. */
export function isOwnKeyTag(tag: string, key: string): boolean {
  const extra = tag.length - key.length;
  if (extra === KEY_TAG_PREFIX.length) return tag.startsWith(KEY_TAG_PREFIX) && tag.endsWith(key);
  if (extra === ORIGIN_URL_TAG_PREFIX.length - DEFAULT_GET_KEY_PREFIX.length) {
    return (
      tag.startsWith(ORIGIN_URL_TAG_PREFIX) &&
      key.startsWith(DEFAULT_GET_KEY_PREFIX) &&
      tag.endsWith(key.slice(DEFAULT_GET_KEY_PREFIX.length))
    );
  }
  return false;
}
