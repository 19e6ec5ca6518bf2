/**
 * `@larder/core/memo`: memoising method results, the decorator and its key helpers. Everything here
 * is also exported from `@larder/core`.
 */
export {
  type CachedOptions,
  type CacheResponseOptions,
  type CacheResponseTarget,
  cached,
  cacheResponse,
  decoratorEngine,
  getDefaultCache,
  setDefaultCache,
} from '../decorator/cached.js';
export {
  type DecoratedMethod,
  type DualMethodDecorator,
  methodDecorator,
} from '../decorator/method-decorator.js';
export { argumentsKey, stableKey } from '../decorator/stable-key.js';
