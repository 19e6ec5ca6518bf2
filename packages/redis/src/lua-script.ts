import { createHash } from 'node:crypto';

/**
 * A Lua script, created once (at module load, typically) with its SHA1 computed up front, so that
 * {@link RedisPort.eval} can send `EVALSHA` and fall back to `EVAL` only when the server answers
 * `NOSCRIPT` (a restarted server, `SCRIPT FLUSH`, a failover, a new cluster node).
 *
 * Scripts must return only integers, strings (bulk or status), nil (Lua `false`) and flat arrays of
 * those: both clients render those the same way over RESP2 and RESP3, and the port normalises them to
 * `number`, `Buffer` and `null` (see {@link ScriptReply}). Nested arrays are rejected as a `'format'`
 * {@link StoreError}; Lua tables with `.ok` come back as the status string in a `Buffer`.
 *
 * @example
 * ```ts
 * const compareAndDelete = new LuaScript(
 *   'compare-and-delete',
 *   "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
 * );
 * const removed = await port.eval(compareAndDelete, [lockKey], [token]); // 1 or 0
 * ```
 */
export class LuaScript {
  /** A name for error messages (`'compare-and-delete'`). */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** The SHA1 of `source`, hex, lower-case: what `EVALSHA` takes. */
  readonly sha1: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
  }
}
