/**
 * The Lua scripts of {@link RedisStore}. Each touches the keys of one slot only: an entry (and its
 * lock), or one tag set. They return integers, strings and flat arrays only.
 */
import { LuaScript } from './lua-script.js';

/** Lua: append the tags of the entry hash KEYS[1] (its `t:<tag>` fields) to the array `reply`. */
const COLLECT_TAGS = `
  local fields = redis.call('HKEYS', KEYS[1])
  for i = 1, #fields do
    local field = fields[i]
    if string.sub(field, 1, 2) == 't:' then reply[#reply + 1] = string.sub(field, 3) end
  end`;

/**
 * Lua: replace the entry hash KEYS[1] with metadata ARGV[2], body ARGV[3] and the tags ARGV[first..],
 * expiring in ARGV[1] ms, appending the replaced entry's tags to `reply`.
 */
function writeEntry(first: number): string {
  return `
if redis.call('TYPE', KEYS[1]).ok == 'hash' then ${COLLECT_TAGS} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'm', ARGV[2], 'b', ARGV[3])
local batch = {}
for i = ${first}, #ARGV do
  batch[#batch + 1] = 't:' .. ARGV[i]
  batch[#batch + 1] = ''
  if #batch >= 200 then
    redis.call('HSET', KEYS[1], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('HSET', KEYS[1], unpack(batch)) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])`;
}

/**
 * Writes an entry. KEYS[1] entry hash, KEYS[2] (optional) lock key; ARGV[1] px, ARGV[2] metadata,
 * ARGV[3] body, ARGV[4] lock token (empty without a lock), ARGV[5..] tags. Replaces what was there.
 * Returns `{0}` when the lock does not hold the token (nothing written), else `{1, old tags...}`:
 * the tags of the replaced entry, for the caller to drop from their sets.
 */
export const SET_ENTRY = new LuaScript(
  'larder-set-entry',
  `
if #KEYS > 1 and redis.call('GET', KEYS[2]) ~= ARGV[4] then return {0} end
local reply = {1}
${writeEntry(5)}
return reply
`,
);

/**
 * The end of a stampede-lock holder's fill in one step, on a single Redis (its keys span slots): while
 * the lock holds the token, adds the cache key to its tag sets (as {@link TAG_ADD}), writes the entry
 * (as {@link SET_ENTRY}), publishes the fill notice and deletes the lock. KEYS[1] entry hash, KEYS[2]
 * lock, KEYS[3..] tag sets; ARGV[1] px, ARGV[2] metadata, ARGV[3] body, ARGV[4] lock token, ARGV[5]
 * channel, ARGV[6] notice, ARGV[7] cache key, ARGV[8..] tags (in the order of their sets). Returns
 * `{0}` when the lock does not hold the token (nothing written, published or deleted), else
 * `{1, old tags...}` as {@link SET_ENTRY}.
 */
export const COMMIT_ENTRY = new LuaScript(
  'larder-commit-entry',
  `
if redis.call('GET', KEYS[2]) ~= ARGV[4] then return {0} end
local px = tonumber(ARGV[1])
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[7])
  if redis.call('PTTL', KEYS[i]) < px then redis.call('PEXPIRE', KEYS[i], px) end
end
local reply = {1}
${writeEntry(8)}
redis.call('PUBLISH', ARGV[5], ARGV[6])
redis.call('DEL', KEYS[2])
return reply
`,
);

/** Reads an entry. KEYS[1] entry hash. Returns `{metadata, body}`, both nil when absent. */
export const GET_ENTRY = new LuaScript('larder-get-entry', `return redis.call('HMGET', KEYS[1], 'm', 'b')`);

/**
 * Deletes an entry. KEYS[1] entry hash; ARGV[1] (optional) a tag the entry must carry to be
 * deleted. Returns `{0}` when nothing was deleted, else `{1, its tags...}` for the caller to drop the
 * key from those tag sets.
 */
export const DELETE_ENTRY = new LuaScript(
  'larder-delete-entry',
  `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return {0} end
if ARGV[1] and redis.call('HEXISTS', KEYS[1], 't:' .. ARGV[1]) == 0 then return {0} end
local reply = {1}
${COLLECT_TAGS}
redis.call('DEL', KEYS[1])
return reply
`,
);

/**
 * Adds a cache key to a tag set and makes the set live at least as long as the entry. KEYS[1] tag
 * set; ARGV[1] px, ARGV[2] cache key. Returns 1.
 */
export const TAG_ADD = new LuaScript(
  'larder-tag-add',
  `
redis.call('SADD', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`,
);

/** Removes cache keys from a tag set (an empty set is gone). KEYS[1] tag set; ARGV cache keys. Returns how many were members. */
export const TAG_REMOVE = new LuaScript(
  'larder-tag-remove',
  `return redis.call('SREM', KEYS[1], unpack(ARGV))`,
);

/**
 * One `SSCAN` step over a tag set, flattened. KEYS[1] tag set; ARGV[1] cursor, ARGV[2] count.
 * Returns `{next cursor, cache keys...}`.
 */
export const TAG_SCAN = new LuaScript(
  'larder-tag-scan',
  `
local step = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local reply = {step[1]}
local members = step[2]
for i = 1, #members do reply[#reply + 1] = members[i] end
return reply
`,
);
