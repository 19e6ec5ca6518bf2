/**
 * The Lua scripts of the locks. Each takes the lock key as `KEYS[1]` and the holder's token as
 * `ARGV[1]`, and answers with one integer: `1` done, `0` the key does not exist (the lock expired),
 * `-1` the key holds another token (another holder has the lock). Comparing and acting in one script
 * is what keeps a holder whose lock expired from deleting or extending its successor's lock.
 * {@link ACQUIRE_AND_PEEK} is the acquisition that reads a hash in the same round trip, and
 * {@link READ_OR_ACQUIRE} the one that reads a hash and tries the lock only when it is absent.
 */
import { LuaScript } from '../lua-script.js';

/** The reply of {@link RELEASE_LOCK} and {@link EXTEND_LOCK} when the key holds the token. */
export const LOCK_OK = 1;
/** The reply when the lock key does not exist. */
export const LOCK_MISSING = 0;
/** The reply when the lock key holds another token. */
export const LOCK_TAKEN = -1;

/** Compare-and-delete: `DEL KEYS[1]` only if it holds `ARGV[1]`. */
export const RELEASE_LOCK = new LuaScript(
  'larder-lock-release',
  `
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if held then return -1 end
return 0
`,
);

/** Compare-and-pexpire: `PEXPIRE KEYS[1] ARGV[2]` only if it holds `ARGV[1]`. */
export const EXTEND_LOCK = new LuaScript(
  'larder-lock-extend',
  `
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if held then return -1 end
return 0
`,
);

/** What a lock script's reply says, as a message for `LockLostError`; `undefined` for {@link LOCK_OK}. */
export function lostReason(reply: number): string | undefined {
  if (reply === LOCK_OK) return undefined;
  if (reply === LOCK_TAKEN) return 'the key holds another token (another holder has the lock)';
  return 'the key does not exist (the lock expired or was deleted)';
}

/**
 * Takes the lock, or tells how long it is still held. KEYS[1] lock key, KEYS[2] a hash in the same
 * slot; ARGV[1] token, ARGV[2] ttl (ms), ARGV[3] a field of the hash to read, ARGV[4] a field whose
 * presence to read. Returns `{1, value of ARGV[3] or '', 1 or 0}` when taken (`SET NX PX`), else
 * `{0, pttl}`: the holder's remaining ms (`-2` if it vanished in between, `-1` if it has no expiry,
 * which Larder never writes). The stampede protocol peeks at the entry of the key it is about to
 * fill, to learn in the same round trip whether a previous filler finished just before.
 */
export const ACQUIRE_AND_PEEK = new LuaScript(
  'larder-lock-acquire-peek',
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('HGET', KEYS[2], ARGV[3]) or '', redis.call('HEXISTS', KEYS[2], ARGV[4])}
end
return {0, redis.call('PTTL', KEYS[1])}
`,
);

/**
 * Reads a hash, or takes the lock when the hash is absent. KEYS[1] lock key, KEYS[2] a hash in the
 * same slot; ARGV[1] token, ARGV[2] ttl (ms), ARGV[3..] fields of the hash to read (the first one
 * present in every such hash). Returns `{2, values of ARGV[3..]...}` (nil for an absent field) when
 * the hash has the first field, and the lock is not tried; else `{1}` when taken (`SET NX PX`), or
 * `{0, pttl}` as {@link ACQUIRE_AND_PEEK}. The stampede protocol reads a cold key's entry this way
 * and claims the key in the same round trip when there is none.
 */
export const READ_OR_ACQUIRE = new LuaScript(
  'larder-lock-read-or-acquire',
  `
local found = redis.call('HMGET', KEYS[2], unpack(ARGV, 3))
if found[1] then
  table.insert(found, 1, 2)
  return found
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('PTTL', KEYS[1])}
`,
);
