/**
 * What a shared tier (Redis, in `@larder/redis`) gives the engine: a shared L2 {@link ResponseStore},
 * a bus that carries invalidations to every instance's L1, and a {@link FillCoordinator} that lets
 * one instance of a fleet call the origin for a key while the others wait for its fill (DESIGN
 * "Stampede protection" item 2). Core defines the shapes and depends on no backend.
 *
 * Every member must fail open: a backend that cannot reach its server says so (a rejected promise,
 * or a claim of kind `'unavailable'`) quickly, and the engine then behaves as a single process.
 */
import type { ResponseStore, StoredEntry } from './types.js';

/** An invalidation as it travels between instances. */
export interface InvalidationMessage {
  /** Cache keys to drop. */
  keys?: readonly string[];
  /** Tags whose entries to drop (the engine's URL and key tags included). */
  tags?: readonly string[];
  /** Drop everything. */
  clear?: boolean;
}

/**
 * Carries invalidations between the instances of a fleet (`RedisBus` implements it). Delivery may be
 * at most once; a bus that may have lost messages (a reconnect) should deliver `{ clear: true }` to
 * its local subscribers, so that they drop what they can no longer trust.
 */
export interface InvalidationBus {
  /** Tell the other instances. Rejects when the message could not be sent. */
  publish(message: InvalidationMessage): Promise<unknown>;
  /**
   * Receive the other instances' messages (never this instance's own). Resolves once subscribed,
   * with a function that unsubscribes.
   */
  subscribe(handler: (message: InvalidationMessage) => void): Promise<() => Promise<void>>;
  /**
   * An endpoint of this bus for one more local user (one engine, when several engines of a process
   * share a backend): it hears every other endpoint's messages, local or remote, but not its own.
   * Without it, the bus itself is the one endpoint of its process.
   */
  connect?(): InvalidationBus;
}

/**
 * How another instance's fill of a key ended, as its waiters learn it. Mirrors what an in-process
 * single-flight leader hands its waiters.
 */
export type FillOutcome =
  /**
   * The entry was written to the shared store: read it there, unless it came with the notice
   * (`entry`, what was written: a backend may carry small entries so that waiters need not read).
   */
  | { kind: 'filled'; entry?: StoredEntry }
  /** The origin's response was not storable; `status` is its status (stale-if-error may apply to a 5xx). */
  | { kind: 'uncacheable'; status: number }
  /**
   * Nothing was stored and nothing was learned about the resource: the origin threw or the client
   * left (`abandoned`), or the answer was specific to the holder's request (a 304, a 206). Try again.
   */
  | { kind: 'retry'; abandoned: boolean };

/**
 * The right to fill one key for the whole fleet, held by one instance at a time. It lapses by itself
 * if the holder dies; while held, the backend keeps it alive.
 */
export interface FillLease {
  /** The key this lease is for. */
  readonly key: string;
  /**
   * Write `entry` to the shared store. At the leased key the write happens only while this lease
   * still holds (checked atomically with the write); other keys (a Vary variant) are written as they
   * are. Resolves whether it wrote; never rejects.
   */
  write(key: string, entry: StoredEntry): Promise<boolean>;
  /**
   * End the lease: tell the waiting instances how the fill ended, and free the key. `'filled'` is
   * reported only if a {@link FillLease.write} at the leased key succeeded; otherwise waiters are told
   * to retry. Idempotent; never rejects.
   */
  release(outcome: FillOutcome): Promise<void>;
}

/** Enough of a stored entry to tell whether it changed, and whether it is still usable. */
export type EntryVersion = Pick<StoredEntry, 'storedAt' | 'staleAt' | 'expiresAt' | 'vary'>;

/** Options of {@link FillCoordinator.claim}. */
export interface FillClaimOptions {
  /**
   * Longest time to wait for another instance's fill, in ms; `0` makes one attempt and never waits
   * (a background refresh: someone else is already on it).
   */
  wait: number;
}

/** What {@link FillCoordinator.claim} resolves. */
export type FillClaim =
  /**
   * This instance leads: call the origin, write through the lease, release it. `current` is what the
   * shared store held at the key when the lease was taken (`null`: nothing), when the coordinator
   * learned it with the lock; absent, the engine reads the store itself. A filler that finished just
   * before shows up here, and the engine serves its entry instead of calling the origin again.
   */
  | { kind: 'lead'; lease: FillLease; current?: EntryVersion | null }
  /** Another instance held the key and its fill ended meanwhile, as `outcome` says. */
  | { kind: 'done'; outcome: FillOutcome }
  /** Another instance still holds the key after `wait` ms. */
  | { kind: 'timeout' }
  /** The coordinator cannot tell (its backend is down or its circuit open): behave as a single process. */
  | { kind: 'unavailable' };

/**
 * A claim that {@link FillCoordinator.readOrClaim} began with its read: the key was free and is now
 * held, or another instance holds it. Exactly one of its methods is called, once.
 */
export interface PendingClaim {
  /**
   * Go on with the claim as {@link FillCoordinator.claim} would, from what the read learned (no
   * further round trip when the key was taken), waiting at most `options.wait` ms. Never rejects.
   */
  take(options: FillClaimOptions): Promise<FillClaim>;
  /**
   * The claim is not wanted after all (the request that read does not fill): a key it holds is
   * freed, telling the waiting instances to look again. Never throws.
   */
  drop(): void;
}

/** What {@link FillCoordinator.readOrClaim} resolves. */
export interface ReadOrClaim {
  /** The entry found at the key (and nothing was claimed), or `undefined`. */
  readonly entry: StoredEntry | undefined;
  /** When nothing was found: the claim begun in the same round trip. */
  readonly claim?: PendingClaim | undefined;
}

/**
 * Elects one filler per key across a fleet (DESIGN "Stampede protection" item 2). The engine calls
 * {@link FillCoordinator.claim} once per key and process (after its in-process single-flight), so a
 * fleet of N processes makes at most N claims for one cold key, whatever the request count.
 */
export interface FillCoordinator {
  /**
   * Become the key's filler, or wait (without polling) until the current filler's fill ends, at most
   * `options.wait` ms. A filler that dies loses the key when its lease lapses; waiters still within
   * `wait` then compete for it again. Never rejects: a failing backend resolves `'unavailable'`.
   */
  claim(key: string, options: FillClaimOptions): Promise<FillClaim>;
  /**
   * Read the shared store's entry at `key` and, when there is none, begin a claim of the key in the
   * same round trip (a cold miss then costs one round trip before the origin is called, not two).
   * Rejects as the store's `get` does when the backend failed. Optional: without it, the engine
   * reads the store, then claims.
   */
  readOrClaim?(key: string): Promise<ReadOrClaim>;
  /**
   * Call `listener` with the key of every completed fill (the entry is in the shared store), so that
   * an instance can drop its own older L1 copy. Fills of other processes come with `lease`
   * `undefined`; fills made through this coordinator in this process (several engines may share it)
   * come with the holder's lease, so its owner can recognise its own fill. Returns a function that
   * stops the listener.
   */
  onFill?(listener: (key: string, lease: FillLease | undefined) => void): () => void;
}

/**
 * What the adapters take as their `shared` option (`createRedisBackend` in `@larder/redis` makes
 * one). Given it, the engine keeps entries in a {@link TieredStore} (its own bounded memory L1 in
 * front of `store`), subscribes that L1 to `bus`, and coordinates misses through `fills`.
 */
export interface SharedBackend {
  /** The shared L2. */
  readonly store: ResponseStore;
  /** Cross-instance invalidation of each instance's L1. Without it, L1 copies live until they expire. */
  readonly bus?: InvalidationBus | undefined;
  /** The cross-process stampede protocol. Without it, misses are coalesced per process only. */
  readonly fills?: FillCoordinator | undefined;
  /**
   * Longest time an entry stays in an instance's L1 before it is read from L2 again, in ms: a bound
   * on staleness should a bus message be lost. @defaultValue until the entry expires
   */
  readonly l1Ttl?: number | undefined;
  /**
   * Called by each engine that uses the backend, once; the returned function is called when that
   * engine closes. A backend can close the connections it opened when its last user has gone.
   */
  retain?(): () => Promise<void>;
}
