/**
 * {@link RedisStore}: the shared L2 of a fleet, a {@link ResponseStore} in Redis.
 *
 * Layout (see {@link KeyLayout}): an entry is one hash `<prefix>e:{<slot tag of key>}<key>` (fields:
 * see `entry-codec.ts`; the body is raw bytes), expiring (`PEXPIRE`) at `expiresAt`, which already
 * covers the stale windows. Each tag has a set `<prefix>t:{<slot tag of tag>}<tag>` of the cache keys
 * that carry it, whose expiry is pushed out to the longest-lived of them as entries are added.
 *
 * Cluster: an entry's keys (its hash, its lock) share one slot, so the scripts on an entry are
 * single-slot. A tag's set cannot share a slot with all its entries (a tag spans entries of every
 * slot), so nothing ever touches a tag set and an entry in one script: tag sets are updated by
 * their own single-slot scripts, and `deleteByTags` walks a tag's members (`SSCAN`) and deletes each
 * entry by its own script. No `KEYS` and no `SCAN` on the request path (only `clear()` scans).
 *
 * Consistency without cross-slot atomicity:
 * - `set` adds the key to its tag sets first, then writes the entry: a failure in between leaves a
 *   tag set member without an entry (harmless), never an entry its tags cannot find.
 * - A tag set member is only a hint: the entry itself records its tags (`t:<tag>` fields), and
 *   `deleteByTags` deletes an entry only if it still carries the tag. So a stale member (the entry
 *   expired, or was replaced without that tag) never deletes the wrong entry.
 * - Stale members are dropped when their tag is invalidated, when the entry is replaced or deleted,
 *   and at the latest when the tag set expires with the last entry that could be in it.
 *
 * Bounds: Redis's own `maxmemory` bounds the store; every key Larder writes has an expiry, so any
 * `volatile-*` or `allkeys-*` eviction policy applies. (An evicted tag set loses its members' link to
 * the tag until they expire; prefer `volatile-ttl` or `allkeys-lru` with room to spare.)
 */
import { ConfigError, checkOptions, type ResponseStore, type StoredEntry } from '@larder/core';
import { decodeEntry, encodeMeta } from './entry-codec.js';
import { KeyLayout } from './key-layout.js';
import type { RedisPort, ScriptReply } from './port.js';
import {
  COMMIT_ENTRY,
  DELETE_ENTRY,
  GET_ENTRY,
  SET_ENTRY,
  TAG_ADD,
  TAG_REMOVE,
  TAG_SCAN,
} from './store-scripts.js';
import { isRedisPort, toPort } from './to-port.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * A node-redis 5/6 client or cluster client (connected), an ioredis 5/6 `Redis` or `Cluster`, or a
   * {@link RedisPort}. The store never closes your client; it closes the port it made from it.
   */
  client: unknown;
  /** Prefix of every key. Stores with different prefixes share a server without seeing each other. @defaultValue 'larder:' */
  prefix?: string;
  /** Per-command timeout in ms, when `client` is a client (a port has its own). @defaultValue 1000 */
  commandTimeout?: number;
  /** Clock, ms since the epoch: an entry lives `expiresAt - now()` ms. @defaultValue Date.now */
  now?: () => number;
}

const OPTION_NAMES = ['client', 'prefix', 'commandTimeout', 'now'];

/** Members taken from a tag set per step of `deleteByTags`. */
const TAG_BATCH = 500;

function flag(reply: ScriptReply): number {
  return Array.isArray(reply) ? Number(reply[0] ?? 0) : Number(reply ?? 0);
}

/** The tags after the status flag of a script reply `{flag, tag...}`. */
function tagsOf(reply: ScriptReply): string[] {
  if (!Array.isArray(reply)) return [];
  const tags: string[] = [];
  for (let i = 1; i < reply.length; i++) tags.push(String(reply[i]));
  return tags;
}

/**
 * A {@link ResponseStore} in Redis, shared by every process that uses the same server and prefix.
 * Works on a single node and on Redis Cluster, with node-redis 5/6 or ioredis 5/6. Every method
 * rejects with a {@link StoreError} when Redis fails or is slower than the command timeout; the
 * engine then treats a read as a miss and skips a write.
 */
export class RedisStore implements ResponseStore {
  /** The port to Redis (shared with a bus or lock if you pass it on). */
  readonly port: RedisPort;
  /** Key names; {@link KeyLayout.lock} gives the lock key {@link RedisStore.setIfLocked} checks. */
  readonly layout: KeyLayout;
  readonly #now: () => number;
  readonly #ownsPort: boolean;

  /** @throws {@link ConfigError} for an unknown option, an invalid value, or a `client` that is no Redis client. */
  constructor(options: RedisStoreOptions) {
    checkOptions(options, OPTION_NAMES);
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw new ConfigError('now', now, 'a function');
    this.#now = now;
    this.layout = new KeyLayout(options.prefix);
    this.#ownsPort = !isRedisPort(options.client);
    this.port = this.#ownsPort
      ? toPort(
          options.client,
          options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout },
        )
      : (options.client as RedisPort);
  }

  /** The entry at `key`, or `undefined`. */
  async get(key: string): Promise<StoredEntry | undefined> {
    const reply = await this.port.eval(GET_ENTRY, [this.layout.entry(key)]);
    if (!Array.isArray(reply)) return undefined;
    const [meta, body] = reply;
    if (!Buffer.isBuffer(meta)) return undefined;
    return decodeEntry(key, meta, Buffer.isBuffer(body) ? body : null);
  }

  /**
   * Stores `entry` at `key` until `entry.expiresAt`, replacing what was there; an entry already
   * expired removes what was there instead.
   */
  async set(key: string, entry: StoredEntry): Promise<void> {
    await this.#write(key, entry, undefined);
  }

  /**
   * Like {@link RedisStore.set}, but writes only while the lock key `layout.lock(key)` holds `token`,
   * checked in the same script as the write (the key and its lock share a slot). Resolves whether it
   * wrote. For the stampede protocol: a lock holder that lost its lock must not overwrite a newer fill.
   */
  async setIfLocked(key: string, entry: StoredEntry, token: string | Uint8Array): Promise<boolean> {
    return this.#write(key, entry, token);
  }

  /**
   * {@link RedisStore.setIfLocked}, then `PUBLISH channel message` and the lock deleted, in one round
   * trip and atomically, so a stampede-lock holder's fill notice leaves Redis as its entry lands,
   * whatever its own process is busy with. A single Redis only (the keys span slots): on a cluster
   * it rejects with a `TypeError` (write, then publish, separately there). Resolves whether it wrote;
   * when the lock does not hold `token`, nothing is written, published or deleted.
   */
  async commitIfLocked(
    key: string,
    entry: StoredEntry,
    token: string,
    channel: string,
    message: string,
  ): Promise<boolean> {
    if (this.port.cluster) throw new TypeError('commitIfLocked: not on a cluster (its keys span slots)');
    const ttl = Math.ceil(entry.expiresAt - this.#now());
    if (!(ttl > 0)) return false;
    const tags = [...new Set(entry.tags)];
    const keys = [this.layout.entry(key), this.layout.lock(key), ...tags.map((tag) => this.layout.tag(tag))];
    const reply = await this.port.eval(COMMIT_ENTRY, keys, [
      ttl,
      encodeMeta(entry),
      entry.body,
      token,
      channel,
      message,
      key,
      ...tags,
    ]);
    if (flag(reply) !== 1) return false;
    await this.#dropOldTags(key, tags, reply);
    return true;
  }

  /** Removes `key` (and it from its tag sets). */
  async delete(key: string): Promise<void> {
    const reply = await this.port.eval(DELETE_ENTRY, [this.layout.entry(key)]);
    if (flag(reply) === 1) await this.#untag(key, tagsOf(reply));
  }

  /** Removes every entry carrying any of `tags`; resolves how many were removed. */
  async deleteByTags(tags: readonly string[]): Promise<number> {
    let removed = 0;
    for (const tag of new Set(tags)) removed += await this.#deleteTag(tag);
    return removed;
  }

  /**
   * Removes every entry and tag set under this store's prefix (`SCAN` over every master, then `DEL`):
   * maintenance, not for the request path. Other prefixes and lock keys are left alone.
   */
  async clear(): Promise<void> {
    for (const kind of ['e', 't']) {
      for await (const keys of this.port.scan(this.layout.pattern(kind), { count: 500 })) {
        await this.port.del(keys);
      }
    }
  }

  /** Closes the port the store made from `options.client` (not the client). A port you passed stays open. */
  async close(): Promise<void> {
    if (this.#ownsPort) await this.port.close();
  }

  async #write(key: string, entry: StoredEntry, token: string | Uint8Array | undefined): Promise<boolean> {
    const ttl = Math.ceil(entry.expiresAt - this.#now());
    if (!(ttl > 0)) {
      if (token !== undefined) return false;
      await this.delete(key);
      return true;
    }
    const tags = [...new Set(entry.tags)];
    // index first: if this fails the entry is not written, so no entry ever escapes its tags
    await Promise.all(tags.map((tag) => this.port.eval(TAG_ADD, [this.layout.tag(tag)], [ttl, key])));
    const keys = [this.layout.entry(key)];
    if (token !== undefined) keys.push(this.layout.lock(key));
    const reply = await this.port.eval(SET_ENTRY, keys, [
      ttl,
      encodeMeta(entry),
      entry.body,
      token ?? '',
      ...tags,
    ]);
    if (flag(reply) !== 1) return false;
    await this.#dropOldTags(key, tags, reply);
    return true;
  }

  /** Drops `key` from the sets of the replaced entry's tags (in a write's `reply`) it no longer carries. */
  async #dropOldTags(key: string, tags: readonly string[], reply: ScriptReply): Promise<void> {
    const kept = new Set(tags);
    await this.#untag(
      key,
      tagsOf(reply).filter((tag) => !kept.has(tag)),
    );
  }

  /** Drops `key` from the sets of `tags`. */
  async #untag(key: string, tags: readonly string[]): Promise<void> {
    await Promise.all(tags.map((tag) => this.port.eval(TAG_REMOVE, [this.layout.tag(tag)], [key])));
  }

  async #deleteTag(tag: string): Promise<number> {
    const setKey = this.layout.tag(tag);
    let removed = 0;
    let cursor = '0';
    do {
      const step = await this.port.eval(TAG_SCAN, [setKey], [cursor, TAG_BATCH]);
      if (!Array.isArray(step) || step.length === 0) break;
      cursor = String(step[0]);
      const members = step.slice(1).map(String);
      if (members.length === 0) continue;
      const replies = await Promise.all(
        members.map((member) => this.port.eval(DELETE_ENTRY, [this.layout.entry(member)], [tag])),
      );
      // each deleted entry also leaves the sets of its other tags
      const others = new Map<string, string[]>();
      replies.forEach((reply, i) => {
        if (flag(reply) !== 1) return;
        removed++;
        for (const other of tagsOf(reply)) {
          if (other === tag) continue;
          let keys = others.get(other);
          if (keys === undefined) others.set(other, (keys = []));
          keys.push(members[i]!);
        }
      });
      await Promise.all([
        this.port.eval(TAG_REMOVE, [setKey], members),
        ...[...others].map(([other, keys]) => this.port.eval(TAG_REMOVE, [this.layout.tag(other)], keys)),
      ]);
    } while (cursor !== '0');
    return removed;
  }
}
