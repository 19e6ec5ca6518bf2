// The implementations the core benchmark compares, each behind `load() -> (max) => cache`. Every
// cache is used through its own `get(key)` / `set(key, value)` / `size`, never through a wrapper.

/**
 * Policy names `@larder/core` accepts as `new Cache({ max, policy })`: core's own registry
 * (`policyNames`), so a new policy is benchmarked without a change here. Empty when core is not
 * built (the Larder columns then show why).
 * @type {string[]}
 */
export const POLICIES = await import('@larder/core').then(
  (core) => [...core.policyNames],
  () => [],
);

/** The column every other one is divided by. */
export const REFERENCE = 'lru-cache';

/**
 * Implementation ids in column order: the reference, Larder's default, Larder per requested
 * policy, then the other libraries.
 * @param {string[]} policies
 * @returns {string[]}
 */
export function implIds(policies) {
  return [
    REFERENCE,
    'larder',
    ...policies.map((policy) => `larder:${policy}`),
    'mnemonist',
    'quick-lru',
    'tiny-lru',
  ];
}

/**
 * @param {string} id
 * @returns {string}
 */
export function implLabel(id) {
  return id.startsWith('larder:') ? `larder ${id.slice('larder:'.length)}` : id;
}

/**
 * @typedef {{ get(key: unknown): unknown, set(key: unknown, value: unknown): unknown, size: number }} AnyCache
 * @typedef {(max: number) => AnyCache} Factory
 */

/**
 * Loads an implementation. Throws an Error whose message says why it is unavailable (for example
 * `@larder/core` not built yet); the caller shows that implementation as n/a.
 * @param {string} id
 * @returns {Promise<Factory>}
 */
export async function loadFactory(id) {
  if (id === 'lru-cache') {
    const { LRUCache } = await import('lru-cache');
    return (max) => new LRUCache({ max });
  }
  if (id === 'mnemonist') {
    const { LRUCache } = await import('mnemonist');
    return (max) => new LRUCache(max);
  }
  if (id === 'quick-lru') {
    const { default: QuickLRU } = await import('quick-lru');
    return (max) => new QuickLRU({ maxSize: max });
  }
  if (id === 'tiny-lru') {
    const { lru } = await import('tiny-lru');
    return (max) => lru(max);
  }
  if (id === 'larder' || id.startsWith('larder:')) {
    const Cache = await loadLarderCache();
    if (id === 'larder') return (max) => new Cache({ max });
    const policy = id.slice('larder:'.length);
    return (max) => new Cache({ max, policy });
  }
  throw new Error(`unknown implementation '${id}'`);
}

/** @returns {Promise<new (options: object) => AnyCache>} */
async function loadLarderCache() {
  let core;
  try {
    core = await import('@larder/core');
  } catch (error) {
    const code = /** @type {{ code?: string }} */ (error).code;
    if (code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('@larder/core is not built (no packages/core/dist); run `npm run build`');
    }
    throw error;
  }
  if (typeof core.Cache !== 'function') throw new Error('@larder/core does not export Cache yet');
  return core.Cache;
}

/**
 * First line of an error's message, for a footnote.
 * @param {unknown} error
 * @returns {string}
 */
export function reason(error) {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
