import { ConfigError } from '../errors.js';
import {
  booleanOption,
  functionOption,
  integerOption,
  optionsObject,
  seedOption,
} from '../internal/options-check.js';
import { createPolicy, isPolicyName, policyNames } from '../policies/create-policy.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';
import type {
  CacheOptions,
  Disposer,
  Fetcher,
  FetchOptions,
  Inserter,
  Memoizer,
  Perf,
  SizeCalculator,
} from './cache-types.js';

/** `performance` where there is one, else `Date`: the clock of TTLs and the slow log. */
export const defaultPerf: Perf =
  typeof performance === 'object' && performance && typeof performance.now === 'function'
    ? performance
    : Date;

/** The option values of an existing cache, read through its public getters and fields. */
export function copyOptions(cache: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of [
    'max',
    'maxSize',
    'maxEntrySize',
    'ttl',
    'ttlResolution',
    'backgroundFetchSize',
    'perf',
    ...BOOLEAN_OPTIONS,
    ...FUNCTION_OPTIONS,
  ]) {
    const value = (cache as unknown as Record<string, unknown>)[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The built-in policy name of `policy`, for copying a cache's settings; custom instances cannot be shared. */
export function policyNameOf(policy: EvictionPolicy): string {
  if (!isPolicyName(policy.name)) {
    throw new ConfigError('policy', policy, 'a built-in policy to copy (a custom instance cannot be shared)');
  }
  return policy.name;
}

/** {@link CacheOptions} checked, with defaults applied. */
export interface ResolvedCacheOptions<K, V, FC> {
  max: number;
  maxSize: number;
  maxEntrySize: number;
  ttl: number;
  ttlResolution: number;
  ttlAutopurge: boolean;
  updateAgeOnGet: boolean;
  updateAgeOnHas: boolean;
  allowStale: boolean;
  noDisposeOnSet: boolean;
  noUpdateTTL: boolean;
  noDeleteOnFetchRejection: boolean;
  noDeleteOnStaleGet: boolean;
  allowStaleOnFetchRejection: boolean;
  allowStaleOnFetchAbort: boolean;
  ignoreFetchAbort: boolean;
  backgroundFetchSize: number;
  sizeCalculation: SizeCalculator<K, V> | undefined;
  dispose: Disposer<K, V> | undefined;
  disposeAfter: Disposer<K, V> | undefined;
  onInsert: Inserter<K, V> | undefined;
  fetchMethod: Fetcher<K, V, FC> | undefined;
  memoMethod: Memoizer<K, V, FC> | undefined;
  perf: Perf;
  policy: EvictionPolicy;
  slowThreshold: number | undefined;
  slowlogMaxLen: number;
}

/** The boolean options, each also a public field of the cache of the same name. */
export const BOOLEAN_OPTIONS = [
  'ttlAutopurge',
  'updateAgeOnGet',
  'updateAgeOnHas',
  'allowStale',
  'noDisposeOnSet',
  'noUpdateTTL',
  'noDeleteOnFetchRejection',
  'noDeleteOnStaleGet',
  'allowStaleOnFetchRejection',
  'allowStaleOnFetchAbort',
  'ignoreFetchAbort',
] as const;

const FUNCTION_OPTIONS = [
  'sizeCalculation',
  'dispose',
  'disposeAfter',
  'onInsert',
  'fetchMethod',
  'memoMethod',
] as const;

const POLICY_METHODS = [
  'resize',
  'insert',
  'access',
  'update',
  'remove',
  'victim',
  'slots',
  'clear',
] as const;

/**
 * Check every option of a {@link Cache} once, at construction, and apply the defaults. Throws
 * {@link ConfigError} naming the first bad option and its value.
 */
export function resolveCacheOptions<K, V, FC>(
  options: CacheOptions<K, V, FC>,
): ResolvedCacheOptions<K, V, FC> {
  const o = optionsObject('options', options);
  const count = (name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number =>
    integerOption(o, name, fallback, 0, max);
  const max = count('max', 0, 2 ** 31 - 1);
  const maxSize = count('maxSize', 0);
  const maxEntrySize = count('maxEntrySize', 0);
  const ttl = count('ttl', 0);
  const ttlResolution = count('ttlResolution', 1);
  // 0 is allowed, as in lru-cache: a pending fetch then counts for nothing until it settles
  const backgroundFetchSize = count('backgroundFetchSize', 1);
  for (const name of BOOLEAN_OPTIONS) booleanOption(o, name, false);
  for (const name of FUNCTION_OPTIONS) functionOption(o, name);
  if (o.sizeCalculation !== undefined && !maxSize && !maxEntrySize) {
    throw new ConfigError(
      'sizeCalculation',
      o.sizeCalculation,
      'to be set only with maxSize or maxEntrySize',
    );
  }
  if ((maxSize || maxEntrySize) && o.sizeCalculation === undefined) {
    const name = maxSize ? 'maxSize' : 'maxEntrySize';
    throw new ConfigError(
      name,
      maxSize || maxEntrySize,
      'a sizeCalculation function alongside it (how else would entries be sized?)',
    );
  }
  if (maxSize && maxEntrySize > maxSize) {
    throw new ConfigError('maxEntrySize', maxEntrySize, `at most maxSize (${maxSize})`);
  }
  if (max === 0 && ttl === 0 && maxSize === 0) {
    throw new ConfigError('max', o.max, 'at least one of max, maxSize or ttl to bound the cache');
  }
  const perf = o.perf;
  if (perf !== undefined && (perf === null || typeof (perf as Perf).now !== 'function')) {
    throw new ConfigError('perf', perf, 'an object with a now() method');
  }
  let policy: EvictionPolicy;
  const p = o.policy;
  const seed = o.seed === undefined ? undefined : seedOption(o);
  if (p === undefined) {
    policy = createPolicy('lru');
  } else if (typeof p === 'string') {
    if (!isPolicyName(p)) throw new ConfigError('policy', p, `one of ${policyNames.join(', ')}`);
    policy = createPolicy(p, seed === undefined ? {} : { seed });
  } else if (
    p !== null &&
    typeof p === 'object' &&
    POLICY_METHODS.every((m) => typeof (p as never)[m] === 'function')
  ) {
    if (seed !== undefined) {
      throw new ConfigError('seed', o.seed, 'no value with a policy instance (seed the instance itself)');
    }
    policy = p as EvictionPolicy;
  } else {
    throw new ConfigError('policy', p, `a policy name (${policyNames.join(', ')}) or an EvictionPolicy`);
  }
  const slowThreshold = o.slowThreshold;
  if (
    slowThreshold !== undefined &&
    (typeof slowThreshold !== 'number' || !(slowThreshold >= 0) || !Number.isFinite(slowThreshold))
  ) {
    throw new ConfigError('slowThreshold', slowThreshold, 'a number of milliseconds, 0 or more');
  }
  const slowlogMaxLen = o.slowlogMaxLen === undefined ? 128 : count('slowlogMaxLen', 128);
  if (slowlogMaxLen === 0) throw new ConfigError('slowlogMaxLen', 0, 'a positive integer');
  const bool = (name: (typeof BOOLEAN_OPTIONS)[number]): boolean => o[name] === true;
  return {
    max,
    maxSize,
    maxEntrySize,
    ttl,
    ttlResolution,
    ttlAutopurge: bool('ttlAutopurge'),
    updateAgeOnGet: bool('updateAgeOnGet'),
    updateAgeOnHas: bool('updateAgeOnHas'),
    allowStale: bool('allowStale'),
    noDisposeOnSet: bool('noDisposeOnSet'),
    noUpdateTTL: bool('noUpdateTTL'),
    noDeleteOnFetchRejection: bool('noDeleteOnFetchRejection'),
    noDeleteOnStaleGet: bool('noDeleteOnStaleGet'),
    allowStaleOnFetchRejection: bool('allowStaleOnFetchRejection'),
    allowStaleOnFetchAbort: bool('allowStaleOnFetchAbort'),
    ignoreFetchAbort: bool('ignoreFetchAbort'),
    backgroundFetchSize,
    sizeCalculation: o.sizeCalculation as SizeCalculator<K, V> | undefined,
    dispose: o.dispose as Disposer<K, V> | undefined,
    disposeAfter: o.disposeAfter as Disposer<K, V> | undefined,
    onInsert: o.onInsert as Inserter<K, V> | undefined,
    fetchMethod: o.fetchMethod as Fetcher<K, V, FC> | undefined,
    memoMethod: o.memoMethod as Memoizer<K, V, FC> | undefined,
    perf: (perf as Perf | undefined) ?? defaultPerf,
    policy,
    slowThreshold: slowThreshold as number | undefined,
    slowlogMaxLen,
  };
}

/** The settings of a cache that a `fetch` call falls back to for the options it leaves out. */
export interface FetchDefaults<K, V> {
  allowStale: boolean;
  updateAgeOnGet: boolean;
  noDeleteOnStaleGet: boolean;
  ttl: number;
  noDisposeOnSet: boolean;
  sizeCalculation?: SizeCalculator<K, V>;
  noUpdateTTL: boolean;
  noDeleteOnFetchRejection: boolean;
  allowStaleOnFetchRejection: boolean;
  allowStaleOnFetchAbort: boolean;
  ignoreFetchAbort: boolean;
}

/** `fetch`'s options with every default applied, as the `fetchMethod` sees them in `options`. */
export type InternalFetchOptions<K, V, FC> = FetchOptions<K, V, FC> & {
  allowStale: boolean;
  updateAgeOnGet: boolean;
  noDeleteOnStaleGet: boolean;
  ttl: number;
};

/**
 * The options of one `fetch` call over the cache's defaults, in lru-cache's key order (the
 * `fetchMethod` sees this object); `context` and `forceRefresh` stay with the caller.
 */
export function resolveFetchOptions<K, V, FC>(
  defaults: FetchDefaults<K, V>,
  fetchOptions: FetchOptions<K, V, FC>,
): InternalFetchOptions<K, V, FC> {
  const {
    allowStale = defaults.allowStale,
    updateAgeOnGet = defaults.updateAgeOnGet,
    noDeleteOnStaleGet = defaults.noDeleteOnStaleGet,
    ttl = defaults.ttl,
    noDisposeOnSet = defaults.noDisposeOnSet,
    size = 0,
    sizeCalculation = defaults.sizeCalculation,
    noUpdateTTL = defaults.noUpdateTTL,
    noDeleteOnFetchRejection = defaults.noDeleteOnFetchRejection,
    allowStaleOnFetchRejection = defaults.allowStaleOnFetchRejection,
    ignoreFetchAbort = defaults.ignoreFetchAbort,
    allowStaleOnFetchAbort = defaults.allowStaleOnFetchAbort,
    status,
    signal,
  } = fetchOptions;
  const options: InternalFetchOptions<K, V, FC> = {
    allowStale,
    updateAgeOnGet,
    noDeleteOnStaleGet,
    ttl,
    noDisposeOnSet,
    size,
    noUpdateTTL,
    noDeleteOnFetchRejection,
    allowStaleOnFetchRejection,
    allowStaleOnFetchAbort,
    ignoreFetchAbort,
  };
  if (sizeCalculation !== undefined) options.sizeCalculation = sizeCalculation;
  if (status !== undefined) options.status = status;
  if (signal !== undefined) options.signal = signal;
  return options;
}

const isPosInt = (n: unknown): n is number =>
  typeof n === 'number' && n > 0 && Number.isFinite(n) && Math.floor(n) === n;

/**
 * The size of an entry being set, checked as lru-cache checks it: the given `size` if it is a
 * positive integer, else `backgroundFetchSize` for a `pending` fetch, else `sizeCalculation(v, k)`.
 * 0 when the cache tracks no sizes (`tracked` false), where passing a size is an error.
 * @throws TypeError with lru-cache's messages
 */
export function entrySize<K, V>(
  tracked: boolean,
  k: K,
  v: V,
  pending: boolean,
  size: number,
  sizeCalculation: SizeCalculator<K, V> | undefined,
  backgroundFetchSize: number,
): number {
  if (!tracked) {
    if (size || sizeCalculation) {
      throw new TypeError('cannot set size without setting maxSize or maxEntrySize on cache');
    }
    return 0;
  }
  if (isPosInt(size)) return size;
  // a pending fetch counts provisionally; its value is sized when it settles
  if (pending) return backgroundFetchSize;
  if (sizeCalculation) {
    if (typeof sizeCalculation !== 'function') throw new TypeError('sizeCalculation must be a function');
    const computed = sizeCalculation(v, k);
    if (!isPosInt(computed)) {
      throw new TypeError('sizeCalculation return invalid (expect positive integer)');
    }
    return computed;
  }
  throw new TypeError(
    'invalid size value (must be positive integer). When maxSize or maxEntrySize is used, sizeCalculation or size must be set.',
  );
}

let warnedUnbounded = false;

/** Warns once per process, as lru-cache does, of a cache with a TTL and nothing that bounds it. */
export function warnIfUnbounded(o: { ttlAutopurge: boolean; max: number; maxSize: number }): void {
  if (o.ttlAutopurge || o.max || o.maxSize || warnedUnbounded) return;
  warnedUnbounded = true;
  process.emitWarning(
    'TTL caching without ttlAutopurge, max, or maxSize can result in unbounded memory consumption.',
    'UnboundedCacheWarning',
    'LARDER_CACHE_UNBOUNDED',
  );
}
