/**
 * `@larder/core/memo`: memoising method results, the decorator and its key helpers. Everything here
 * is also exported from `@larder/core`.
 */
export {
  type CacheResponseOptions,
  type CacheResponseTarget,
  cacheResponse,
  decoratorEngine,
  getDefaultCache,
  setDefaultCache,
} from '../decorator/cache-response.js';
export {
  type DecoratedMethod,
  type DualMethodDecorator,
  methodDecorator,
} from '../decorator/method-decorator.js';
export { argumentsKey, stableKey } from '../decorator/stable-key.js';
