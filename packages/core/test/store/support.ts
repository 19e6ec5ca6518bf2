/**
 * In-process stand-ins for the parts of a shared tier, for core's unit tests (the real ones, over a
 * real Redis, are tested in `@larder/redis`): a bus that delivers between endpoints of one process,
 * a store that fails on demand, and a fill coordinator whose answers the test scripts.
 */

import type {
  FillClaim,
  FillClaimOptions,
  FillCoordinator,
  FillLease,
  FillOutcome,
  InvalidationBus,
  InvalidationMessage,
  PendingClaim,
  ReadOrClaim,
} from '../../src/store/shared-backend.js';
import type { ResponseStore, StoredEntry } from '../../src/store/types.js';

/**
 * A bus between the endpoints it hands out, delivering on the next macrotask as a network would.
 * The bus itself is one more endpoint.
 */
export class LocalBus implements InvalidationBus {
  readonly #handlers = new Map<InvalidationBus, Set<(m: InvalidationMessage) => void>>();
  /** Every message published, in order. */
  readonly published: InvalidationMessage[] = [];
  /** Fail every publish while true. */
  failPublish = false;
  readonly #self = this.connect();

  publish(message: InvalidationMessage): Promise<unknown> {
    return this.#self.publish(message);
  }

  subscribe(handler: (message: InvalidationMessage) => void): Promise<() => Promise<void>> {
    return this.#self.subscribe(handler);
  }

  connect(): InvalidationBus {
    const endpoint: InvalidationBus = {
      publish: async (message) => {
        if (this.failPublish) throw new Error('bus down');
        this.published.push(message);
        for (const [other, handlers] of this.#handlers) {
          if (other === endpoint) continue;
          for (const handler of handlers) setImmediate(() => handler(message));
        }
        return 1;
      },
      subscribe: async (handler) => {
        let set = this.#handlers.get(endpoint);
        if (set === undefined) this.#handlers.set(endpoint, (set = new Set()));
        set.add(handler);
        return async () => {
          set.delete(handler);
        };
      },
    };
    return endpoint;
  }

  /** Subscribed handlers, all endpoints together. */
  get subscribers(): number {
    let n = 0;
    for (const set of this.#handlers.values()) n += set.size;
    return n;
  }
}

/** A store in front of another that fails the operations a test picks (a chaos store). */
export class FlakyStore implements ResponseStore {
  readonly inner: ResponseStore;
  /** Operations to fail: `'get'`, `'set'`, `'delete'`, `'deleteByTags'`, `'clear'`. */
  readonly failing = new Set<string>();
  /** Every operation attempted. */
  readonly calls: string[] = [];
  /** Resolves `get`s only when the test says so, while set. */
  holdGets: Promise<void> | undefined;

  constructor(inner: ResponseStore) {
    this.inner = inner;
  }

  #guard<T>(op: string, run: () => Promise<T>): Promise<T> {
    this.calls.push(op);
    if (this.failing.has(op)) return Promise.reject(new Error(`${op} failed`));
    return run();
  }

  get(key: string): Promise<StoredEntry | undefined> {
    return this.#guard('get', async () => {
      const value = await this.inner.get(key);
      if (this.holdGets !== undefined) await this.holdGets;
      return value;
    });
  }
  set(key: string, entry: StoredEntry): Promise<void> {
    return this.#guard('set', () => this.inner.set(key, entry));
  }
  delete(key: string): Promise<void> {
    return this.#guard('delete', () => this.inner.delete(key));
  }
  deleteByTags(tags: readonly string[]): Promise<number> {
    return this.#guard('deleteByTags', () => this.inner.deleteByTags(tags));
  }
  clear(): Promise<void> {
    return this.#guard('clear', () => this.inner.clear());
  }
}

/** A lease that records what was done with it, writing to `l2` unconditionally. */
export class RecordingLease implements FillLease {
  readonly key: string;
  readonly writes: string[] = [];
  released: FillOutcome | undefined;
  releases = 0;
  readonly #l2: ResponseStore;

  constructor(key: string, l2: ResponseStore) {
    this.key = key;
    this.#l2 = l2;
  }

  async write(key: string, entry: StoredEntry): Promise<boolean> {
    this.writes.push(key);
    await this.#l2.set(key, entry);
    return true;
  }

  async release(outcome: FillOutcome): Promise<void> {
    this.releases++;
    this.released ??= outcome;
  }
}

/** A coordinator whose claims answer as the test's `answer` function says, recording them. */
export class ScriptedCoordinator implements FillCoordinator {
  readonly claims: { key: string; wait: number }[] = [];
  readonly leases: RecordingLease[] = [];
  readonly #listeners = new Set<(key: string, lease: FillLease | undefined) => void>();
  answer: (key: string, options: FillClaimOptions) => FillClaim | Promise<FillClaim>;
  readonly #l2: ResponseStore;

  constructor(
    l2: ResponseStore,
    answer?: (key: string, options: FillClaimOptions) => FillClaim | Promise<FillClaim>,
  ) {
    this.#l2 = l2;
    this.answer = answer ?? ((key) => ({ kind: 'lead', lease: this.lease(key) }));
  }

  /** A new recording lease on `key`. */
  lease(key: string): RecordingLease {
    const lease = new RecordingLease(key, this.#l2);
    this.leases.push(lease);
    return lease;
  }

  async claim(key: string, options: FillClaimOptions): Promise<FillClaim> {
    this.claims.push({ key, wait: options.wait });
    return this.answer(key, options);
  }

  onFill(listener: (key: string, lease: FillLease | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tell the listeners that `key` was filled (by `lease`, or elsewhere). */
  filled(key: string, lease?: FillLease): void {
    for (const listener of this.#listeners) listener(key, lease);
  }

  get listeners(): number {
    return this.#listeners.size;
  }
}

/**
 * A {@link ScriptedCoordinator} that also reads and claims in one step (`readOrClaim`): it reads
 * `l2`, and on a miss begins a claim that `take` answers with `answer`. It records each read, take
 * and drop, in order.
 */
export class ReadClaimingCoordinator extends ScriptedCoordinator {
  readonly steps: string[] = [];
  readonly #store: ResponseStore;

  constructor(
    l2: ResponseStore,
    answer?: (key: string, options: FillClaimOptions) => FillClaim | Promise<FillClaim>,
  ) {
    super(l2, answer);
    this.#store = l2;
  }

  async readOrClaim(key: string): Promise<ReadOrClaim> {
    this.steps.push(`read ${key}`);
    const entry = await this.#store.get(key);
    if (entry !== undefined) return { entry };
    const claim: PendingClaim = {
      take: async (options) => {
        this.steps.push(`take ${key} (wait ${options.wait})`);
        return this.answer(key, options);
      },
      drop: () => {
        this.steps.push(`drop ${key}`);
      },
    };
    return { entry: undefined, claim };
  }
}

/** An entry stored at `now`, fresh for `ttl` ms. */
export function entry(
  now: number,
  ttl: number,
  body = 'hello',
  extra: Partial<StoredEntry> = {},
): StoredEntry {
  return {
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: new TextEncoder().encode(body),
    storedAt: now,
    initialAge: 0,
    staleAt: now + ttl,
    staleWhileRevalidateUntil: now + ttl,
    staleIfErrorUntil: now + ttl,
    expiresAt: now + ttl,
    tags: [],
    ...extra,
  };
}

/** The body of an entry as text, or undefined. */
export function text(e: StoredEntry | undefined): string | undefined {
  return e === undefined ? undefined : new TextDecoder().decode(e.body);
}
