/**
 * Differential tests: `Cache` must be a drop-in for lru-cache 11.5.3. Random operation sequences
 * over the option families that matter run on both with one fake clock; after every step the return
 * value, iteration orders, size, calculatedSize, callback log and status objects must be equal.
 * A failure prints fast-check's shrunk counterexample as a small program.
 */
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Family, scenarios } from './diff/arbitraries.js';
import { clock, EPOCH, type RunResult, runScenario, START_TIME } from './diff/harness.js';
import type { CallOpts, Key, Op, Scenario, Spec } from './diff/scenario.js';
import { reference, subject } from './diff/subjects.js';

const run = { reference, subject };

/**
 * Replay a reported failure: `FC_SEED=<seed> FC_PATH=<path> npx vitest run test/cache.diff.test.ts -t <family>`
 * (both printed with the counterexample). Unset, every run draws a fresh seed.
 */
const replay: Partial<fc.Parameters<unknown>> =
  process.env.FC_SEED === undefined
    ? {}
    : {
        seed: Number(process.env.FC_SEED),
        endOnFailure: true,
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
      };

beforeAll(() => {
  // info() and dump()/load() read Date.now(); pin it to the fake clock.
  vi.spyOn(Date, 'now').mockImplementation(() => EPOCH + clock.now);
});
afterAll(() => {
  vi.restoreAllMocks();
});

/**
 * numRuns per family: ~7,000 sequences, ~12 s of CPU in all (the file's wall time on a loaded shared
 * box is more). Every internal lru-cache mutant tried was caught within these budgets.
 */
const families: readonly { family: Family; numRuns: number; maxOps: number; what: string }[] = [
  {
    family: 'lru',
    numRuns: 800,
    maxOps: 40,
    what: 'max + dispose/disposeAfter/noDisposeOnSet/onInsert (+memo)',
  },
  {
    family: 'size',
    numRuns: 800,
    maxOps: 40,
    what: 'maxSize/maxEntrySize + sizeCalculation + per-call size',
  },
  { family: 'ttl', numRuns: 1200, maxOps: 40, what: 'ttl flags, per-call ttl/get/has/peek options, clock' },
  {
    family: 'fetchImmediate',
    numRuns: 800,
    maxOps: 30,
    what: 'fetchMethod settling by itself, fetch flags',
  },
  {
    family: 'fetchDeferred',
    numRuns: 1500,
    maxOps: 30,
    what: 'in-flight fetches settled/aborted by later ops',
  },
  { family: 'memo', numRuns: 400, maxOps: 30, what: 'memoMethod with ttl and get options' },
  { family: 'mixed', numRuns: 600, maxOps: 40, what: 'fetch + memo + sizes + ttl flags + setProp together' },
  { family: 'keys', numRuns: 300, maxOps: 30, what: "1 vs '1', 0 vs -0, NaN, true, object keys" },
  { family: 'grow', numRuns: 400, maxOps: 30, what: 'more entries than the preallocated slots (k0..k39)' },
];

describe('Cache vs lru-cache: random operation sequences', () => {
  for (const { family, numRuns, maxOps, what } of families) {
    it(`${family}: ${what}`, { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(scenarios(family, maxOps, START_TIME), async (s) => {
          await runScenario(s, run);
        }),
        { numRuns, ...replay },
      );
    });
  }
});

describe('Cache vs lru-cache: constructor validation', () => {
  const fn = (): number => 1;
  const outcome = (f: typeof reference, options: Record<string, unknown>): string => {
    try {
      f.create(options);
      return 'constructs';
    } catch (e) {
      return e instanceof TypeError ? 'throws a TypeError' : `throws ${String(e)}`;
    }
  };
  const options = (pools: Record<string, readonly unknown[]>) =>
    fc.record(
      Object.fromEntries(Object.entries(pools).map(([k, v]) => [k, fc.constantFrom(...v)])) as Record<
        string,
        fc.Arbitrary<unknown>
      >,
      { requiredKeys: [] },
    );

  it('throws a TypeError for every options object lru-cache rejects', () => {
    const pools = {
      max: [0, 3, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null],
      maxSize: [0, 10, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null],
      maxEntrySize: [0, 3, -1, 1.5, '3'],
      ttl: [0, 10, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10'],
      sizeCalculation: [fn, 'x'],
      fetchMethod: [fn, 'x', null],
      memoMethod: [fn, 'x', null],
      perf: [{ now: fn }, {}, null],
    };
    fc.assert(
      fc.property(options(pools), (o) => {
        if (outcome(reference, o) !== 'constructs') expect(outcome(subject, o)).toBe('throws a TypeError');
      }),
      { numRuns: 2000 },
    );
  });

  it('constructs exactly when lru-cache does, for well-typed options', () => {
    const pools = {
      max: [0, 1, 3, 300],
      maxSize: [0, 10],
      maxEntrySize: [0, 3, 10],
      ttl: [0, 10],
      ttlResolution: [0, 1, 5],
      sizeCalculation: [fn],
      fetchMethod: [fn],
      memoMethod: [fn],
      dispose: [fn],
      disposeAfter: [fn],
      onInsert: [fn],
      perf: [{ now: fn }],
      backgroundFetchSize: [0, 1, 2],
      allowStale: [true, false],
      noDisposeOnSet: [true, false],
    };
    fc.assert(
      fc.property(
        // Two deliberate differences, checked on their own below, are not drawn here: maxEntrySize >
        // maxSize (lru-cache accepts it and mis-accounts items bigger than maxSize), and a size limit
        // without sizeCalculation (lru-cache then requires a size on every set)
        options(pools).filter(
          (o) =>
            !(Number(o.maxSize) > 0 && Number(o.maxEntrySize) > Number(o.maxSize)) &&
            !((Number(o.maxSize) > 0 || Number(o.maxEntrySize) > 0) && o.sizeCalculation === undefined),
        ),
        (o) => {
          expect(outcome(subject, o)).toBe(outcome(reference, o));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('Cache vs lru-cache: deliberate differences', () => {
  it('refuses a size limit without sizeCalculation, which lru-cache accepts (then every set needs a size)', () => {
    for (const o of [{ maxSize: 10 }, { max: 3, maxEntrySize: 10 }]) {
      expect(() => reference.create(o)).not.toThrow();
      expect(() => subject.create(o)).toThrow(/sizeCalculation/);
    }
  });

  it('refuses maxEntrySize above maxSize, which lru-cache accepts and then mis-accounts', () => {
    const o = { maxSize: 2, maxEntrySize: 5, sizeCalculation: (v: string) => v.length };
    const lru = reference.create(o) as unknown as { set(k: string, v: string): void; calculatedSize: number };
    lru.set('a', 'x');
    lru.set('b', 'xxxx');
    expect(lru.calculatedSize).toBeLessThan(0);
    expect(() => subject.create(o)).toThrow(/maxEntrySize/);
  });
});

/** A fixed scenario through the same differential harness; returns lru-cache's results and log. */
const scenario = (spec: Spec, ops: Op[], startTime = START_TIME): Promise<RunResult> =>
  runScenario({ spec, ops } as Scenario, { ...run, startTime });

const set = (key: Key, value: string | undefined, opts: CallOpts = {}): Op => ({
  op: 'set',
  key,
  value,
  opts,
});
const get = (key: Key, opts: CallOpts = {}): Op => ({ op: 'get', key, opts });
const has = (key: Key, opts: CallOpts = {}): Op => ({ op: 'has', key, opts });
const fetch = (key: Key, opts: CallOpts = {}): Op => ({ op: 'fetch', key, opts });
const advance = (ms: number): Op => ({ op: 'advance', ms });
const deferred = { mode: 'deferred', plan: [] } as const;

describe('Cache vs lru-cache: regressions (behaviour pinned from lru-cache 11.5.3)', () => {
  it('a stale get with allowStale returns the stale value once and deletes it (reason expire)', async () => {
    const { results, log } = await scenario({ max: 3, ttl: 10, allowStale: true, dispose: true }, [
      set('a', 'x'),
      advance(11),
      get('a', { status: true }),
      has('a'),
    ]);
    expect(results[2]).toMatchObject({
      result: 'x',
      status: { get: 'stale', returnedStale: true, remainingTTL: -1 },
    });
    expect(results[3]).toEqual({ result: false, status: undefined });
    expect(log).toEqual([['dispose', 'a', 'x', 'expire']]);
  });

  it('set with an undefined value is delete (reason delete, status.set deleted, returns the cache)', async () => {
    const { results, log } = await scenario({ max: 3, dispose: true, disposeAfter: true }, [
      set('a', 'x'),
      set('a', undefined, { status: true }),
    ]);
    expect(results[1]).toEqual({
      result: '<cache>',
      status: { op: 'set', key: 'a', cache: '<cache>', set: 'deleted' },
    });
    expect(log).toEqual([
      ['dispose', 'a', 'x', 'delete'],
      ['disposeAfter', 'a', 'x', 'delete'],
    ]);
  });

  it('setting the same value again disposes nothing, reports update and onInsert(update)', async () => {
    const { results, log } = await scenario({ max: 3, dispose: true, onInsert: true }, [
      set('a', 'x'),
      set('a', 'x', { status: true }),
    ]);
    expect(results[1]).toMatchObject({ status: { set: 'update' } });
    expect(log).toEqual([
      ['onInsert', 'a', 'x', 'add'],
      ['onInsert', 'a', 'x', 'update'],
    ]);
  });

  it('fetch of a stale entry with allowStale returns the stale value while refreshing', async () => {
    const { results, log, fetchStatuses } = await scenario(
      { max: 3, ttl: 10, allowStale: true, dispose: true, onInsert: true, fetch: deferred },
      [
        set('a', 'x'),
        advance(11),
        fetch('a', { status: true }),
        get('a', { status: true }),
        { op: 'settle', index: 0, outcome: 'value' },
        get('a'),
      ],
    );
    expect(results[3]).toMatchObject({ result: 'x', status: { get: 'stale-fetching', returnedStale: true } });
    expect(results[5]).toMatchObject({ result: 'a1!' });
    expect(fetchStatuses[0]).toMatchObject({
      fetch: 'stale',
      returnedStale: true,
      fetchUpdated: true,
      set: 'replace',
    });
    expect(log).toContainEqual(['dispose', 'a', 'x', 'set']);
    expect(log).toContainEqual(['onInsert', 'a', 'a1!', 'replace']);
  });

  it('an entry bigger than maxEntrySize is not stored, and the old value is deleted with reason set', async () => {
    const { results, log } = await scenario(
      { maxSize: 10, maxEntrySize: 3, sizeCalculation: true, dispose: true },
      [set('a', 'yy'), set('a', 'wwww', { status: true }), has('a')],
    );
    expect(results[1]).toMatchObject({
      result: '<cache>',
      status: { set: 'miss', maxEntrySizeExceeded: true, value: 'wwww' },
    });
    expect(results[2]).toMatchObject({ result: false });
    expect(log).toEqual([['dispose', 'a', 'yy', 'set']]);
  });

  it('with noDisposeOnSet, disposeAfter for an eviction waits for the next flush', async () => {
    const { log } = await scenario({ max: 1, disposeAfter: true, noDisposeOnSet: true }, [
      set('a', 'x'),
      set('b', 'yy'), // evicts 'a': queued, not called
      get('b'),
      { op: 'delete', key: 'c' }, // any delete flushes the queue, even of a missing key
    ]);
    expect(log).toEqual([['disposeAfter', 'a', 'x', 'evict']]);
  });

  it('a failed fetch aborts the signal it gave the loader (reason "deleted")', async () => {
    const { results, log } = await scenario({ max: 3, fetch: { mode: 'immediate', plan: ['reject'] } }, [
      fetch('a'),
    ]);
    expect(results[0]).toEqual({ result: { tracked: 0 }, status: undefined });
    expect(log.map((e) => (e as unknown[]).slice(0, 4))).toEqual([
      ['fetchMethod', 'a', 1, undefined],
      ['aborted', 'a', 1, 'Error: deleted'],
    ]);
  });

  it('an entry set while perf.now() is 0 never goes stale (start 0 means "no TTL")', async () => {
    const { results } = await scenario(
      { max: 3, ttl: 10 },
      [set('a', 'x'), advance(100), get('a'), { op: 'getRemainingTTL', key: 'a' }],
      0,
    );
    expect(results[2]).toMatchObject({ result: 'x' });
    expect(results[3]).toMatchObject({ result: Number.POSITIVE_INFINITY });
  });

  it('getRemainingTTL: 0 when missing, Infinity without a TTL, also after a per-call ttl starts tracking', async () => {
    const { results } = await scenario({ max: 3 }, [
      set('a', 'x'),
      { op: 'getRemainingTTL', key: 'a' },
      { op: 'getRemainingTTL', key: 'b' },
      set('b', 'yy', { ttl: 5 }),
      advance(2),
      { op: 'getRemainingTTL', key: 'a' },
      { op: 'getRemainingTTL', key: 'b' },
    ]);
    expect([1, 2, 5, 6].map((i) => (results[i] as { result: unknown }).result)).toEqual([
      Number.POSITIVE_INFINITY,
      0,
      Number.POSITIVE_INFINITY,
      3,
    ]);
  });

  it('find() passes its options to an internal get: the status gets only the get fields', async () => {
    const { results } = await scenario({ max: 3 }, [
      set('a', 'x'),
      { op: 'findKey', key: 'a', opts: { status: true } },
    ]);
    expect(results[1]).toEqual({
      result: { found: 'x', visits: [['a', 'x', true]] },
      status: { get: 'hit' },
    });
  });

  it('pop() evicts an in-flight fetch that has no stale value and pops the next entry', async () => {
    const { results, log } = await scenario({ max: 3, dispose: true, fetch: deferred }, [
      fetch('a'),
      set('b', 'x'),
      { op: 'pop' },
    ]);
    expect(results[2]).toMatchObject({ result: 'x' });
    expect(log.filter((e) => (e as unknown[])[0] !== 'fetchMethod')).toEqual([
      ['aborted', 'a', 1, 'Error: evicted'],
      ['dispose', 'b', 'x', 'evict'],
    ]);
  });

  it('load() rewrites the start of each entry in the array it is given', async () => {
    await scenario({ max: 3, ttl: 10 }, [
      set('a', 'x'),
      advance(3),
      { op: 'dumpLoad', swap: true },
      advance(8),
      has('a'),
    ]);
    // the harness compares the arrays after load(); here the fact itself, on lru-cache
    clock.now = 1005;
    const arr = [['a', { value: 'x', ttl: 10, start: EPOCH + 1000 }]] as const;
    const input = structuredClone(arr) as unknown as [string, { start: number }][];
    new LRUCache<string, string>({ max: 3, ttl: 10, ttlResolution: 0, perf: { now: () => clock.now } }).load(
      input as never,
    );
    expect(input[0]?.[1].start).toBe(1000);
  });

  it('a late result of an aborted fetch is stored if its old slot is empty (slot order on size eviction)', async () => {
    const { results } = await scenario(
      { ttl: 1, maxSize: 3, sizeCalculation: true, allowStaleOnFetchAbort: true, fetch: deferred },
      [
        fetch('b', { ignoreFetchAbort: true }),
        set('b', 'wwww'),
        set('a', 'zzz'),
        set('c', 'x'),
        { op: 'settle', index: 0, outcome: 'value' },
        get('b'),
      ],
    );
    expect(results[5]).toMatchObject({ result: 'b1!' });
  });

  it('set over a key left without a value by a rejected fetch (noDeleteOnFetchRejection) disposes undefined', async () => {
    const { log } = await scenario(
      { max: 3, noDeleteOnFetchRejection: true, dispose: true, fetch: deferred },
      [
        fetch('c', { signal: true, ignoreFetchAbort: true }),
        { op: 'abortUser', index: 0 },
        { op: 'settle', index: 0, outcome: 'undefined' },
        set('c', 'x'),
      ],
    );
    expect(log).toContainEqual(['dispose', 'c', undefined, 'set']);
  });

  it('ttlResolution: the clock is read once per ttlResolution ms (a timer clears the cached now)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const observed = [reference, subject].map((f) => {
        clock.now = 1000;
        const c = f.create({ max: 3, ttl: 10, ttlResolution: 100, perf: { now: () => clock.now } });
        c.set('a', 'x');
        const seen: unknown[] = [c.has('a')]; // reads the clock: cached for 100 ms
        clock.now = 1050; // past the TTL, but the cached now is still 1000
        seen.push(c.has('a'), c.getRemainingTTL('a'));
        vi.advanceTimersByTime(100);
        seen.push(c.has('a'), c.getRemainingTTL('a'));
        return seen;
      });
      expect(observed[0]).toEqual([true, true, 10, false, -40]);
      expect(observed[1]).toEqual(observed[0]);
    } finally {
      vi.useRealTimers();
    }
  });
});
