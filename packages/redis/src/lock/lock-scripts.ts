/**
 * The Lua scripts of the locks. Each takes the lock key as `KEYS[1]` and the holder's token as
 * `ARGV[1]`, and answers with one integer: `1` done, `0` the key does not exist (the lock expired),
 * `-1` the key holds another token (another holder has the lock). Comparing and acting in one script
 * is what keeps a holder whose lock expired from deleting or extending its successor's lock.
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
