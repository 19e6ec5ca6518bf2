/**
 * fast-check arbitraries for scenarios: option families (`specs`) and op lists weighted per family
 * (`opsFor`). Everything optional is generated as "absent" most of the time and shrinks towards
 * absent, so counterexamples come out with only the options and arguments that matter.
 */
import fc from 'fast-check';
import {
  type CallOpts,
  KEYS,
  type LoadOutcome,
  type MemoOutcome,
  MUTABLE_PROPS,
  type Op,
  renderScenario,
  type Scenario,
  type Spec,
  VALUES,
} from './scenario.js';

type Model = Record<string, fc.Arbitrary<unknown>>;

/** Absent (undefined) 3 times in 4; shrinks towards absent. */
const maybe = <T>(arb: fc.Arbitrary<T>, absentWeight = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(undefined), weight: absentWeight },
    { arbitrary: arb, weight: 1 },
  );

/** Present 4 times in 5; still shrinks towards absent. */
const often = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: arb, weight: 4 },
  );

function dropUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** A record whose every key is usually absent. */
function sparse(model: Model, absentWeight = 3): fc.Arbitrary<Record<string, unknown>> {
  const m: Model = {};
  for (const [k, a] of Object.entries(model)) m[k] = maybe(a, absentWeight);
  return fc.record(m).map(dropUndefined);
}

/** Skewed towards the first keys so most reads hit; shrinks towards 'a'. */
const narrowKey = fc.oneof(
  ...KEYS.map((k, i) => ({ arbitrary: fc.constant(k), weight: [5, 4, 2, 1, 1][i] ?? 1 })),
);
/** Lengths 1..5 (so sizes 1..5); two values per length so a re-set can be same-value or not. */
const value = fc.constantFrom(...VALUES);
/** The keys family: non-string keys next to strings that look like them. */
const mixedKey = fc.constantFrom('@1', '1', '@0', '@-0', '@NaN', 'NaN', '@true', 'true', '@objA', '@objB');
/** The wide key pool of the grow family, 'k0'..'k39'. */
const wideKey = fc.integer({ min: 0, max: 39 }).map((i) => `k${i}`);
const bool = fc.boolean();
const ttlMs = fc.integer({ min: 1, max: 20 });

const listeners: Model = { dispose: bool, disposeAfter: bool, noDisposeOnSet: bool, onInsert: bool };
const ttlFlags: Model = {
  allowStale: bool,
  updateAgeOnGet: bool,
  updateAgeOnHas: bool,
  noDeleteOnStaleGet: bool,
  noUpdateTTL: bool,
};
const fetchFlags: Model = {
  noDeleteOnFetchRejection: bool,
  allowStaleOnFetchRejection: bool,
  allowStaleOnFetchAbort: bool,
  ignoreFetchAbort: bool,
};
const loadPlan = fc.array(fc.constantFrom<LoadOutcome>('value', 'sync', 'undefined', 'reject', 'throw'), {
  minLength: 1,
  maxLength: 4,
});
const memoPlan = fc.array(fc.constantFrom<MemoOutcome>('value', 'undefined'), { minLength: 1, maxLength: 3 });

const merge = (...parts: fc.Arbitrary<Record<string, unknown>>[]): fc.Arbitrary<Spec> =>
  fc.tuple(...parts).map((ps) => Object.assign({}, ...ps) as Spec);

/** Listeners are common (they are what we compare); each listener flag present half the time. */
const listenerSpec = sparse(listeners, 1);

/**
 * At least one of max/maxSize/ttl must be set (lru-cache throws otherwise); fill in `max` if the
 * generator left all three out.
 */
const bounded = (s: Spec): Spec =>
  s.max === undefined && s.maxSize === undefined && s.ttl === undefined ? { ...s, max: 3 } : s;

/** The option families, one property each. */
export const specs = {
  lru: merge(fc.record({ max: fc.integer({ min: 1, max: 5 }) }), listenerSpec, sparse({ memo: memoPlan })),
  size: merge(
    fc.oneof(
      fc
        .record(
          {
            maxSize: fc.integer({ min: 1, max: 15 }),
            max: fc.integer({ min: 1, max: 5 }),
            maxEntrySize: fc.integer({ min: 2, max: 6 }),
          },
          { requiredKeys: ['maxSize'] },
        )
        // with maxEntrySize > maxSize lru-cache mis-accounts items bigger than maxSize (an item evicts
        // itself, calculatedSize goes negative) and Cache refuses the config: nothing to compare
        .map((s) =>
          s.maxEntrySize !== undefined && s.maxEntrySize > s.maxSize ? { ...s, maxEntrySize: s.maxSize } : s,
        ),
      fc.record({ max: fc.integer({ min: 1, max: 5 }), maxEntrySize: fc.integer({ min: 2, max: 6 }) }),
    ),
    fc.constant({ sizeCalculation: true }),
    listenerSpec,
  ),
  ttl: merge(
    fc.record({ ttl: often(ttlMs), max: maybe(fc.integer({ min: 1, max: 5 }), 1) }).map(dropUndefined),
    sparse(ttlFlags, 1),
    listenerSpec,
    sparse({ maxSize: fc.integer({ min: 3, max: 12 }) }, 4).map((s) =>
      s.maxSize === undefined ? s : { ...s, sizeCalculation: true },
    ),
  ).map(bounded),
  fetchImmediate: merge(
    fc.record({ ttl: often(ttlMs), max: maybe(fc.integer({ min: 1, max: 5 }), 1) }).map(dropUndefined),
    sparse(ttlFlags, 2),
    sparse(fetchFlags, 1),
    listenerSpec,
    fc.record({ fetch: fc.record({ mode: fc.constant<'immediate'>('immediate'), plan: loadPlan }) }),
    sparse({ maxSize: fc.integer({ min: 3, max: 12 }) }, 4).map((s) =>
      s.maxSize === undefined ? s : { ...s, sizeCalculation: true },
    ),
  ).map(bounded),
  fetchDeferred: merge(
    fc.record({ ttl: often(ttlMs), max: maybe(fc.integer({ min: 1, max: 5 }), 1) }).map(dropUndefined),
    sparse(ttlFlags, 2),
    sparse(fetchFlags, 1),
    listenerSpec,
    fc.record({ fetch: fc.constant({ mode: 'deferred' as const, plan: [] }) }),
    sparse(
      { maxSize: fc.integer({ min: 3, max: 12 }), backgroundFetchSize: fc.integer({ min: 1, max: 3 }) },
      3,
    ).map((s) =>
      s.maxSize === undefined
        ? dropUndefined({ ...s, backgroundFetchSize: undefined })
        : { ...s, sizeCalculation: true },
    ),
  ).map(bounded),
  /** Everything at once: fetch (either mode), memo, sizes, TTL flags, listeners. */
  mixed: merge(
    fc.record({ ttl: often(ttlMs), max: maybe(fc.integer({ min: 1, max: 5 }), 1) }).map(dropUndefined),
    sparse(ttlFlags, 2),
    sparse(fetchFlags, 2),
    listenerSpec,
    fc.record({
      fetch: fc.record({
        mode: fc.constantFrom<'immediate' | 'deferred'>('deferred', 'immediate'),
        plan: loadPlan,
      }),
      memo: memoPlan,
    }),
    sparse(
      { maxSize: fc.integer({ min: 3, max: 12 }), backgroundFetchSize: fc.integer({ min: 1, max: 3 }) },
      2,
    ).map((s) =>
      s.maxSize === undefined
        ? dropUndefined({ ...s, backgroundFetchSize: undefined })
        : { ...s, sizeCalculation: true },
    ),
  ).map(bounded),
  /** Map key identity (SameValueZero), with a TTL so stale paths see odd keys too. */
  keys: merge(fc.record({ max: fc.integer({ min: 2, max: 6 }) }), sparse({ ttl: ttlMs }, 1), listenerSpec),
  /** Past the 16 slots an unbounded Cache preallocates, and up to a larger max. */
  grow: merge(
    fc.oneof(
      fc.record({ max: fc.integer({ min: 17, max: 60 }) }),
      fc.record({ maxSize: fc.integer({ min: 20, max: 100 }), sizeCalculation: fc.constant(true) }),
      fc.record({ ttl: fc.integer({ min: 5, max: 40 }) }),
      fc.record({
        max: fc.integer({ min: 17, max: 60 }),
        maxSize: fc.integer({ min: 20, max: 100 }),
        sizeCalculation: fc.constant(true),
        ttl: fc.integer({ min: 5, max: 40 }),
      }),
    ),
    sparse(ttlFlags, 2),
    listenerSpec,
  ),
  memo: merge(
    fc.record({ max: fc.integer({ min: 1, max: 5 }), memo: memoPlan }),
    sparse({ ttl: ttlMs }, 1),
    sparse(ttlFlags, 2),
    listenerSpec,
  ),
} satisfies Record<string, fc.Arbitrary<Spec>>;

export type Family = keyof typeof specs;

const status = fc.boolean().map((b): CallOpts => (b ? { status: true } : {}));
const withStatus = (m: Model, absentWeight = 3): fc.Arbitrary<CallOpts> =>
  fc
    .tuple(
      fc.oneof({ withCrossShrink: true }, fc.constant(false), { arbitrary: fc.constant(true), weight: 3 }),
      sparse(m, absentWeight),
    )
    .map(([s, o]) => ({ ...o, ...(s ? { status: true } : {}) }) as CallOpts);

const getOpts: Model = { allowStale: bool, updateAgeOnGet: bool, noDeleteOnStaleGet: bool };
const setOptsModel = (family: Family): Model => {
  const m: Model = { noDisposeOnSet: bool, noUpdateTTL: bool };
  if (family !== 'lru') m.ttl = fc.integer({ min: 0, max: 20 });
  // an explicit start (a perf.now() value): 0 is lru-cache's "no start", 1000 is when the clock starts
  if (family === 'ttl') m.start = fc.constantFrom(0, 995, 1000, 1010);
  // lru-cache throws on `size` unless maxSize/maxEntrySize is set; only the size family always has them
  if (family === 'size') {
    m.size = fc.integer({ min: 1, max: 7 });
    m.sizeCalculation = fc.constant('altSizeOf');
  }
  return m;
};

const fetchOptsModel: Model = {
  ...getOpts,
  forceRefresh: bool,
  ttl: fc.integer({ min: 0, max: 20 }),
  noUpdateTTL: bool,
  noDisposeOnSet: bool,
  context: fc.constantFrom('ctx1', 'ctx2'),
  signal: fc.constant(true),
  ...fetchFlags,
};

type Weighted = { arbitrary: fc.Arbitrary<Op>; weight: number };

/** The op mix of a family: every op can appear in every family; weights say how often. */
function opArb(family: Family): fc.Arbitrary<Op> {
  const timed = family !== 'lru' && family !== 'size';
  const key = family === 'grow' ? wideKey : family === 'keys' ? mixedKey : narrowKey;
  const fetching = family === 'fetchImmediate' || family === 'fetchDeferred' || family === 'mixed';
  const w = (base: number, when = true): number => (when ? base : 0);
  const all: Weighted[] = [
    {
      weight: 28,
      arbitrary: fc
        .record({
          key,
          value: fc.oneof({ arbitrary: value, weight: 19 }, { arbitrary: fc.constant(undefined), weight: 1 }),
          opts: withStatus(setOptsModel(family)),
        })
        .map(({ key, value, opts }) => ({ op: 'set', key, value, opts })),
    },
    {
      weight: 16,
      arbitrary: fc
        .record({ key, opts: withStatus(getOpts) })
        .map(({ key, opts }) => ({ op: 'get', key, opts })),
    },
    {
      weight: 8,
      arbitrary: fc
        .record({ key, opts: withStatus({ updateAgeOnHas: bool }) })
        .map(({ key, opts }) => ({ op: 'has', key, opts })),
    },
    {
      weight: 8,
      arbitrary: fc
        .record({ key, opts: withStatus({ allowStale: bool }) })
        .map(({ key, opts }) => ({ op: 'peek', key, opts })),
    },
    { weight: 6, arbitrary: key.map((key) => ({ op: 'delete', key })) },
    { weight: 4, arbitrary: fc.constant({ op: 'pop' }) },
    { weight: 1, arbitrary: fc.constant({ op: 'clear' }) },
    { weight: w(4, timed), arbitrary: fc.constant({ op: 'purgeStale' }) },
    { weight: w(4, timed) + 1, arbitrary: key.map((key) => ({ op: 'getRemainingTTL', key })) },
    { weight: 2, arbitrary: key.map((key) => ({ op: 'info', key })) },
    { weight: 2, arbitrary: bool.map((swap) => ({ op: 'dumpLoad', swap })) },
    { weight: 2, arbitrary: fc.constant({ op: 'forEach' }) },
    { weight: 2, arbitrary: fc.constant({ op: 'rforEach' }) },
    {
      weight: 2,
      arbitrary: fc.record({ key, opts: status }).map(({ key, opts }) => ({ op: 'findKey', key, opts })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ size: fc.integer({ min: 1, max: 5 }), opts: status })
        .map(({ size, opts }) => ({ op: 'findSize', size, opts })),
    },
    {
      weight: w(14, timed),
      arbitrary: fc
        .oneof(fc.constantFrom(0, 1), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 25 }))
        .map((ms) => ({ op: 'advance', ms })),
    },
    {
      weight: w(20, fetching) + 1,
      arbitrary: fc
        .record({ key, opts: withStatus(fetchOptsModel, 5) })
        .map(({ key, opts }) => ({ op: 'fetch', key, opts })),
    },
    {
      weight: w(6, fetching),
      arbitrary: fc
        .record({ key, opts: withStatus(fetchOptsModel, 5) })
        .map(({ key, opts }) => ({ op: 'forceFetch', key, opts })),
    },
    {
      weight: w(16, family === 'memo') + w(2, family === 'lru') + w(4, family === 'mixed'),
      arbitrary: fc
        .record({
          key,
          opts: withStatus({
            ...getOpts,
            forceRefresh: bool,
            context: fc.constantFrom('ctx1', 'ctx2'),
            // memo() hands its remaining options to its internal set() too
            ttl: fc.integer({ min: 0, max: 20 }),
            noDisposeOnSet: bool,
            noUpdateTTL: bool,
          }),
        })
        .map(({ key, opts }) => ({ op: 'memo', key, opts })),
    },
    {
      weight: w(16, family === 'fetchDeferred') + w(6, family === 'mixed'),
      arbitrary: fc
        .record({
          index: fc.nat({ max: 3 }),
          outcome: fc.constantFrom<'value' | 'undefined' | 'reject'>('value', 'undefined', 'reject'),
        })
        .map(({ index, outcome }) => ({ op: 'settle', index, outcome })),
    },
    {
      weight: w(3, fetching),
      arbitrary: fc.nat({ max: 3 }).map((index) => ({ op: 'abortUser', index })),
    },
    {
      weight: w(12, family === 'grow'),
      arbitrary: fc
        .record({ from: fc.integer({ min: 0, max: 39 }), count: fc.integer({ min: 1, max: 40 }) })
        .map(({ from, count }): Op => ({ op: 'fill', from, count })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...MUTABLE_PROPS)
        .chain((name) =>
          (name === 'ttl' ? fc.integer({ min: 0, max: 20 }) : fc.boolean()).map(
            (value): Op => ({ op: 'setProp', name, value }),
          ),
        ),
    },
  ];
  return fc.oneof({ withCrossShrink: true }, ...all.filter((a) => a.weight > 0));
}

/** Scenarios of one family, printed by fast-check as a small program. */
export function scenarios(family: Family, maxOps: number, startTime: number): fc.Arbitrary<Scenario> {
  return fc
    .record({ spec: specs[family], ops: fc.array(opArb(family), { maxLength: maxOps, size: 'max' }) })
    .map((s) => Object.assign(s, { [fc.toStringMethod]: () => renderScenario(s, startTime) }));
}
