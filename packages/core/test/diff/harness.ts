/**
 * Runs one scenario against a reference cache (lru-cache) and a subject cache side by side, with one
 * shared fake clock, and compares everything observable after every step: the return value (awaited
 * for promises), iteration orders, `size`, `calculatedSize`, the log of dispose/disposeAfter/onInsert/
 * loader calls, and every status object. The first difference throws a `Mismatch`.
 */
import { inspect, isDeepStrictEqual } from 'node:util';
import {
  altSizeOf,
  type CallOpts,
  KEYS,
  keyOf,
  type LoadOutcome,
  type MemoOutcome,
  MUTABLE_PROPS,
  type Op,
  renderOp,
  type Scenario,
  type Spec,
  sizeOf,
  VALUES,
} from './scenario.js';

/** The part of the lru-cache API the harness drives; both implementations are used through it. */
export interface CacheLike {
  readonly size: number;
  readonly calculatedSize: number;
  set(k: unknown, v: string | undefined, o?: object): unknown;
  get(k: unknown, o?: object): unknown;
  has(k: unknown, o?: object): unknown;
  peek(k: unknown, o?: object): unknown;
  delete(k: unknown): unknown;
  pop(): unknown;
  clear(): unknown;
  purgeStale(): unknown;
  getRemainingTTL(k: unknown): unknown;
  info(k: unknown): unknown;
  dump(): unknown;
  load(arr: never): unknown;
  find(fn: (v: string, k: unknown, c: unknown) => boolean, o?: object): unknown;
  forEach(fn: (v: string, k: unknown, c: unknown) => void): unknown;
  rforEach(fn: (v: string, k: unknown, c: unknown) => void): unknown;
  entries(): Iterable<unknown>;
  rentries(): Iterable<unknown>;
  keys(): Iterable<unknown>;
  rkeys(): Iterable<unknown>;
  values(): Iterable<unknown>;
  rvalues(): Iterable<unknown>;
  [Symbol.iterator](): Iterator<unknown>;
  fetch(k: unknown, o?: object): unknown;
  forceFetch(k: unknown, o?: object): unknown;
  memo(k: unknown, o?: object): unknown;
}

export interface Factory {
  readonly name: string;
  create(options: Record<string, unknown>): CacheLike;
}

/** The shared fake clock. `Date.now` is pinned to `EPOCH + clock.now` by the test file. */
export const clock = { now: 0 };
export const EPOCH = 1_700_000_000_000;
/** Where every scenario's clock starts. Not 0: lru-cache treats a start time of 0 as "no TTL". */
export const START_TIME = 1000;

const perf = { now: (): number => clock.now };

interface Pending {
  readonly n: number;
  readonly key: string;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

type Tracked =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: unknown }
  | { state: 'rejected'; error: unknown };

interface Side {
  readonly factory: Factory;
  cache: CacheLike;
  /** The options object `cache` was built from (function-valued getters must return these). */
  options: Record<string, unknown>;
  readonly log: unknown[];
  readonly pending: Pending[];
  readonly userAborts: AbortController[];
  /** Status objects of async ops: their fields keep changing after the op returns. */
  readonly asyncStatuses: Record<string, unknown>[];
  readonly tracked: Tracked[];
}

export class Mismatch extends Error {
  override name = 'Mismatch';
}

const errorText = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${inspect(e)}`;

/**
 * Make a value comparable across the two sides: the side's own cache becomes `'<cache>'` (another
 * cache object `'<other cache>'`), errors their message, promises and signals a tag.
 */
function norm(x: unknown, side: Side, seen = new Set<unknown>()): unknown {
  if (x === side.cache) return '<cache>';
  if (x === null || typeof x !== 'object') return typeof x === 'function' ? '<function>' : x;
  if (x instanceof Error) return { error: x.message };
  if (x instanceof Promise) return '<Promise>';
  if (x instanceof AbortSignal) return '<AbortSignal>';
  if (seen.has(x)) return '<cycle>';
  seen.add(x); // ancestors only: removed again below, so shared (acyclic) values are compared in full
  let out: unknown;
  if (Array.isArray(x)) out = x.map((e) => norm(e, side, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'cache') o[k] = v === side.cache ? '<cache>' : '<other cache>';
      else o[k] = norm(v, side, seen);
    }
    out = o;
  }
  seen.delete(x);
  return out;
}

/**
 * The options passed to fetchMethod/memoMethod, minus the per-side objects. Keys whose value is
 * undefined are dropped: lru-cache spells some out (`signal: undefined`), and that is not a behaviour.
 */
function normCallbackOptions(o: unknown): unknown {
  if (o === null || typeof o !== 'object') return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (k === 'status' || k === 'signal') out[k] = `<${k}>`;
    else out[k] = typeof v === 'function' ? '<function>' : v;
  }
  return out;
}

/**
 * The one accepted divergence (an lru-cache bug): when `max` is 0 and TTL tracking starts lazily (first
 * per-call `ttl`), lru-cache's TTL arrays have holes for older entries and `dump()` reports them with
 * `ttl: undefined` (and `start: NaN`, or a real start once `updateAgeOnHas/Get` wrote one). Everywhere
 * else lru-cache treats such a slot as "no TTL", and with `max > 0` it dumps `{ ttl: 0, start: EPOCH }`
 * (start 0 → age = now), which is what Cache dumps in both cases. Map the former to the latter.
 */
function normDump(d: unknown): unknown {
  if (!Array.isArray(d)) return d;
  return d.map((pair: unknown) => {
    if (!Array.isArray(pair)) return pair;
    const [k, e] = pair as [unknown, Record<string, unknown>];
    if (e && typeof e === 'object' && 'ttl' in e && e.ttl === undefined) {
      return [k, { ...e, ttl: 0, start: EPOCH }];
    }
    return pair;
  });
}

function loaderValue(key: string, n: number): string {
  return `${key}${n}${'!'.repeat(n % 3)}`;
}

/** Build real options from a spec, with fresh deterministic callbacks writing to this side's log. */
export function buildOptions(spec: Spec, side: Side): Record<string, unknown> {
  const o: Record<string, unknown> = { perf, ttlResolution: 0 };
  const log = side.log;
  for (const [k, v] of Object.entries(spec)) {
    if (v === undefined) continue;
    switch (k) {
      case 'sizeCalculation':
        if (v) o[k] = (value: string) => sizeOf(value);
        break;
      case 'dispose':
      case 'disposeAfter':
      case 'onInsert':
        if (v) o[k] = (value: unknown, key: unknown, reason: unknown) => log.push([k, key, value, reason]);
        break;
      case 'fetch':
        o.fetchMethod = makeLoader(v as NonNullable<Spec['fetch']>, side);
        break;
      case 'memo':
        o.memoMethod = makeMemo(v as readonly MemoOutcome[], log);
        break;
      default:
        o[k] = v;
    }
  }
  return o;
}

interface FetcherOpts {
  signal: AbortSignal;
  options: unknown;
  context: unknown;
}

function makeLoader(f: NonNullable<Spec['fetch']>, side: Side) {
  let calls = 0;
  return (key: string, stale: unknown, { signal, options, context }: FetcherOpts): unknown => {
    const n = ++calls;
    side.log.push(['fetchMethod', key, n, stale, context, normCallbackOptions(options)]);
    signal.addEventListener('abort', () => side.log.push(['aborted', key, n, errorText(signal.reason)]));
    if (f.mode === 'deferred') {
      return new Promise((resolve, reject) => side.pending.push({ n, key, resolve, reject }));
    }
    const outcome: LoadOutcome = f.plan[(n - 1) % f.plan.length] ?? 'value';
    switch (outcome) {
      case 'value':
        return Promise.resolve(loaderValue(key, n));
      case 'sync':
        return loaderValue(key, n);
      case 'undefined':
        return Promise.resolve(undefined);
      case 'reject':
        return Promise.reject(new Error(`load failed ${key}${n}`));
      case 'throw':
        throw new Error(`load threw ${key}${n}`);
    }
  };
}

function makeMemo(plan: readonly MemoOutcome[], log: unknown[]) {
  let calls = 0;
  return (key: string, stale: unknown, { options, context }: { options: unknown; context: unknown }) => {
    const n = ++calls;
    log.push(['memoMethod', key, n, stale, context, normCallbackOptions(options)]);
    return plan[(n - 1) % plan.length] === 'undefined' ? undefined : `m${key}${n}`;
  };
}

/** Let every microtask (and nextTick) run; nothing here waits on a timer. */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Applied {
  result: unknown;
  status?: Record<string, unknown>;
}

function callOptions(
  opts: CallOpts,
  side: Side,
): { o: Record<string, unknown>; status?: Record<string, unknown> } {
  const o: Record<string, unknown> = {};
  let status: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'status') {
      if (v) o.status = status = {};
    } else if (k === 'signal') {
      if (v) {
        const ac = new AbortController();
        side.userAborts.push(ac);
        o.signal = ac.signal;
      }
    } else if (k === 'sizeCalculation') {
      o[k] = altSizeOf;
    } else o[k] = v;
  }
  return status === undefined ? { o } : { o, status };
}

function track(side: Side, value: unknown): number {
  const id = side.tracked.length;
  const t: Tracked = { state: 'pending' };
  side.tracked.push(t);
  if (value instanceof Promise) {
    value.then(
      (v: unknown) => {
        side.tracked[id] = { state: 'fulfilled', value: v };
      },
      (e: unknown) => {
        side.tracked[id] = { state: 'rejected', error: e };
      },
    );
  } else {
    side.tracked[id] = { state: 'fulfilled', value: `<not a Promise: ${inspect(value)}>` };
  }
  return id;
}

function apply(side: Side, op: Op): Applied {
  const c = side.cache;
  switch (op.op) {
    case 'set': {
      const { o, status } = callOptions(op.opts, side);
      const r = { result: c.set(keyOf(op.key), op.value, o) };
      return status ? { ...r, status } : r;
    }
    case 'get':
    case 'has':
    case 'peek':
    case 'memo': {
      const { o, status } = callOptions(op.opts, side);
      const r = { result: c[op.op](keyOf(op.key), o) };
      return status ? { ...r, status } : r;
    }
    case 'fetch':
    case 'forceFetch': {
      const { o, status } = callOptions(op.opts, side);
      if (status) side.asyncStatuses.push(status);
      const id = track(side, c[op.op](keyOf(op.key), o));
      return { result: { tracked: id } };
    }
    case 'delete':
    case 'getRemainingTTL':
    case 'info':
      return { result: c[op.op](keyOf(op.key)) };
    case 'pop':
    case 'clear':
    case 'purgeStale':
      return { result: c[op.op]() };
    case 'forEach':
    case 'rforEach': {
      const visits: unknown[] = [];
      // a function, not an arrow: lru-cache calls it with `this` = the cache (the default thisp)
      const r = c[op.op](function (this: unknown, v, k, cc) {
        visits.push([k, v, cc === c, this === c]);
      });
      return { result: { returned: r, visits } };
    }
    case 'findKey':
    case 'findSize': {
      const visits: unknown[] = [];
      const { o, status } = callOptions(op.opts, side);
      const found = c.find((v, k, cc) => {
        visits.push([k, v, cc === c]);
        return op.op === 'findKey' ? Object.is(k, keyOf(op.key)) : sizeOf(v) === op.size;
      }, o);
      const r = { result: { found, visits } };
      return status ? { ...r, status } : r;
    }
    case 'dumpLoad':
      // handled by the runner: it needs both sides at once
      return { result: undefined };
    case 'advance':
      // handled by the runner: the clock is shared
      return { result: undefined };
    case 'settle': {
      if (side.pending.length === 0) return { result: 'no pending loader call' };
      const [p] = side.pending.splice(op.index % side.pending.length, 1);
      if (!p) return { result: undefined };
      if (op.outcome === 'value') p.resolve(loaderValue(p.key, p.n));
      else if (op.outcome === 'undefined') p.resolve(undefined);
      else p.reject(new Error(`load failed ${p.key}${p.n}`));
      return { result: `settled ${p.key}${p.n} with ${op.outcome}` };
    }
    case 'setProp':
      (c as unknown as Record<string, unknown>)[op.name] = op.value;
      return { result: undefined };
    case 'fill': {
      const returned: unknown[] = [];
      for (let i = op.from; i < op.from + op.count; i++) returned.push(c.set(`k${i}`, VALUES[i % 10]));
      return { result: returned };
    }
    case 'abortUser': {
      const ac = side.userAborts[op.index % Math.max(1, side.userAborts.length)];
      if (!ac) return { result: 'no user signal' };
      ac.abort(new Error('user abort'));
      return { result: undefined };
    }
  }
}

const show = (v: unknown): string => inspect(v, { depth: 8, breakLength: 100, sorted: true });

/** Public option members lru-cache exposes, read back (functions by identity with the option). */
const VALUE_PROPS = [
  'max',
  'maxSize',
  'maxEntrySize',
  'backgroundFetchSize',
  'ttlResolution',
  'ttlAutopurge',
  ...MUTABLE_PROPS,
] as const;
const FUNCTION_PROPS = [
  'sizeCalculation',
  'fetchMethod',
  'memoMethod',
  'dispose',
  'disposeAfter',
  'onInsert',
  'perf',
];

function propState(c: CacheLike, options: Record<string, unknown>): Record<string, unknown> {
  const r = c as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { toStringTag: Object.prototype.toString.call(c) };
  for (const p of VALUE_PROPS) out[p] = r[p];
  for (const p of FUNCTION_PROPS) {
    const v = r[p];
    out[p] = v === undefined ? undefined : v === options[p] ? '<the option>' : `<other ${typeof v}>`;
  }
  return out;
}

function iterState(c: CacheLike): Record<string, unknown> {
  return {
    size: c.size,
    calculatedSize: c.calculatedSize,
    entries: [...c.entries()],
    rentries: [...c.rentries()],
    keys: [...c.keys()],
    rkeys: [...c.rkeys()],
    values: [...c.values()],
    rvalues: [...c.rvalues()],
    iterator: [...c],
  };
}

/** The first difference between two log tails that start at entry `offset` of their logs. */
/**
 * A cheap exact check for the iteration state: numbers, or arrays of values or of [k, v] pairs,
 * equal element by element under Object.is. When false, the caller falls back to isDeepStrictEqual.
 */
function sameFlat(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x: unknown = a[i];
    const y: unknown = b[i];
    if (Object.is(x, y)) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== 2 || y.length !== 2) return false;
    if (!Object.is(x[0], y[0]) || !Object.is(x[1], y[1])) return false;
  }
  return true;
}

function diffLogs(ref: readonly unknown[], sub: readonly unknown[], offset: number): string | undefined {
  const n = Math.max(ref.length, sub.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(ref[i], sub[i])) {
      return (
        `callback log differs from entry ${offset + i}:\n` +
        `    lru-cache: ${show(ref.slice(i))}\n` +
        `    subject:   ${show(sub.slice(i))}`
      );
    }
  }
  return undefined;
}

/** lru-cache's normalised per-step results and its callback log, for pinning expectations. */
export interface RunResult {
  readonly results: unknown[];
  readonly log: unknown[];
  /** Status objects of fetch/forceFetch ops, in op order, as they ended up. */
  readonly fetchStatuses: unknown[];
}

export interface RunOptions {
  readonly reference: Factory;
  readonly subject: Factory;
  /** Where the fake clock starts; default `START_TIME`. */
  readonly startTime?: number;
}

function newSide(factory: Factory, spec: Spec): Side {
  const side: Side = {
    factory,
    cache: undefined as unknown as CacheLike,
    options: {},
    log: [],
    pending: [],
    userAborts: [],
    asyncStatuses: [],
    tracked: [],
  };
  side.options = buildOptions(spec, side);
  side.cache = factory.create(side.options);
  return side;
}

/** Construct from a spec, reporting a constructor error as a value (it is compared too). */
function construct(factory: Factory, spec: Spec): { side?: Side; error?: string } {
  try {
    return { side: newSide(factory, spec) };
  } catch (e) {
    return { error: errorText(e) };
  }
}

/**
 * Run a scenario on both sides. Throws `Mismatch` at the first observable difference; the message
 * names the step, the op, and what differed, with both values. Returns the reference's per-step
 * results and callback log (normalised) so hand-written tests can pin lru-cache's behaviour too.
 */
export async function runScenario(scenario: Scenario, run: RunOptions): Promise<RunResult> {
  const { spec, ops } = scenario;
  clock.now = run.startTime ?? START_TIME;
  const r0 = construct(run.reference, spec);
  const s0 = construct(run.subject, spec);
  if (r0.error !== undefined || s0.error !== undefined) {
    if (r0.error !== s0.error) {
      throw new Mismatch(`constructor: lru-cache → ${r0.error ?? 'ok'}; subject → ${s0.error ?? 'ok'}`);
    }
    return { results: [{ constructorError: r0.error }], log: [], fetchStatuses: [] };
  }
  const ref = r0.side!;
  const sub = s0.side!;
  const async = spec.fetch !== undefined;
  const results: unknown[] = [];
  let logChecked = 0;

  const fail = (step: number, what: string): never => {
    const op = ops[step];
    throw new Mismatch(`step ${step}: ${op ? renderOp(op) : '(construction)'}\n  ${what}`);
  };

  /** Iteration orders, size and calculatedSize; with `props`, the option members too. */
  const compareState = (
    step: number,
    label: string,
    r: Pick<Side, 'cache' | 'options'>,
    s: Pick<Side, 'cache' | 'options'>,
    props = false,
  ): void => {
    const rs: Record<string, unknown> = iterState(r.cache);
    const ss: Record<string, unknown> = iterState(s.cache);
    if (props) {
      rs.props = propState(r.cache, r.options);
      ss.props = propState(s.cache, s.options);
    }
    for (const k of Object.keys(rs)) {
      if (!sameFlat(rs[k], ss[k]) && !isDeepStrictEqual(rs[k], ss[k])) {
        fail(step, `${label}${k} differs:\n    lru-cache: ${show(rs[k])}\n    subject:   ${show(ss[k])}`);
      }
    }
  };

  compareState(-1, '', ref, sub, true);
  for (let step = 0; step < ops.length; step++) {
    const op = ops[step]!;
    if (op.op === 'dumpLoad') {
      await dumpLoad(step, op.swap);
    } else if (op.op === 'advance') {
      clock.now += op.ms;
      if (async) await drain();
      results.push({ result: undefined });
    } else {
      const outcome = (side: Side): Applied | { threw: string } => {
        try {
          return apply(side, op);
        } catch (e) {
          return { threw: errorText(e) };
        }
      };
      const ra = outcome(ref);
      const sa = outcome(sub);
      if (async || op.op === 'fetch' || op.op === 'forceFetch') await drain();
      const rn = 'threw' in ra ? ra : { result: norm(ra.result, ref), status: norm(ra.status, ref) };
      const sn = 'threw' in sa ? sa : { result: norm(sa.result, sub), status: norm(sa.status, sub) };
      if (!isDeepStrictEqual(rn, sn)) {
        const rr = 'threw' in rn ? rn : rn.result;
        const sr = 'threw' in sn ? sn : sn.result;
        if (!isDeepStrictEqual(rr, sr))
          fail(step, `return value:\n    lru-cache: ${show(rr)}\n    subject:   ${show(sr)}`);
        const rst = 'status' in rn ? rn.status : undefined;
        const sst = 'status' in sn ? sn.status : undefined;
        fail(step, `status object:\n    lru-cache: ${show(rst)}\n    subject:   ${show(sst)}`);
      }
      results.push(rn);
    }
    const rt = norm(ref.tracked, ref);
    const st = norm(sub.tracked, sub);
    if (!isDeepStrictEqual(rt, st)) {
      fail(
        step,
        `fetch promise outcomes (by fetch op, in order):\n    lru-cache: ${show(rt)}\n    subject:   ${show(st)}`,
      );
    }
    const ras = norm(ref.asyncStatuses, ref);
    const sas = norm(sub.asyncStatuses, sub);
    if (!isDeepStrictEqual(ras, sas)) {
      fail(
        step,
        `fetch status objects (in order):\n    lru-cache: ${show(ras)}\n    subject:   ${show(sas)}`,
      );
    }
    // option members change only by assignment, or with the cache itself on a dumpLoad swap
    compareState(step, '', ref, sub, op.op === 'setProp' || op.op === 'dumpLoad');
    // log entries are snapshots taken when pushed, so entries compared at an earlier step stay equal
    const ld = diffLogs(
      norm(ref.log.slice(logChecked), ref) as unknown[],
      norm(sub.log.slice(logChecked), sub) as unknown[],
      logChecked,
    );
    if (ld !== undefined) fail(step, ld);
    logChecked = ref.log.length;
  }
  return {
    results,
    log: norm(ref.log, ref) as unknown[],
    fetchStatuses: norm(ref.asyncStatuses, ref) as unknown[],
  };

  async function dumpLoad(step: number, swap: boolean): Promise<void> {
    const rd = ref.cache.dump();
    const sd = sub.cache.dump();
    if (!isDeepStrictEqual(normDump(norm(rd, ref)), normDump(norm(sd, sub)))) {
      fail(step, `dump() differs:\n    lru-cache: ${show(rd)}\n    subject:   ${show(sd)}`);
    }
    results.push({ dump: norm(rd, ref) });
    // Fresh caches of each kind, same options (callbacks logging to the same side's log), each loading
    // a copy of lru-cache's dump: the dumps were just compared, and one input keeps the comparison of
    // what load() does to its input exact.
    const freshRefOptions = buildOptions(spec, ref);
    const freshSubOptions = buildOptions(spec, sub);
    const freshRef = run.reference.create(freshRefOptions);
    const freshSub = run.subject.create(freshSubOptions);
    const refInput = structuredClone(rd);
    const subInput = structuredClone(rd);
    let rErr: string | undefined;
    let sErr: string | undefined;
    try {
      freshRef.load(refInput as never);
    } catch (e) {
      rErr = errorText(e);
    }
    try {
      freshSub.load(subInput as never);
    } catch (e) {
      sErr = errorText(e);
    }
    if (rErr !== sErr) fail(step, `load() threw:\n    lru-cache: ${rErr}\n    subject:   ${sErr}`);
    // lru-cache's load() rewrites each entry's `start` in the array it is given
    if (!isDeepStrictEqual(refInput, subInput)) {
      fail(
        step,
        `load() left its input array differently:\n    lru-cache: ${show(refInput)}\n    subject:   ${show(subInput)}`,
      );
    }
    if (async) await drain();
    compareState(
      step,
      'after load, ',
      { cache: freshRef, options: freshRefOptions },
      { cache: freshSub, options: freshSubOptions },
      true,
    );
    const frd = freshRef.dump();
    const fsd = freshSub.dump();
    if (!isDeepStrictEqual(normDump(frd), normDump(fsd))) {
      fail(step, `dump() after load differs:\n    lru-cache: ${show(frd)}\n    subject:   ${show(fsd)}`);
    }
    for (const k of new Set([...KEYS, ...(rd as [unknown, unknown][]).map(([key]) => key)])) {
      const rr = freshRef.getRemainingTTL(k);
      const sr = freshSub.getRemainingTTL(k);
      if (!Object.is(rr, sr))
        fail(step, `after load, getRemainingTTL(${show(k)}): lru-cache ${rr}, subject ${sr}`);
    }
    if (swap) {
      ref.cache = freshRef;
      ref.options = freshRefOptions;
      sub.cache = freshSub;
      sub.options = freshSubOptions;
    }
  }
}
