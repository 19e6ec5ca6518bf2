/**
 * The data model of a differential scenario: a serialisable description of the cache options
 * (`Spec`) and a list of operations (`Op`). Both are plain data so fast-check can shrink them and
 * print them; `renderScenario` turns a counterexample into a readable program.
 */

export const KEYS = ['a', 'b', 'c', 'd', 'e'] as const;
/**
 * A key token: 'a'..'e' in most families, 'k0'..'k39' where the cache must grow past its
 * preallocated slots, and in the keys family '@…' tokens for non-string keys (see `keyOf`).
 */
export type Key = string;

const OBJ_A = Object.freeze({ id: 'A' });
const OBJ_B = Object.freeze({ id: 'B' });
/** Non-string keys, to check `Map` (SameValueZero) key identity: 1 ≠ '1', -0 = 0, NaN = NaN. */
export const SPECIAL_KEYS: Readonly<Record<string, unknown>> = {
  '@1': 1,
  '@0': 0,
  '@-0': -0,
  '@NaN': Number.NaN,
  '@true': true,
  '@objA': OBJ_A,
  '@objB': OBJ_B,
};

/** The key a token stands for (the same object for both caches, so object keys can match). */
export function keyOf(token: Key): unknown {
  return Object.hasOwn(SPECIAL_KEYS, token) ? SPECIAL_KEYS[token] : token;
}

/** Values of lengths 1..5 (so sizes 1..5), two per length. */
export const VALUES = ['x', 'yy', 'zzz', 'wwww', 'vvvvv', 'X', 'YY', 'ZZZ', 'WWWW', 'VVVVV'] as const;

/** What the n-th call of an immediate loader does. */
export type LoadOutcome = 'value' | 'sync' | 'undefined' | 'reject' | 'throw';
/** What a `settle` op does to a deferred loader call. */
export type SettleOutcome = 'value' | 'undefined' | 'reject';
/** What the n-th call of the memo method returns. */
export type MemoOutcome = 'value' | 'undefined';

/**
 * Cache options as data. Function-valued options are flags here and become deterministic
 * functions in `buildOptions` (harness.ts). Absent keys are absent in the options object too.
 */
export interface Spec {
  readonly max?: number;
  readonly maxSize?: number;
  readonly maxEntrySize?: number;
  readonly sizeCalculation?: boolean;
  readonly backgroundFetchSize?: number;
  readonly ttl?: number;
  readonly allowStale?: boolean;
  readonly updateAgeOnGet?: boolean;
  readonly updateAgeOnHas?: boolean;
  readonly noDeleteOnStaleGet?: boolean;
  readonly noUpdateTTL?: boolean;
  readonly dispose?: boolean;
  readonly disposeAfter?: boolean;
  readonly noDisposeOnSet?: boolean;
  readonly onInsert?: boolean;
  /** `immediate`: the loader settles by itself following `plan` (cyclic); `deferred`: `settle` ops decide. */
  readonly fetch?: { readonly mode: 'immediate' | 'deferred'; readonly plan: readonly LoadOutcome[] };
  readonly noDeleteOnFetchRejection?: boolean;
  readonly allowStaleOnFetchRejection?: boolean;
  readonly allowStaleOnFetchAbort?: boolean;
  readonly ignoreFetchAbort?: boolean;
  readonly memo?: readonly MemoOutcome[];
}

/**
 * Per-call options as data. `status: true` passes a fresh status object, `signal: true` a fresh
 * user AbortController's signal (abortable later by an `abortUser` op); the rest pass through.
 */
export type CallOpts = Readonly<Record<string, number | boolean | string>>;

export type Op =
  | { readonly op: 'set'; readonly key: Key; readonly value: string | undefined; readonly opts: CallOpts }
  | {
      readonly op: 'get' | 'has' | 'peek' | 'fetch' | 'forceFetch' | 'memo';
      readonly key: Key;
      readonly opts: CallOpts;
    }
  | { readonly op: 'delete' | 'getRemainingTTL' | 'info'; readonly key: Key }
  | { readonly op: 'pop' | 'clear' | 'purgeStale' | 'forEach' | 'rforEach' }
  | { readonly op: 'findKey'; readonly key: Key; readonly opts: CallOpts }
  | { readonly op: 'findSize'; readonly size: number; readonly opts: CallOpts }
  | { readonly op: 'dumpLoad'; readonly swap: boolean }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'settle'; readonly index: number; readonly outcome: SettleOutcome }
  | { readonly op: 'abortUser'; readonly index: number }
  /** `set('k' + i, VALUES[i % 10])` for i in [from, from + count): many entries in one step. */
  | { readonly op: 'fill'; readonly from: number; readonly count: number }
  | { readonly op: 'setProp'; readonly name: MutableProp; readonly value: boolean | number };

/** Options lru-cache exposes as plain writable members: assigning one changes later defaults. */
export const MUTABLE_PROPS = [
  'ttl',
  'allowStale',
  'updateAgeOnGet',
  'updateAgeOnHas',
  'noDeleteOnStaleGet',
  'noUpdateTTL',
  'noDisposeOnSet',
  'noDeleteOnFetchRejection',
  'allowStaleOnFetchRejection',
  'allowStaleOnFetchAbort',
  'ignoreFetchAbort',
] as const;
export type MutableProp = (typeof MUTABLE_PROPS)[number];

export interface Scenario {
  readonly spec: Spec;
  readonly ops: readonly Op[];
}

/** The size of a value: its length, folded into 1..5. Used as `sizeCalculation`. */
export function sizeOf(value: string): number {
  return ((value.length - 1) % 5) + 1;
}

/** The per-call `sizeCalculation: 'altSizeOf'` override: the reverse scale, 5..1. */
export function altSizeOf(value: string): number {
  return 6 - sizeOf(value);
}

const lit = (v: unknown): string =>
  typeof v === 'string' ? (v.startsWith('@') ? v.slice(1) : `'${v}'`) : Object.is(v, -0) ? '-0' : String(v);

function renderCallOpts(opts: CallOpts): string {
  const parts = Object.entries(opts).map(([k, v]) => {
    if (k === 'status' || k === 'signal') return k;
    if (k === 'sizeCalculation') return `${k}: ${v}`;
    return `${k}: ${lit(v)}`;
  });
  return parts.length === 0 ? '' : `{ ${parts.join(', ')} }`;
}

function call(name: string, ...args: string[]): string {
  return `cache.${name}(${args.filter((a) => a !== '').join(', ')})`;
}

/** One op as a line of code. `status`/`signal` stand for a fresh object of that kind. */
export function renderOp(op: Op): string {
  switch (op.op) {
    case 'set':
      return call('set', lit(op.key), lit(op.value), renderCallOpts(op.opts));
    case 'get':
    case 'has':
    case 'peek':
    case 'fetch':
    case 'forceFetch':
    case 'memo':
      return call(op.op, lit(op.key), renderCallOpts(op.opts));
    case 'delete':
    case 'getRemainingTTL':
    case 'info':
      return call(op.op, lit(op.key));
    case 'pop':
    case 'clear':
    case 'purgeStale':
      return call(op.op);
    case 'forEach':
    case 'rforEach':
      return call(op.op, 'function (v, k, c) { visit(k, v, c === cache, this === cache) }');
    case 'findKey':
      return call('find', `(v, k) => k === ${lit(op.key)}`, renderCallOpts(op.opts));
    case 'findSize':
      return call('find', `(v) => sizeOf(v) === ${op.size}`, renderCallOpts(op.opts));
    case 'dumpLoad':
      return `compare(cache.dump()); fresh.load(dump)${op.swap ? '; cache = fresh' : ''}`;
    case 'advance':
      return `clock.now += ${op.ms}`;
    case 'settle':
      return `settlePending(${op.index}, '${op.outcome}') // loader call #(index mod pending)`;
    case 'abortUser':
      return `userAbortControllers[${op.index} % n].abort(new Error('user abort'))`;
    case 'setProp':
      return `cache.${op.name} = ${op.value}`;
    case 'fill':
      return `for (let i = ${op.from}; i < ${op.from + op.count}; i++) cache.set('k' + i, VALUES[i % 10])`;
  }
}

/** The options object as code; function-valued options are named after harness helpers. */
export function renderSpec(spec: Spec): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(spec)) {
    if (v === undefined) continue;
    if (k === 'sizeCalculation') parts.push(v ? 'sizeCalculation: sizeOf /* length folded to 1..5 */' : '');
    else if (k === 'dispose' || k === 'disposeAfter' || k === 'onInsert')
      parts.push(v ? `${k}: (v, k, r) => log.push(['${k}', k, v, r])` : '');
    else if (k === 'fetch') {
      const f = v as NonNullable<Spec['fetch']>;
      parts.push(
        f.mode === 'immediate'
          ? `fetchMethod: loader(/* call n does */ [${f.plan.map(lit).join(', ')}][(n - 1) % ${f.plan.length}]) /* value = key + n + '!'.repeat(n % 3) */`
          : 'fetchMethod: deferredLoader /* settled by settlePending */',
      );
    } else if (k === 'memo') {
      const m = v as readonly MemoOutcome[];
      parts.push(`memoMethod: memoizer([${m.map(lit).join(', ')}]) /* value = 'm' + key + n */`);
    } else parts.push(`${k}: ${lit(v)}`);
  }
  parts.push('ttlResolution: 0', 'perf: clock');
  return `{ ${parts.filter((p) => p !== '').join(', ')} }`;
}

/** A scenario as a small program, one numbered op per line. */
export function renderScenario(s: Scenario, startTime: number): string {
  const lines = [`clock.now = ${startTime}`, `cache = new Cache(${renderSpec(s.spec)})`];
  s.ops.forEach((op, i) => {
    lines.push(`/* ${String(i).padStart(2)} */ ${renderOp(op)}`);
  });
  return `\n${lines.join('\n')}\n`;
}
