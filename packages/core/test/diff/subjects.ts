/**
 * The two sides of the differential tests: lru-cache 11.5.3 (the reference) and `Cache`.
 */
import { LRUCache } from 'lru-cache';
import { Cache } from '../../src/index.js';
import type { CacheLike, Factory } from './harness.js';

export const reference: Factory = {
  name: 'lru-cache',
  create: (options) => new LRUCache(options as never) as unknown as CacheLike,
};

export const subject: Factory = {
  name: '@larder/core Cache',
  create: (options) => new Cache(options as never) as unknown as CacheLike,
};
