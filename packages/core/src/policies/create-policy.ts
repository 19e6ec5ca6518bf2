import { TwoQueuePolicy } from './2q.js';
import { ArcPolicy } from './arc.js';
import { ClockPolicy } from './clock.js';
import type { EvictionPolicy } from './eviction-policy.js';
import { FifoPolicy } from './fifo.js';
import { LfuPolicy } from './lfu.js';
import { LruPolicy } from './lru.js';
import { LruKPolicy } from './lru-k.js';
import { S3FifoPolicy } from './s3-fifo.js';
import { SievePolicy } from './sieve.js';
import { WTinyLfuPolicy } from './w-tinylfu/w-tinylfu.js';

const factories = {
  fifo: () => new FifoPolicy(),
  lru: () => new LruPolicy(),
  lfu: () => new LfuPolicy(),
  clock: () => new ClockPolicy(),
  'lru-k': () => new LruKPolicy(),
  '2q': () => new TwoQueuePolicy(),
  arc: () => new ArcPolicy(),
  sieve: () => new SievePolicy(),
  's3-fifo': () => new S3FifoPolicy(),
  'w-tinylfu': () => new WTinyLfuPolicy(),
} satisfies Record<string, () => EvictionPolicy>;

/** The names of the built-in policies accepted by the `policy` option. */
export type PolicyName = keyof typeof factories;

/** The built-in policy names, in the order tables list them. */
export const policyNames = Object.keys(factories) as PolicyName[];

/** Whether `name` is a built-in policy name. */
export function isPolicyName(name: unknown): name is PolicyName {
  return typeof name === 'string' && Object.hasOwn(factories, name);
}

/** A new instance of the built-in policy `name`, with its default settings. */
export function createPolicy(name: PolicyName): EvictionPolicy {
  return factories[name]();
}
