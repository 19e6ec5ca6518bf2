export { Cache, Cache as LRUCache } from './cache/cache.js';
export type {
  BackgroundFetch,
  CacheMutationObserver,
  CacheOptions,
  CacheOptionsBase,
  CacheOptionsMaxLimit,
  CacheOptionsSizeLimit,
  CacheOptionsTTLLimit,
  CacheStats,
  DisposeReason,
  Disposer,
  Entry,
  Fetcher,
  FetcherFetchOptions,
  FetcherOptions,
  FetchOptions,
  FetchOptionsNoContext,
  FetchOptionsWithContext,
  GetOptions,
  HasOptions,
  Inserter,
  InsertReason,
  Memoizer,
  MemoizerMemoOptions,
  MemoizerOptions,
  MemoOptions,
  MemoOptionsNoContext,
  MemoOptionsWithContext,
  PeekOptions,
  Perf,
  RemoveListener,
  RemoveReason,
  SetOptions,
  SizeCalculator,
  SlowListener,
  SlowlogEntry,
  SlowOp,
  Status,
} from './cache/cache-types.js';
export { hashKey } from './cache/hash-key.js';
export { TimerWheel } from './cache/timer-wheel.js';
export {
  type CacheResponseOptions,
  type CacheResponseTarget,
  cacheResponse,
  decoratorEngine,
  getDefaultCache,
  setDefaultCache,
} from './decorator/cache-response.js';
export {
  type DecoratedMethod,
  type DualMethodDecorator,
  methodDecorator,
} from './decorator/method-decorator.js';
export { argumentsKey, stableKey } from './decorator/stable-key.js';
export { type Duration, parseDuration, parsePositiveDuration } from './duration.js';
export {
  ConfigError,
  LarderError,
  LockLostError,
  LockTimeoutError,
  LockUnavailableError,
  PersistenceError,
  StoreError,
  type StoreErrorReason,
} from './errors.js';
export { keyOrigin } from './http/cache-key.js';
export { captureResponse } from './http/capture-response.js';
export { type CarriedRequest, carryRequest } from './http/carried-request.js';
export {
  FILL_CHANNEL,
  FILL_TRACING_CHANNEL,
  type FillMessage,
  type FillOutcomeLabel,
  type FillTrace,
  LOOKUP_CHANNEL,
  LOOKUP_RESULTS,
  type LookupMessage,
  type LookupResultLabel,
  REDIS_TRACING_CHANNEL,
  type RedisCallTrace,
  type RouteStats,
} from './http/diagnostics.js';
export { HttpCache, type WrapOptions } from './http/http-cache.js';
export {
  type LabelledValue,
  type MetricsSnapshot,
  type MetricsTarget,
  metricsSource,
  readMetrics,
} from './http/metrics-snapshot.js';
export { type ResolvedRouteOptions, validateRouteOptions } from './http/options.js';
export type { PrivateReason } from './http/privacy.js';
export {
  applyValidators,
  removeRefreshMarker,
  type UnsafeRequestReason,
  withRefreshMarker,
} from './http/request-safety.js';
export type {
  Fill,
  HeaderMap,
  HeaderValue,
  HttpCacheOptions,
  HttpCacheStats,
  InvalidateOptions,
  LookupResult,
  PassReason,
  RequestLike,
  ResponseLike,
  ResponseToSend,
  RouteCacheOptions,
} from './http/types.js';
export { checkOptions, functionOption, type OptionBag } from './internal/options-check.js';
export type { PersistCodec } from './persist/format.js';
export {
  type AppendFsync,
  type Persistence,
  type PersistLoaded,
  type PersistOptions,
  persist,
  type SnapshotInfo,
} from './persist/persist.js';
export { type TwoQueueOptions, TwoQueuePolicy } from './policies/2q.js';
export { ArcPolicy } from './policies/arc.js';
export { ClockPolicy } from './policies/clock.js';
export {
  type CreatePolicyOptions,
  createPolicy,
  isPolicyName,
  type PolicyName,
  policyNames,
} from './policies/create-policy.js';
export { EnhancedClockPolicy } from './policies/enhanced-clock.js';
export type { EvictionPolicy, RemovalReason } from './policies/eviction-policy.js';
export { FifoPolicy } from './policies/fifo.js';
export { FrequencySketch, type FrequencySketchOptions } from './policies/frequency-sketch.js';
export { LfuPolicy } from './policies/lfu.js';
export { LinkedSlots } from './policies/linked-slots.js';
export { LruPolicy } from './policies/lru.js';
export { type LruKOptions, LruKPolicy } from './policies/lru-k.js';
export { type MqOptions, MqPolicy } from './policies/mq.js';
export { S3FifoPolicy } from './policies/s3-fifo.js';
export { SievePolicy } from './policies/sieve.js';
export { type WTinyLfuOptions, WTinyLfuPolicy } from './policies/w-tinylfu/w-tinylfu.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
export type {
  EntryVersion,
  FillClaim,
  FillClaimOptions,
  FillCoordinator,
  FillLease,
  FillOutcome,
  InvalidationBus,
  InvalidationMessage,
  SharedBackend,
} from './store/shared-backend.js';
export { TieredStore, type TieredStoreOptions, type TieredStoreStats } from './store/tiered-store.js';
export type { ResponseStore, StoredEntry } from './store/types.js';
