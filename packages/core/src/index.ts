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
export { storedHeaderWins } from './http/hit-headers.js';
export { HttpCache } from './http/http-cache.js';
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
export {
  decoratedLookup,
  type RouteDecoratorOptions,
  routeDecoratorOptions,
  routeKey,
} from './http/route-decorator.js';
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
export type { WrapOptions } from './http/value-memo.js';
export { checkOptions, functionOption, type OptionBag } from './internal/options-check.js';
// The subpaths' curated lists (`@larder/core/memo`, `/policies`, `/store`), also exported here.
export * from './memo/index.js';
export type { PersistCodec } from './persist/format.js';
export {
  type AppendFsync,
  type Persistence,
  type PersistLoaded,
  type PersistOptions,
  persist,
  type SnapshotInfo,
} from './persist/persist.js';
export * from './policies/index.js';
export * from './store/index.js';
