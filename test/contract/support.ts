/**
 * What every contract case shares: the per-driver `describe`, an injected clock, origins that count
 * their calls, a gate to hold an origin open, and stores that count or fail. No timers, no sleeping.
 */
import { MemoryStore, type ResponseStore, type StoredEntry } from '@larder/core';
import { afterEach, beforeEach, describe } from 'vitest';
import type {
  ContractApp,
  ContractAppOptions,
  ContractResponse,
  Driver,
  Origin,
  OriginReply,
  OriginRequest,
  RouteSpec,
} from './driver.js';
import { drivers } from './drivers.js';

const EPOCH = 1_700_000_000_000;

/** A clock the test moves by hand; apps read it through the engine's `now` option. */
export interface ManualClock {
  readonly now: () => number;
  advance(ms: number): void;
}

/** What a contract case gets: its driver, its clock, and apps that are closed after the test. */
export interface ContractContext {
  readonly driver: Driver;
  readonly clock: ManualClock;
  /** A new app on the test's clock (`now` may still be overridden); closed after the test. */
  app(routes: readonly RouteSpec[], options?: ContractAppOptions): Promise<ContractApp>;
}

/**
 * Declare the cases of `title` once; they run once per driver, as `title [driver]`.
 */
export function contract(title: string, cases: (ctx: ContractContext) => void): void {
  for (const driver of drivers) {
    describe(`${title} [${driver.name}]`, () => {
      let time = EPOCH;
      const open: ContractApp[] = [];
      const clock: ManualClock = {
        now: () => time,
        advance: (ms) => void (time += ms),
      };
      beforeEach(() => {
        time = EPOCH;
      });
      afterEach(async () => {
        for (const app of open.splice(0)) await app.close();
      });
      cases({
        driver,
        clock,
        async app(routes, options = {}) {
          const app = await driver.makeApp(routes, { now: clock.now, ...options });
          open.push(app);
          return app;
        },
      });
    });
  }
}

/** An origin that counts its calls; `answer` gets the request and the 1-based call number. */
export type CountedOrigin = Origin & { readonly calls: number };

export function counted(
  answer: (req: OriginRequest, call: number) => OriginReply | Promise<OriginReply>,
): CountedOrigin {
  let calls = 0;
  const origin = (req: OriginRequest) => answer(req, ++calls);
  return Object.defineProperty(origin, 'calls', { get: () => calls }) as CountedOrigin;
}

/** A text origin answering `v1`, `v2`, ... with the given extra headers. */
export function versioned(headers: Record<string, string> = {}): CountedOrigin {
  return counted((_req, call) => ({ headers, body: `v${call}` }));
}

/** A promise the test opens by hand, to hold origins in flight. */
export interface Gate {
  readonly wait: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Let pending promise callbacks, I/O callbacks and immediates run (no timers, no real waiting). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Turn the event loop until `condition` holds; fails after `turns` turns instead of hanging. */
export async function until(condition: () => boolean, what: string, turns = 5_000): Promise<void> {
  for (let i = 0; i < turns && !condition(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error(`never reached: ${what}`);
}

/** A response header as one string (repeated fields joined with `, `), or `undefined`. */
export function header(res: ContractResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A {@link MemoryStore} that counts completed reads, to know when concurrent lookups have all arrived. */
export class CountingStore implements ResponseStore {
  reads = 0;
  readonly #inner: MemoryStore;

  constructor(now: () => number) {
    this.#inner = new MemoryStore({ now });
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    try {
      return await this.#inner.get(key);
    } finally {
      this.reads++;
    }
  }
  set(key: string, entry: StoredEntry): Promise<void> {
    return this.#inner.set(key, entry);
  }
  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
  deleteByTags(tags: readonly string[]): Promise<number> {
    return this.#inner.deleteByTags(tags);
  }
  clear(): Promise<void> {
    return this.#inner.clear();
  }
}

/** A store whose every call rejects, like a backend that is down. */
export function rejectingStore(): ResponseStore {
  const down = () => Promise.reject(new Error('store is down'));
  return { get: down, set: down, delete: down, deleteByTags: down, clear: down };
}

/** A store whose every call throws synchronously (breaking the interface's promise). */
export function throwingStore(): ResponseStore {
  const broken = (): never => {
    throw new Error('store is broken');
  };
  return { get: broken, set: broken, delete: broken, deleteByTags: broken, clear: broken };
}
