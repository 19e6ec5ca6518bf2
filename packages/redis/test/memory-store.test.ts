import { MemoryStore } from '@larder/core';
import { runStoreContract } from './support/store-contract.js';

// core's in-memory store passes the same contract as RedisStore: both mean the same thing
runStoreContract('MemoryStore (@larder/core)', async () => {
  let now = 1_700_000_000_000;
  const store = new MemoryStore({ now: () => now });
  return {
    store,
    now: () => now,
    elapse: async (ms) => {
      now += ms;
    },
    countRecords: async () => store.size + store.tagCount,
    close: () => store.close(),
  };
});
