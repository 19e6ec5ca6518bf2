/**
 * The Lua scripts of the stampede lock ({@link RedisFillCoordinator}). The lock key is
 * `KeyLayout.lock(cacheKey)`, in the slot of the entry, which is what `RedisStore.setIfLocked` checks.
 * They return integers and flat arrays only.
 */
import { LuaScript } from '../lua-script.js';

/**
 * Takes the lock, or tells how long it is still held. KEYS[1] lock key, KEYS[2] the entry hash of the
 * same cache key (same slot); ARGV[1] token, ARGV[2] ttl (ms). Returns `{1, metadata}` when taken
 * (`SET NX PX`), with the entry's metadata field (`''` when there is no entry) and whether its body
 * field exists (`1` or `0`), so the new holder learns in the same round trip whether a previous
 * filler finished just before; else `{0, pttl}`:
 * the holder's remaining ms (`-2` if it vanished in between, `-1` if it has no expiry, which Larder
 * never writes).
 */
export const FILL_ACQUIRE = new LuaScript(
  'larder-fill-acquire',
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('HGET', KEYS[2], 'm') or '', redis.call('HEXISTS', KEYS[2], 'b')}
end
return {0, redis.call('PTTL', KEYS[1])}
`,
);

/** Frees the lock if it still holds the token (compare and `DEL`). KEYS[1] lock key; ARGV[1] token. Returns 1 or 0. */
export const FILL_RELEASE = new LuaScript(
  'larder-fill-release',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);
