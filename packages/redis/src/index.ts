/** Core's invalidation type, re-exported: the one `RedisBus` carries. */
export type { InvalidationMessage } from '@larder/core';
export {
  type IORedisLike,
  ioredisPort,
  isIORedisClient,
} from './adapters/ioredis.js';
export {
  isNodeRedisClient,
  isNodeRedisCluster,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
  nodeRedisPort,
} from './adapters/node-redis.js';
export { BreakerPort } from './backend/breaker-port.js';
export {
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  DEFAULT_COOLDOWN,
  DEFAULT_FAILURE_THRESHOLD,
  isOutage,
} from './backend/circuit-breaker.js';
export {
  createRedisBackend,
  DEFAULT_BACKEND_COMMAND_TIMEOUT,
  type RedisBackend,
  type RedisBackendOptions,
} from './backend/create-redis-backend.js';
export { decodeFillNotice, encodeFillNotice, type FillNotice } from './backend/fill-notice.js';
export { FleetBus, type FleetBusOptions } from './backend/fleet-bus.js';
export {
  DEFAULT_LOCK_TTL,
  RedisFillCoordinator,
  type RedisFillCoordinatorOptions,
} from './backend/redis-fill-coordinator.js';
export { DEFAULT_COMMAND_TIMEOUT, isReplyError } from './client-port.js';
export { DEFAULT_PREFIX, escapeGlob, KeyLayout, slotTag } from './key-layout.js';
export type {
  AcquireOptions,
  AutoExtendOptions,
  DistributedLock,
  Lock,
  TryAcquireOptions,
} from './lock/lock.js';
export {
  type LockClaim,
  LockClient,
  type LockClientOptions,
} from './lock/lock-client.js';
export type { LockAttempt, LockPeek, LockStrategy, LockTarget, LockUnless } from './lock/lock-strategy.js';
export { Quorum } from './lock/quorum.js';
export { RedisLock, type RedisLockOptions } from './lock/redis-lock.js';
export {
  DEFAULT_DRIFT_FACTOR,
  DEFAULT_INSTANCE_TIMEOUT,
  Redlock,
  type RedlockOptions,
} from './lock/redlock.js';
export { SingleInstance } from './lock/single-instance.js';
export { LuaScript } from './lua-script.js';
export type {
  MessageListener,
  RedisPort,
  RedisPortOptions,
  RedisValue,
  ScriptArg,
  ScriptReply,
  ScriptScalar,
  SetOptions,
  Subscription,
} from './port.js';
export {
  type BusSubscribeOptions,
  decodeBusMessage,
  encodeBusMessage,
  type ReceivedInvalidation,
  RedisBus,
  type RedisBusOptions,
} from './redis-bus.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { isRedisPort, toPort } from './to-port.js';
