/**
 * The store contract of `@larder/core/testing`, run against core's stores (RedisStore runs it in
 * `@larder/redis`), one test per case; and the suite itself: whole through `runStoreContract`, and
 * failing on a store that breaks a property.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type ResponseStore, TieredStore } from '../../src/index.js';
import {
  runStoreContract,
  StoreContractError,
  type StoreFixture,
  storeContractCases,
} from '../../src/testing/index.js';

function contract(name: string, setup: () => Promise<StoreFixture>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.close();
    });
    for (const c of storeContractCases) it(c.name, () => c.run(fixture));
  });
}

/** A clock the fixture advances: no test waits for real time. */
function clock(): { now: () => number; elapse: (ms: number) => Promise<void> } {
  let now = 1_700_000_000_000;
  return {
    now: () => now,
    elapse: async (ms) => {
      now += ms;
    },
  };
}

async function memoryFixture(): Promise<StoreFixture> {
  const c = clock();
  const store = new MemoryStore({ now: c.now });
  return { store, ...c, countRecords: async () => store.size + store.tagCount, close: () => store.close() };
}

contract('MemoryStore', memoryFixture);

contract('TieredStore over a MemoryStore L2', async () => {
  const c = clock();
  const l2 = new MemoryStore({ now: c.now });
  const store = new TieredStore({ l2, now: c.now });
  return {
    store,
    ...c,
    // what the shared tier holds; L1 copies are checked by every read of the cases
    countRecords: async () => l2.size + l2.tagCount,
    close: async () => {
      await store.close();
      await l2.close();
    },
  };
});

describe('runStoreContract', () => {
  it('runs every case against a store that keeps the contract', async () => {
    const report = await runStoreContract(memoryFixture);
    expect(report.cases).toEqual(storeContractCases.map((c) => c.name));
  });

  it('fails, naming the property, on a store whose deleteByTags misses entries', async () => {
    const error = await runStoreContract(async () => {
      const f = await memoryFixture();
      const inner = f.store;
      const broken: ResponseStore = {
        get: (key) => inner.get(key),
        set: (key, entry) => inner.set(key, entry),
        delete: (key) => inner.delete(key),
        clear: () => inner.clear(),
        // forgets the last tag it is given
        deleteByTags: (tags) => inner.deleteByTags(tags.slice(0, -1)),
      };
      return { ...f, store: broken };
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreContractError);
    expect((error as StoreContractError).property).toBe('takes keys and tags of any characters');
  });

  it('fails on a store that changes the bytes of a body', async () => {
    const error = await runStoreContract(async () => {
      const f = await memoryFixture();
      const inner = f.store;
      const flipping: ResponseStore = {
        get: async (key) => {
          const entry = await inner.get(key);
          if (entry === undefined || entry.body.byteLength === 0) return entry;
          const body = Uint8Array.from(entry.body);
          body[0] = (body[0]! + 1) & 0xff;
          return { ...entry, body };
        },
        set: (key, entry) => inner.set(key, entry),
        delete: (key) => inner.delete(key),
        clear: () => inner.clear(),
        deleteByTags: (tags) => inner.deleteByTags(tags),
      };
      return { ...f, store: flipping };
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreContractError);
    expect((error as StoreContractError).property).toBe('returns what was stored, byte for byte');
  });
});
