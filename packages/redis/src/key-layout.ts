/**
 * Where Larder's data lives in Redis: one place that names every key and channel, so the store, the
 * bus and the lock agree, and so that keys which Lua scripts touch together share a cluster slot.
 *
 * ```
 * <prefix><kind>:{<slot tag>}<name>
 *
 * larder:e:{1f0c9a7e}GET example.com/items?a=1    entry (a hash), slot of the cache key
 * larder:l:{1f0c9a7e}GET example.com/items?a=1    lock of that key (RedisLock), same slot
 * larder:t:{8b01d2c4}product:42                   tag set (the keys carrying the tag), slot of the tag
 * larder:bus                                       pub/sub channel of invalidations
 * ```
 *
 * The slot tag is an 8-hex-digit FNV-1a hash of the name (the cache key or the tag), so every key
 * derived from one cache key hashes to one slot (Redis hashes only what is between the first `{` and
 * the next `}`), and the names themselves may contain any character, braces included. It is part of
 * the storage format: changing it orphans every stored entry.
 *
 * The kinds `e`, `t` and `l` are taken. Other per-key keys or channels that must share the entry's
 * slot (a fill-notice channel, say) take a kind of their own through {@link KeyLayout.keyed}.
 */
import { ConfigError } from '@larder/core';

/** The default prefix of every key and channel. */
export const DEFAULT_PREFIX = 'larder:';

/**
 * The slot tag of `name`: FNV-1a (32 bits) over its UTF-16 code units, as 8 lower-case hex digits.
 * Equal names give equal tags; the spread over 16384 slots is even.
 */
export function slotTag(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Escapes the glob characters of Redis `MATCH` (`* ? [ ] \`) in `text`. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Names of every Larder key and channel under one prefix. */
export class KeyLayout {
  /** What every key and channel starts with. */
  readonly prefix: string;
  /** The invalidation channel ({@link RedisBus}). */
  readonly busChannel: string;

  /**
   * @param prefix - Key prefix. A prefix with a `{...}` hash tag of its own (`'{larder}:'`) puts every
   * key in one slot: fine on a single node, a hot spot on a cluster.
   * @throws {@link ConfigError} when `prefix` is not a string, or has a `{` without a non-empty `{...}`
   * (Redis would then hash more than the slot tag, and the keys of one entry could land in different slots).
   */
  constructor(prefix: string = DEFAULT_PREFIX) {
    if (typeof prefix !== 'string') throw new ConfigError('prefix', prefix, 'a string');
    const open = prefix.indexOf('{');
    if (open >= 0) {
      const close = prefix.indexOf('}', open + 1);
      if (close < 0 || close === open + 1) {
        throw new ConfigError(
          'prefix',
          prefix,
          'a string whose `{` opens a non-empty `{...}` hash tag, or none',
        );
      }
    }
    this.prefix = prefix;
    this.busChannel = `${prefix}bus`;
  }

  /** `<prefix><kind>:{<slot tag of key>}<key>`: a key (or channel) in the slot of cache key `key`. */
  keyed(kind: string, key: string): string {
    return `${this.prefix}${kind}:{${slotTag(key)}}${key}`;
  }

  /** The hash holding the entry of cache key `key`. */
  entry(key: string): string {
    return this.keyed('e', key);
  }

  /** The set of the cache keys carrying `tag`. */
  tag(tag: string): string {
    return this.keyed('t', tag);
  }

  /** The lock of cache key `key`, in the slot of its entry, so one script can check it and write the entry. */
  lock(key: string): string {
    return this.keyed('l', key);
  }

  /** `MATCH` pattern of every key of kind `kind` under this prefix. */
  pattern(kind: string): string {
    return `${escapeGlob(this.prefix)}${escapeGlob(kind)}:{*`;
  }
}
