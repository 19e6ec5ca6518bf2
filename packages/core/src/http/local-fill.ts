/**
 * The miss strategy of an engine that fills alone (no shared tier): its store is read and written
 * directly, and the request that leads this process's single-flight calls the origin. The engine
 * chooses it, or {@link FleetFill}, once at construction.
 */
import type { HttpPersistOptions, Persistence } from '../persist/persist.js';
import { MemoryStore } from '../store/memory-store.js';
import type { FillLease } from '../store/shared-backend.js';
import { isPromiseLike, type ResponseStore, type StoredEntry } from '../store/types.js';
import type { EntryWriter, FlightOutcome } from './fill.js';
import type { ResolvedHttpCacheOptions } from './options.js';
import type { RefreshClaims } from './revalidation.js';
import type { FlightLeader } from './single-flight.js';
import type { HttpCacheStats } from './types.js';

/**
 * How a miss proceeds once this process's single-flight made its request the leader: `fill` (call
 * the origin; with the fleet's `lease`, leading for the fleet, through the returned `flight`),
 * `again` (look up again: another process stored something newer), `waited` (another process
 * filled; its `outcome`), `timeout` (the fleet's filler is too slow: go to the origin, store nothing).
 */
export type ClaimStep =
  | { readonly kind: 'fill'; readonly flight?: FlightLeader<FlightOutcome>; readonly lease?: FillLease }
  | { readonly kind: 'again' }
  | { readonly kind: 'waited'; readonly outcome: FlightOutcome }
  | { readonly kind: 'timeout' };

/** What a strategy uses of the engine. */
export interface MissServices {
  readonly stats: HttpCacheStats;
  readonly report: (error: unknown, context: string) => void;
}

/** The single-process answer of {@link LocalFill.claim}: this request fills, with its own flight. */
const FILL_ALONE: ClaimStep = { kind: 'fill' };

/** Whether `value` has the shape of a {@link StoredEntry}. */
export function isEntry(value: unknown): value is StoredEntry {
  const e = value as StoredEntry | undefined;
  return (
    typeof e === 'object' &&
    e !== null &&
    e.body instanceof Uint8Array &&
    typeof e.status === 'number' &&
    typeof e.expiresAt === 'number' &&
    typeof e.staleAt === 'number' &&
    typeof e.headers === 'object' &&
    e.headers !== null
  );
}

/** The miss strategy without a shared tier; {@link FleetFill} extends it. */
export class LocalFill implements EntryWriter, RefreshClaims {
  /** The store entries live in. */
  readonly store: ResponseStore;
  protected readonly services: MissServices;
  /** With `persist`: the memory store we made (the L1 of a shared tier), ours to load and close. */
  protected readonly local: MemoryStore | undefined;
  #loading: Promise<void> | undefined;
  #persistence: Persistence | undefined;

  /**
   * @param tier With a shared tier: makes the store in front of it, from our memory store if any.
   */
  constructor(
    o: ResolvedHttpCacheOptions,
    services: MissServices,
    tier?: (local: MemoryStore | undefined) => ResponseStore,
  ) {
    this.services = services;
    const memory = {
      maxEntries: o.maxEntries,
      maxBytes: o.maxBytes,
      now: o.now,
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    };
    const local = o.persist === undefined ? undefined : new MemoryStore(memory);
    this.local = local;
    this.store = tier?.(local) ?? o.store ?? local ?? new MemoryStore(memory);
    if (local !== undefined) this.#loading = this.#load(local, o.persist!);
  }

  /** While the memory store loads from disk (`persist`): requests wait for it. */
  get loading(): Promise<void> | undefined {
    return this.#loading;
  }

  /** The running persistence (with `persist`, once loaded and unless loading failed). */
  get persistence(): Persistence | undefined {
    return this.#persistence;
  }

  /**
   * Read `key`, absorbing store failures (a miss) and anything that is not an entry. Answers at once
   * when the store does (a memory hit costs no promise), else with a promise that never rejects.
   * `toFill`: a miss would make this request claim the key's fill next (the fleet may claim it with
   * the read).
   */
  read(key: string, toFill = false): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    let pending: unknown;
    try {
      pending = this.get(key, toFill);
    } catch (error) {
      this.services.report(error, 'store.get');
      return undefined;
    }
    if (!isPromiseLike(pending)) return this.#checkEntry(key, pending);
    return Promise.resolve(pending).then(
      (value) => this.#checkEntry(key, value),
      (error: unknown) => {
        this.services.report(error, 'store.get');
        return undefined;
      },
    );
  }

  /**
   * Write an entry (and a Vary index), absorbing failures; resolves when both writes settled, or is
   * `undefined` when the memory store holds them already. The variant is written first: an index
   * visible before its variant would send readers to a vary-miss.
   */
  write(
    key: string,
    entry: StoredEntry,
    index?: { key: string; entry: StoredEntry },
    lease?: FillLease,
  ): Promise<void> | undefined {
    const written = this.writeOne(key, entry, lease);
    if (index === undefined) return written;
    const indexed = this.writeOne(index.key, index.entry, lease);
    if (written === undefined && indexed === undefined) return undefined;
    return Promise.all([written, indexed]).then(() => undefined);
  }

  /** Remove the entry at `key` (every tier), absorbing failures. */
  drop(key: string): void {
    void Promise.resolve()
      .then(() => this.store.delete(key))
      .catch((error: unknown) => this.services.report(error, 'store.delete'));
  }

  /** Delete the entries carrying any of `tags`, absorbing failures; resolves how many went. */
  purge(tags: string[], context: string): Promise<number> {
    const { stats, report } = this.services;
    try {
      return Promise.resolve(this.store.deleteByTags(tags)).then(
        (n) => {
          const removed = typeof n === 'number' && n > 0 ? n : 0;
          stats.invalidations += removed;
          return removed;
        },
        (error: unknown) => {
          report(error, context);
          return 0;
        },
      );
    } catch (error) {
      report(error, context);
      return Promise.resolve(0);
    }
  }

  /** The leader of this process's flight for `key` fills it: nobody else is asked. */
  claim(
    _key: string,
    _flight: FlightLeader<FlightOutcome>,
    _seen: StoredEntry | undefined,
    _retryable: boolean,
  ): ClaimStep | Promise<ClaimStep> {
    return FILL_ALONE;
  }

  /** The flight (and lease) of a background refresh's fill of `key`. */
  refreshFill(
    _key: string,
    flight: FlightLeader<FlightOutcome> | undefined,
  ): { flight: FlightLeader<FlightOutcome> | undefined; lease: FillLease | undefined } {
    return { flight, lease: undefined };
  }

  /** This process refreshes on its own. */
  claimRefresh(_key: string, _wanted: () => boolean): Promise<'go' | 'others' | 'drop'> | undefined {
    return undefined;
  }

  releaseRefresh(_key: string): void {}

  /** Let go, at once, of what background refreshes hold (the engine is closing). */
  stop(): void {}

  /** Take the final snapshot (with `persist`), then close the store. */
  async close(): Promise<void> {
    await this.#loading;
    if (this.#persistence !== undefined) {
      await this.#persistence.close().catch((error: unknown) => this.services.report(error, 'persist.close'));
      this.#persistence = undefined;
    }
    await this.store.close?.();
  }

  /** The store's raw answer for `key`. */
  protected get(key: string, _toFill: boolean): unknown {
    return this.store.get(key);
  }

  /** Write one entry, absorbing failures. */
  protected writeOne(
    key: string,
    entry: StoredEntry,
    _lease: FillLease | undefined,
  ): Promise<void> | undefined {
    const report = this.services.report;
    try {
      const written = Promise.resolve(this.store.set(key, entry)).catch((error: unknown) =>
        report(error, 'store.set'),
      );
      // a memory store holds the entry once `set` returns: no reader can miss it, so nothing to wait for
      return this.store instanceof MemoryStore ? undefined : written;
    } catch (error) {
      report(error, 'store.set');
      return undefined;
    }
  }

  /** Load the memory store from disk; a failure is reported and leaves the cache in memory only. */
  async #load(store: MemoryStore, options: HttpPersistOptions): Promise<void> {
    try {
      this.#persistence = await store.persist({ ...options });
    } catch (error) {
      this.services.report(error, 'persist');
    } finally {
      this.#loading = undefined;
    }
  }

  /** What a store answered, as an entry or `undefined` (something else is reported). */
  #checkEntry(key: string, value: unknown): StoredEntry | undefined {
    if (value === undefined || value === null) return undefined;
    if (isEntry(value)) return value;
    this.services.report(
      new TypeError(`store.get(${JSON.stringify(key)}) returned something that is not an entry`),
      'store.get',
    );
    return undefined;
  }
}
