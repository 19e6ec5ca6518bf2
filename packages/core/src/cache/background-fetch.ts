import type { InternalFetchOptions } from './cache-options.js';
import type { BackgroundFetch, Fetcher, Perf, SetOptions } from './cache-types.js';

/** Marks the promises that stand in an entry while its `fetchMethod` runs. */
const BACKGROUND = Symbol('larder.backgroundFetch');

/** A {@link BackgroundFetch} that this module made: what a slot holds while its `fetchMethod` runs. */
export type Pending<V> = BackgroundFetch<V> & { [BACKGROUND]: true };

/** Whether `v` is a pending fetch standing in a slot (never a user's own promise value). */
export const isPending = <V>(v: unknown): v is Pending<V> =>
  v instanceof Promise && (v as Partial<Pending<V>>)[BACKGROUND] === true;

/** What a slot holding `v` shows: the value, or the stale value a pending fetch stands in for. */
export const settled = <V>(v: V | Pending<V> | undefined): V | undefined =>
  isPending<V>(v) ? v.__staleWhileFetching : v;

/** What a background fetch needs from its {@link Cache}: the slots, `set`, `delete` and the counters. */
export interface FetchOwner<K, V, FC> {
  readonly fetchMethod: Fetcher<K, V, FC>;
  readonly perf: Perf;
  /** The value or pending fetch in `index`. */
  valueAt(index: number): V | Pending<V> | undefined;
  /** Put `v` in `index` without a `set`: not a use, no change of size or TTL. */
  putAt(index: number, v: V | Pending<V> | undefined): void;
  /** The slot of `k`, if cached. */
  indexOf(k: K): number | undefined;
  /** `set` on behalf of a fetch (`bf`: the fetch that settled, which may replace itself). */
  store(k: K, v: V | Pending<V>, options: SetOptions<K, V, FC>, bf: Pending<V> | undefined): void;
  /** Delete `k` after its fetch failed or resolved `undefined`. */
  remove(k: K): void;
  /** A fetch settled (`ok`: it resolved) after `ms` milliseconds. */
  settled(ok: boolean, ms: number): void;
  /** Deliver the `remove` events queued meanwhile. */
  flush(): void;
}

/**
 * Start `fetchMethod` for `k` (in slot `index`, or not cached yet) and return the promise that
 * stands in the slot until it settles, with lru-cache's semantics: the old value stays readable as
 * `__staleWhileFetching`; the result is written only while this fetch still owns the slot; a
 * rejection or abort deletes the entry or keeps the stale value as the options say; the caller's
 * `signal` aborts the fetch. A slot that already holds a pending fetch returns that one.
 */
export function startBackgroundFetch<K, V, FC>(
  owner: FetchOwner<K, V, FC>,
  k: K,
  index: number | undefined,
  options: InternalFetchOptions<K, V, FC>,
  context: FC,
): Pending<V> {
  const v = index === undefined ? undefined : owner.valueAt(index);
  if (isPending<V>(v)) return v;
  const ac = new AbortController();
  const { signal } = options;
  // when our controller aborts, stop listening to theirs
  signal?.addEventListener('abort', () => ac.abort(signal.reason), { signal: ac.signal });
  const fetchOpts = { signal: ac.signal, options, context };
  const started = owner.perf.now();
  let p: Pending<V>;

  const fetchFail = (er: unknown, proceed: boolean): V | undefined => {
    const { aborted } = ac.signal;
    const allowStaleAborted = aborted && options.allowStaleOnFetchAbort;
    const allowStale = allowStaleAborted || options.allowStaleOnFetchRejection;
    const noDelete = allowStale || options.noDeleteOnFetchRejection;
    owner.settled(false, owner.perf.now() - started);
    if (index !== undefined && owner.valueAt(index) === p) {
      // keep a stale value when allowed; otherwise the failed load leaves nothing behind
      const del = !noDelete || (!proceed && p.__staleWhileFetching === undefined);
      if (del) owner.remove(k);
      else if (!allowStaleAborted) owner.putAt(index, p.__staleWhileFetching);
      owner.flush();
    }
    if (allowStale) {
      if (options.status && p.__staleWhileFetching !== undefined) options.status.returnedStale = true;
      return p.__staleWhileFetching;
    }
    if (p.__returned === p) throw er;
    return undefined;
  };

  const cb = (value: V | undefined, updateCache = false): V | undefined => {
    const { aborted } = ac.signal;
    const ignoreAbort = options.ignoreFetchAbort && value !== undefined;
    const proceed = !!(options.ignoreFetchAbort || (options.allowStaleOnFetchAbort && value !== undefined));
    if (options.status) {
      if (aborted && !updateCache) {
        options.status.fetchAborted = true;
        options.status.fetchError = ac.signal.reason;
        if (ignoreAbort) options.status.fetchAbortIgnored = true;
      } else {
        options.status.fetchResolved = true;
      }
    }
    if (aborted && !ignoreAbort && !updateCache) return fetchFail(ac.signal.reason, proceed);
    if (!updateCache) owner.settled(true, owner.perf.now() - started);
    // write only if this load still owns the entry (or an ignored abort left it empty)
    const vl = index === undefined ? undefined : owner.valueAt(index);
    if (vl === p || (vl === undefined && ignoreAbort && updateCache)) {
      if (value === undefined) {
        if (p.__staleWhileFetching !== undefined) owner.putAt(index!, p.__staleWhileFetching);
        else owner.remove(k);
      } else {
        if (options.status) options.status.fetchUpdated = true;
        owner.store(k, value, options as SetOptions<K, V, FC>, p);
      }
      owner.flush();
    }
    return value;
  };

  const eb = (er: unknown): V | undefined => {
    if (options.status) {
      options.status.fetchRejected = true;
      options.status.fetchError = er as Error;
    }
    return fetchFail(er, false);
  };

  const pcall = (res: (v: V | undefined) => void, rej: (e: unknown) => void): void => {
    const fmp = owner.fetchMethod(k, v as V | undefined, fetchOpts as never);
    // the method may resolve after an abort; only give up here if told to
    ac.signal.addEventListener('abort', () => {
      if (!options.ignoreFetchAbort || options.allowStaleOnFetchAbort) {
        res(undefined);
        // when it eventually resolves, update the cache
        if (options.allowStaleOnFetchAbort) res = (value) => void cb(value, true);
      }
    });
    if (fmp && fmp instanceof Promise) {
      fmp.then((value) => res(value === undefined ? undefined : (value as V)), rej);
    } else if (fmp !== undefined) {
      res(fmp as V);
    }
  };

  if (options.status) options.status.fetchDispatched = true;
  p = Object.assign(new Promise<V | undefined>(pcall).then(cb, eb), {
    __abortController: ac,
    __staleWhileFetching: v as V | undefined,
    __returned: undefined,
    [BACKGROUND]: true as const,
  }) as Pending<V>;
  if (index === undefined) {
    // internal: no status for the placeholder
    const { status: _status, ...setOptions } = options;
    owner.store(k, p, setOptions as SetOptions<K, V, FC>, undefined);
    index = owner.indexOf(k);
  } else {
    // not a set: a pending refresh neither counts as a use nor changes the entry's size
    owner.putAt(index, p);
  }
  return p;
}
