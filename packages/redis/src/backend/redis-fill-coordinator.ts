/**
 * {@link RedisFillCoordinator}: the cross-process stampede protocol over one Redis (DESIGN "Stampede
 * protection" item 2).
 *
 * For a key that missed everywhere, each process's single-flight leader calls `claim(key)`:
 *
 * 1. It makes sure it is subscribed to the fill-notice channel `<prefix>fill` and registers itself
 *    as a waiter for the key **before** trying the lock, so a notice sent after that reaches it.
 * 2. `SET lock:{k} token NX PX lockTtl`, with the holder's remaining ttl returned when busy, or the
 *    entry's metadata when taken (one script), so the engine can see whether a filler finished just
 *    before without another round trip. A cold key's first claim is begun by the engine's read
 *    itself ({@link RedisFillCoordinator.readOrClaim}: the entry, or the lock tried, in one script).
 * 3. Taken: it leads ({@link FillLease}). It writes the shared store with a script that writes only
 *    while the lock still holds its token, publishes a fill notice and deletes the lock: on a single
 *    Redis all in that one script (`RedisStore.commitIfLocked`), so the notice does not wait for the
 *    filler's process to read the write's reply; on a cluster, where the keys span slots, the write
 *    (`RedisStore.setIfLocked`), then the notice and the lock's compare-and-delete. A `filled`
 *    notice carries a small entry, so that the waiting processes need not read it.
 * 4. Busy: it waits for a notice for the key (no polling), for the lock's expiry, or for its `wait`
 *    budget, whichever comes first. A notice ends the claim (`done`, with how the fill ended). The
 *    lock's expiry without a notice means the holder died (or lost Redis): the waiter tries the lock
 *    again (one of the fleet's waiters wins and fills, the others wait for its notice). The budget
 *    running out ends the claim as `timeout`.
 *
 * A holder's lock is not extended: `lockTtl` is how long a fill may take before one more process may
 * take over (nginx `proxy_cache_lock_age`), and how soon a dead holder is replaced.
 *
 * Notices are also dispatched in-process at once (engines of one process sharing the coordinator do
 * not wait for the Redis round trip), and a process ignores its own notices when Redis echoes them.
 * Every failure of Redis resolves a claim as `unavailable` (the engine then behaves as one process),
 * and so do the claims waiting when Redis is found down (a notice could not reach them any more):
 * while any claim waits, one cheap command every `heartbeat` ms checks that Redis answers, and the
 * backend also calls {@link RedisFillCoordinator.interrupt} when its circuit opens. A lease never
 * rejects.
 */
import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  checkOptions,
  type Duration,
  type EntryVersion,
  type FillClaim,
  type FillClaimOptions,
  type FillCoordinator,
  type FillLease,
  type FillOutcome,
  LockLostError,
  LockUnavailableError,
  type PendingClaim,
  parsePositiveDuration,
  type ReadOrClaim,
  type StoredEntry,
} from '@larder/core';
import { decodeEntry, isReadableMeta } from '../entry-codec.js';
import type { Lock } from '../lock/lock.js';
import { type LockClaim, LockClient } from '../lock/lock-client.js';
import { LockHandle } from '../lock/lock-handle.js';
import type { SingleInstance } from '../lock/single-instance.js';
import type { RedisPort, Subscription } from '../port.js';
import type { RedisStore } from '../redis-store.js';
import { type CarriedEntry, carry, decodeFillNotice, encodeFillNotice } from './fill-notice.js';

/** Options of {@link RedisFillCoordinator}. */
export interface RedisFillCoordinatorOptions {
  /** The shared store: its layout names the lock keys, its `setIfLocked` is the holder's write. */
  store: RedisStore;
  /** The port for the lock, the notices and the subscription. @defaultValue `store.port` */
  port?: RedisPort;
  /**
   * How long a holder keeps a key: ms, or a duration string such as `'5s'` (`PX` of the lock): after that, one more process may fill
   * it, and a holder that died is replaced. @defaultValue 5000
   */
  lockTtl?: Duration;
  /** This process's id in notices. @defaultValue a random UUID */
  instanceId?: string;
  /** Receives the Redis failures the coordinator absorbs. */
  onError?: (error: unknown, context: string) => void;
  /**
   * Whether Redis looks healthy (the backend passes its breaker's `healthy`): when not, a claim
   * resolves `unavailable` at once instead of paying a command timeout per step of the protocol.
   * @defaultValue always healthy
   */
  healthy?: () => boolean;
  /**
   * While claims wait for notices, how often the coordinator checks that Redis still answers (one
   * cheap command per process, not per claim), in ms: a notice cannot arrive through a dead Redis,
   * so when the check fails the waiting claims resolve `unavailable` at once. @defaultValue the
   * port's command timeout (1000 ms when it has none)
   */
  heartbeat?: number;
}

/** @defaultValue of {@link RedisFillCoordinatorOptions.lockTtl}, in ms. */
export const DEFAULT_LOCK_TTL = 5000;

const OPTION_NAMES = ['store', 'port', 'lockTtl', 'instanceId', 'onError', 'healthy', 'heartbeat'];

/**
 * The version of the entry whose metadata field (`m`, see `entry-codec.ts`) the acquire script
 * returned: `null` for no entry, or for one the decoder rejects (another format version, a missing
 * body: it is a miss, which this fill overwrites; counting it as an entry would send the engine
 * back to read it again and again), `undefined` when the reply cannot be read (the engine then reads
 * the store itself).
 */
function entryVersion(key: string, meta: unknown, hasBody: unknown): EntryVersion | null | undefined {
  if (!Buffer.isBuffer(meta)) return undefined;
  if (meta.length === 0) return null;
  if (!isReadableMeta(key, meta, hasBody === 1)) return null;
  try {
    const m = JSON.parse(meta.toString('utf8')) as Record<string, unknown>;
    const { storedAt, staleAt, expiresAt, vary } = m;
    if (typeof storedAt !== 'number' || typeof staleAt !== 'number' || typeof expiresAt !== 'number') {
      return undefined;
    }
    const version: EntryVersion = { storedAt, staleAt, expiresAt };
    if (Array.isArray(vary)) version.vary = vary as string[];
    return version;
  } catch {
    return undefined;
  }
}

/** A claim waiting for a notice on its key. */
class Waiter {
  outcome: FillOutcome | undefined;
  /** Set when Redis was found down while waiting: the claim ends as `unavailable`. */
  interrupted = false;
  #wake: (() => void) | undefined;

  notify(outcome: FillOutcome | undefined): void {
    if (outcome !== undefined) this.outcome ??= outcome;
    this.#wake?.();
  }

  interrupt(): void {
    this.interrupted = true;
    this.#wake?.();
  }

  /** Resolves after `ms`, or as soon as {@link Waiter.notify} is called. */
  until(ms: number): Promise<void> {
    if (this.outcome !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** What a lease needs of its coordinator. */
interface LeaseHost {
  readonly store: RedisStore;
  readonly port: RedisPort;
  readonly channel: string;
  readonly instanceId: string;
  dispatch(key: string, outcome: FillOutcome, lease: FillLease | undefined): void;
  report(error: unknown, context: string): void;
}

/** What a lease tells the fleet when its write landed. */
const FILLED: FillOutcome = { kind: 'filled' };

class RedisFillLease implements FillLease {
  readonly key: string;
  /** The lock's value while this lease holds it. */
  readonly token: string;
  readonly #host: LeaseHost;
  readonly #lock: Lock;
  /** Writes of other keys of the fill (Vary variants) in flight: they land before the notice goes. */
  readonly #others = new Set<Promise<unknown>>();
  #wrote = false;
  /** What the conditional write at the leased key wrote (its notice may carry it). */
  #written: StoredEntry | undefined;
  #released = false;

  constructor(host: LeaseHost, key: string, lock: Lock) {
    this.#host = host;
    this.key = key;
    this.#lock = lock;
    this.token = lock.token;
  }

  async write(key: string, entry: StoredEntry): Promise<boolean> {
    if (this.#released) return false;
    const host = this.#host;
    try {
      if (key !== this.key) {
        // another key of the same fill (a Vary variant): it has no lock of its own
        const written = host.store.set(key, entry);
        this.#others.add(written);
        try {
          await written;
        } finally {
          this.#others.delete(written);
        }
        return true;
      }
      if (host.port.cluster) {
        const wrote = await host.store.setIfLocked(key, entry, this.token);
        if (wrote) {
          this.#wrote = true;
          this.#written = entry;
        }
        return wrote;
      }
      return await this.#commit(key, entry);
    } catch (error) {
      host.report(error, 'fill.write');
      return false;
    }
  }

  /**
   * On a single Redis, the write of the key's entry is the end of the fill: one script writes it,
   * publishes the fill notice and deletes the lock, so the other processes hear of it one round trip
   * after the origin answered, however busy this process then is answering its own waiters.
   */
  async #commit(key: string, entry: StoredEntry): Promise<boolean> {
    const host = this.#host;
    if (this.#others.size > 0) await Promise.allSettled([...this.#others]);
    if (this.#released) return false;
    // the notice carries a small entry: the waiting processes then need not read it
    const notice = encodeFillNotice({ from: host.instanceId, key, outcome: FILLED, carried: carry(entry) });
    const wrote = await host.store.commitIfLocked(key, entry, this.token, host.channel, notice);
    if (!wrote || this.#released) return wrote;
    this.#wrote = true;
    this.#released = true;
    // the script deleted the lock: the handle's expiry timer has nothing left to watch
    if (this.#lock instanceof LockHandle) this.#lock.detach();
    host.dispatch(this.key, FILLED, this);
    return true;
  }

  async release(outcome: FillOutcome): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    // "filled" promises waiters an entry in the shared store: only if our conditional write landed
    const told: FillOutcome =
      outcome.kind === 'filled' && !this.#wrote ? { kind: 'retry', abandoned: false } : outcome;
    const host = this.#host;
    host.dispatch(this.key, told, this);
    const written = told.kind === 'filled' ? this.#written : undefined;
    const notice = encodeFillNotice({
      from: host.instanceId,
      key: this.key,
      outcome: told,
      carried: written === undefined ? undefined : carry(written),
    });
    await Promise.all([
      host.port.publish(host.channel, notice).catch((error: unknown) => host.report(error, 'fill.notice')),
      this.drop(),
    ]);
  }

  /** Delete the lock if it still holds our token, without a notice. */
  async drop(): Promise<void> {
    this.#released = true;
    try {
      await this.#lock.release();
    } catch (error) {
      // a lock that lapsed (the fill took longer than lockTtl) is nobody's to delete: nothing to do
      if (!(error instanceof LockLostError)) this.#host.report(redisError(error), 'fill.release');
    }
  }
}

/**
 * The stampede protocol over Redis: a {@link FillCoordinator} for `HttpCache`'s `shared` option
 * (`createRedisBackend` makes one). See the module comment for the protocol.
 */
export class RedisFillCoordinator implements FillCoordinator {
  /** The channel fill notices travel on: `<prefix>fill`. */
  readonly channel: string;
  /** This process's id in notices. */
  readonly instanceId: string;
  /** The lock's ttl, in ms. */
  readonly lockTtl: number;
  readonly #store: RedisStore;
  readonly #port: RedisPort;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #healthy: () => boolean;
  readonly #heartbeat: number;
  #beat: ReturnType<typeof setInterval> | undefined;
  #beating = false;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #listeners = new Set<(key: string, lease: FillLease | undefined) => void>();
  readonly #host: LeaseHost;
  readonly #locks: LockClient<SingleInstance>;
  #subscription: Subscription | undefined;
  #subscribing: Promise<boolean> | undefined;
  /** Bumped by {@link RedisFillCoordinator.reset}: a subscription made before it is stale. */
  #epoch = 0;
  #closed = false;

  /** @throws {@link ConfigError} for an unknown option or an invalid value. */
  constructor(options: RedisFillCoordinatorOptions) {
    checkOptions(options, OPTION_NAMES);
    const store = options.store;
    if (typeof store !== 'object' || store === null || typeof store.setIfLocked !== 'function') {
      throw new ConfigError('store', store, 'a RedisStore');
    }
    // a whole number of ms above zero (the PX of the lock), from ms or a string such as '5s'
    const lockTtl = parsePositiveDuration('lockTtl', options.lockTtl ?? DEFAULT_LOCK_TTL);
    const instanceId = options.instanceId ?? randomUUID();
    if (typeof instanceId !== 'string' || instanceId === '') {
      throw new ConfigError('instanceId', instanceId, 'a non-empty string');
    }
    const onError = options.onError;
    if (onError !== undefined && typeof onError !== 'function')
      throw new ConfigError('onError', onError, 'a function');
    this.#onError = (error, context) => {
      try {
        onError?.(error, context);
      } catch {
        // a throwing reporter must not break the protocol
      }
    };
    const healthy = options.healthy ?? (() => true);
    if (typeof healthy !== 'function') throw new ConfigError('healthy', healthy, 'a function');
    this.#healthy = healthy;
    this.#store = store;
    this.#port = options.port ?? store.port;
    const heartbeat = options.heartbeat ?? (this.#port.commandTimeout || 1000);
    if (typeof heartbeat !== 'number' || !Number.isFinite(heartbeat) || heartbeat <= 0) {
      throw new ConfigError('heartbeat', heartbeat, 'a number of ms above zero');
    }
    this.#heartbeat = heartbeat;
    this.lockTtl = lockTtl;
    this.instanceId = instanceId;
    this.channel = `${store.layout.prefix}fill`;
    // the lock keys are the store's (its layout): `setIfLocked` checks them
    this.#locks = new LockClient({
      client: this.#port,
      prefix: store.layout.prefix,
    }) as LockClient<SingleInstance>;
    this.#host = {
      store,
      port: this.#port,
      channel: this.channel,
      instanceId,
      dispatch: (key, outcome, lease) => this.#dispatch(key, outcome, lease),
      report: (error, context) => this.#onError(error, context),
    };
  }

  /** Whether the notice subscription is live. */
  get subscribed(): boolean {
    return this.#subscription !== undefined;
  }

  /**
   * Make sure the notice subscription is live (the claims do it on their own; call it early to spare
   * the first claim the wait). Resolves false when Redis could not be reached; never rejects.
   */
  subscribe(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#subscription !== undefined) return Promise.resolve(true);
    if (this.#subscribing !== undefined) return this.#subscribing;
    const epoch = this.#epoch;
    const subscribing = this.#port
      .subscribe(this.channel, (payload) => this.#onNotice(payload))
      .then(
        (subscription) => {
          if (this.#subscribing === subscribing) this.#subscribing = undefined;
          if (this.#closed || epoch !== this.#epoch) {
            subscription.unsubscribe().catch(() => {});
            return false;
          }
          this.#subscription = subscription;
          return true;
        },
        (error: unknown) => {
          if (this.#subscribing === subscribing) this.#subscribing = undefined;
          this.#onError(error, 'fill.subscribe');
          return false;
        },
      );
    this.#subscribing = subscribing;
    return subscribing;
  }

  /**
   * Lead the fill of `key` for the fleet, or wait for the process that does (see the module comment).
   * Never rejects.
   */
  async claim(key: string, options: FillClaimOptions): Promise<FillClaim> {
    const wait = waitOf(options);
    if (this.#closed || !this.#healthy()) return { kind: 'unavailable' };
    const deadline = performance.now() + wait;
    let waiter: Waiter | undefined;
    if (wait > 0) {
      // listen before looking: a notice sent after this point cannot be missed
      if (!(await this.subscribe())) return { kind: 'unavailable' };
      waiter = this.#listen(key);
    }
    try {
      return await this.#claim(key, deadline, waiter, undefined);
    } finally {
      if (waiter !== undefined) this.#unlisten(key, waiter);
    }
  }

  /**
   * Read the entry at `key` and, when there is none, begin the claim in the same script (the lock
   * tried, or its holder's remaining ttl learned), as the engine's read of a cold key: the leader
   * then calls the origin one round trip after the request came, not two. The returned claim goes
   * on as {@link RedisFillCoordinator.claim} would. Rejects (a `StoreError`) when Redis failed, as
   * `RedisStore.get` does. Without the notice subscription, or with Redis unhealthy, it is a plain
   * read (the engine claims afterwards as before). A single instance or a cluster alike: the entry
   * and its lock share a slot.
   */
  async readOrClaim(key: string): Promise<ReadOrClaim> {
    if (this.#closed || !this.#healthy() || this.#subscription === undefined) {
      return { entry: await this.#store.get(key) };
    }
    // listen before looking, as claim does
    const waiter = this.#listen(key);
    let first: LockClaim;
    try {
      first = await this.#locks.claimUnless(
        key,
        { ttl: this.lockTtl },
        { key: this.#store.layout.entry(key), fields: ENTRY_FIELDS },
      );
    } catch (error) {
      this.#unlisten(key, waiter);
      throw redisError(error);
    }
    if (first.lock === undefined && first.found !== undefined) {
      this.#unlisten(key, waiter);
      const [meta, body] = first.found;
      if (!Buffer.isBuffer(meta)) return { entry: undefined };
      // an entry the decoder rejects fails the read as RedisStore.get does (a miss, reported)
      return { entry: decodeEntry(key, meta, Buffer.isBuffer(body) ? body : null) };
    }
    let open = true;
    const claim: PendingClaim = {
      take: async (options) => {
        if (!open) return { kind: 'unavailable' };
        open = false;
        const wait = waitOf(options);
        try {
          if (this.#closed) {
            if (first.lock !== undefined) await new RedisFillLease(this.#host, key, first.lock).drop();
            return { kind: 'unavailable' };
          }
          return await this.#claim(key, performance.now() + wait, wait > 0 ? waiter : undefined, first);
        } finally {
          this.#unlisten(key, waiter);
        }
      },
      drop: () => {
        if (!open) return;
        open = false;
        this.#unlisten(key, waiter);
        // a key taken for nobody: free it, and tell whoever started waiting on it to look again
        if (first.lock !== undefined) {
          void new RedisFillLease(this.#host, key, first.lock).release({ kind: 'retry', abandoned: false });
        }
      },
    };
    return { entry: undefined, claim };
  }

  /** A waiter for notices on `key`, registered (and the heartbeat running) until {@link #unlisten}. */
  #listen(key: string): Waiter {
    const waiter = new Waiter();
    let set = this.#waiters.get(key);
    if (set === undefined) this.#waiters.set(key, (set = new Set()));
    set.add(waiter);
    this.#startBeat();
    return waiter;
  }

  #unlisten(key: string, waiter: Waiter): void {
    const set = this.#waiters.get(key);
    if (set === undefined || !set.delete(waiter)) return;
    if (set.size === 0) this.#waiters.delete(key);
    if (this.#waiters.size === 0) this.#stopBeat();
  }

  /** While claims wait: check every `heartbeat` ms that Redis answers; when it does not, interrupt them. */
  #startBeat(): void {
    if (this.#beat !== undefined) return;
    this.#beat = setInterval(() => {
      if (this.#beating) return;
      this.#beating = true;
      this.#port.get(`${this.#store.layout.prefix}heartbeat`).then(
        () => {
          this.#beating = false;
        },
        (error: unknown) => {
          this.#beating = false;
          this.#onError(error, 'fill.heartbeat');
          this.interrupt();
        },
      );
    }, this.#heartbeat);
    this.#beat.unref();
  }

  #stopBeat(): void {
    if (this.#beat === undefined) return;
    clearInterval(this.#beat);
    this.#beat = undefined;
  }

  /**
   * The claim's loop. `first`: the attempt {@link RedisFillCoordinator.readOrClaim} made, which found
   * no entry; the loop starts from it instead of making one.
   */
  async #claim(
    key: string,
    deadline: number,
    waiter: Waiter | undefined,
    first: LockClaim | undefined,
  ): Promise<FillClaim> {
    const peek = { key: this.#store.layout.entry(key), field: 'm', exists: 'b' };
    for (let vanished = 0, given = first; ; given = undefined) {
      let claim: LockClaim;
      if (given !== undefined) claim = given;
      else {
        try {
          claim = await this.#locks.claim(key, { ttl: this.lockTtl }, peek);
        } catch (error) {
          this.#onError(redisError(error), 'fill.acquire');
          return { kind: 'unavailable' };
        }
      }
      if (claim.lock !== undefined) {
        const lease = new RedisFillLease(this.#host, key, claim.lock);
        if (waiter?.outcome?.kind === 'filled') {
          // the previous holder finished while we were asking: its entry is there to read
          await lease.drop();
          return { kind: 'done', outcome: waiter.outcome };
        }
        // taken by the read: there was no entry at the key then
        if (given !== undefined) return { kind: 'lead', lease, current: null };
        const current = entryVersion(key, claim.peeked?.[0], claim.peeked?.[1]);
        return current === undefined ? { kind: 'lead', lease } : { kind: 'lead', lease, current };
      }
      if (waiter === undefined || this.#closed) return { kind: 'timeout' };
      if (waiter.outcome !== undefined) return { kind: 'done', outcome: waiter.outcome };
      if (waiter.interrupted) return { kind: 'unavailable' };
      const remaining = deadline - performance.now();
      if (remaining <= 0) return { kind: 'timeout' };
      const pttl = claim.remaining ?? -1;
      if (pttl === -2 && vanished++ < 3) continue; // freed between SET and PTTL: try again at once
      // a lock without expiry is not ours to wait out: wait for a notice or the budget
      const lapse = pttl >= 0 ? pttl + 1 : Number.POSITIVE_INFINITY;
      await waiter.until(Math.min(lapse, remaining));
      if (waiter.outcome !== undefined) return { kind: 'done', outcome: waiter.outcome };
      if (waiter.interrupted) return { kind: 'unavailable' };
      if (this.#closed || lapse >= remaining) return { kind: 'timeout' };
      // the lock lapsed without a notice: its holder died or lost Redis; compete for the key again
      vanished = 0;
    }
  }

  onFill(listener: (key: string, lease: FillLease | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Redis was found down (the backend's circuit opened): end every waiting claim now as
   * `unavailable`, since no notice can reach it, so that its engine goes on as a single process
   * instead of waiting out `lockTimeout`.
   */
  interrupt(): void {
    for (const set of this.#waiters.values()) for (const waiter of set) waiter.interrupt();
  }

  /** Forget the notice subscription (its connection was closed); the next claim subscribes again. */
  reset(): void {
    this.#epoch++;
    this.#subscription = undefined;
    this.#subscribing = undefined;
  }

  /** Unsubscribe and end every waiting claim (as `timeout`). Leases still out keep working until released. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopBeat();
    for (const set of this.#waiters.values()) for (const waiter of set) waiter.notify(undefined);
    const subscription = this.#subscription;
    this.reset();
    await subscription?.unsubscribe().catch((error: unknown) => this.#onError(error, 'fill.unsubscribe'));
  }

  #onNotice(payload: Buffer): void {
    const notice = decodeFillNotice(payload);
    if (notice === undefined) {
      this.#onError(
        new Error(`malformed fill notice: ${payload.toString('utf8').slice(0, 200)}`),
        'fill.notice',
      );
      return;
    }
    // our own notices were dispatched in-process when the lease was released
    if (notice.from === this.instanceId) return;
    let outcome = notice.outcome;
    // the entry it carries is decoded only for a process that waits for it
    if (outcome.kind === 'filled' && notice.carried !== undefined && this.#waiters.has(notice.key)) {
      const entry = this.#carried(notice.key, notice.carried);
      if (entry !== undefined) outcome = { kind: 'filled', entry };
    }
    this.#dispatch(notice.key, outcome, undefined);
  }

  /** The entry a notice carried, checked as a read of Redis is; `undefined` (reported) when unreadable. */
  #carried(key: string, carried: CarriedEntry): StoredEntry | undefined {
    try {
      return decodeEntry(key, Buffer.from(carried.meta, 'utf8'), Buffer.from(carried.body, 'base64'));
    } catch (error) {
      this.#onError(error, 'fill.notice');
      return undefined;
    }
  }

  #dispatch(key: string, outcome: FillOutcome, lease: FillLease | undefined): void {
    const waiters = this.#waiters.get(key);
    if (waiters !== undefined) for (const waiter of waiters) waiter.notify(outcome);
    if (outcome.kind !== 'filled') return;
    for (const listener of this.#listeners) {
      try {
        listener(key, lease);
      } catch (error) {
        this.#onError(error, 'fill.listener');
      }
    }
  }
}

/** The fields of an entry's hash a read takes: metadata first (present in every entry), then the body. */
const ENTRY_FIELDS = ['m', 'b'] as const;

/** A claim's wait budget in ms: `options.wait` when it is a number above zero, else 0. */
function waitOf(options: FillClaimOptions): number {
  return typeof options?.wait === 'number' && options.wait > 0 ? options.wait : 0;
}

/** The Redis failure behind a lock error, as the store reports it (`StoreError` with its reason). */
function redisError(error: unknown): unknown {
  return error instanceof LockUnavailableError && error.cause !== undefined ? error.cause : error;
}
