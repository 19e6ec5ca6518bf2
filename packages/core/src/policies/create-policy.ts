import { TwoQueuePolicy } from './2q.js';
import { ArcPolicy } from './arc.js';
import { ClockPolicy } from './clock.js';
import { EnhancedClockPolicy } from './enhanced-clock.js';
import type { EvictionPolicy } from './eviction-policy.js';
import { FifoPolicy } from './fifo.js';
import { LfuPolicy } from './lfu.js';
import { LruPolicy } from './lru.js';
import { LruKPolicy } from './lru-k.js';
import { MqPolicy } from './mq.js';
import { S3FifoPolicy } from './s3-fifo.js';
import { SievePolicy } from './sieve.js';
import { WTinyLfuPolicy } from './w-tinylfu/w-tinylfu.js';

/** Settings {@link createPolicy} passes to the policies that use them. */
export interface CreatePolicyOptions {
  /**
   * Seed of the policies that use randomness (`w-tinylfu`: its sketch's hashing, admission jitter
   * and key sampling), so that runs repeat. Ignored by the deterministic policies. A safe integer.
   * @default random
   */
  seed?: number;
}

const factories = {
  fifo: () => new FifoPolicy(),
  lru: () => new LruPolicy(),
  lfu: () => new LfuPolicy(),
  clock: () => new ClockPolicy(),
  'enhanced-clock': () => new EnhancedClockPolicy(),
  'lru-k': () => new LruKPolicy(),
  '2q': () => new TwoQueuePolicy(),
  arc: () => new ArcPolicy(),
  mq: () => new MqPolicy(),
  sieve: () => new SievePolicy(),
  's3-fifo': () => new S3FifoPolicy(),
  'w-tinylfu': (options: CreatePolicyOptions) =>
    new WTinyLfuPolicy(options.seed === undefined ? {} : { seed: options.seed }),
} satisfies Record<string, (options: CreatePolicyOptions) => EvictionPolicy>;

/** The names of the built-in policies accepted by the `policy` option. */
export type PolicyName = keyof typeof factories;

/**
 * The built-in policy names, in the order tables list them. This registry is the one list of
 * names: the `policy` option, `larder-sim` and the core benchmark all read it.
 */
export const policyNames = Object.keys(factories) as PolicyName[];

/** Whether `name` is a built-in policy name. */
export function isPolicyName(name: unknown): name is PolicyName {
  return typeof name === 'string' && Object.hasOwn(factories, name);
}

/** A new instance of the built-in policy `name`, with its default settings (and `options.seed`). */
export function createPolicy(name: PolicyName, options: CreatePolicyOptions = {}): EvictionPolicy {
  return factories[name](options);
}
