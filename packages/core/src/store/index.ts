/**
 * `@larder/core/store`: the store contract (`StoredEntry`, `ResponseStore`, the shared-tier shapes)
 * and core's stores. Everything here is also exported from `@larder/core`.
 */
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type {
  EntryVersion,
  FillClaim,
  FillClaimOptions,
  FillCoordinator,
  FillLease,
  FillOutcome,
  InvalidationBus,
  InvalidationMessage,
  PendingClaim,
  ReadOrClaim,
  SharedBackend,
} from './shared-backend.js';
export { TieredStore, type TieredStoreOptions, type TieredStoreStats } from './tiered-store.js';
export type { ResponseStore, StoredEntry } from './types.js';
