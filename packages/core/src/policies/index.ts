/**
 * `@larder/core/policies`: the `EvictionPolicy` interface, every policy, and `createPolicy`, the one
 * registry of their names. Everything here is also exported from `@larder/core`.
 */
export { type TwoQueueOptions, TwoQueuePolicy } from './2q.js';
export { ArcPolicy } from './arc.js';
export { ClockPolicy } from './clock.js';
export {
  type CreatePolicyOptions,
  createPolicy,
  isPolicyName,
  type PolicyName,
  policyNames,
} from './create-policy.js';
export { EnhancedClockPolicy } from './enhanced-clock.js';
export type { EvictionPolicy, RemovalReason } from './eviction-policy.js';
export { FifoPolicy } from './fifo.js';
export { FrequencySketch, type FrequencySketchOptions } from './frequency-sketch.js';
export { LfuPolicy } from './lfu.js';
export { LinkedSlots } from './linked-slots.js';
export { LruPolicy } from './lru.js';
export { type LruKOptions, LruKPolicy } from './lru-k.js';
export { type MqOptions, MqPolicy } from './mq.js';
export { S3FifoPolicy } from './s3-fifo.js';
export { SievePolicy } from './sieve.js';
export { type WTinyLfuOptions, WTinyLfuPolicy } from './w-tinylfu/w-tinylfu.js';
