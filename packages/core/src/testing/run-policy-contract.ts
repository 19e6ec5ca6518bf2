import { Cache } from '../cache/cache.js';
import type { CacheOptions, RemoveReason } from '../cache/cache-types.js';
import type { EvictionPolicy } from '../policies/eviction-policy.js';

/** Options of {@link runPolicyContract}. Every field has a default that suits a CI run. */
export interface PolicyContractOptions {
  /**
   * Seed of the pseudo-random operation sequences; the same seed replays the same sequences.
   * @defaultValue 0x5eed
   */
  seed?: number;
  /**
   * How many random operation sequences to run, each against a fresh cache and policy. They cycle
   * through five cache shapes: `max` only; `max` and `ttl`; `maxSize` and `ttl`; `maxSize` only (the
   * policy sees `maxEntries = 0` and is resized as the cache grows); `max` and `maxSize`.
   * @defaultValue 100
   */
  sequences?: number;
  /**
   * Random operations per sequence, before the closing drain and refill.
   * @defaultValue 200
   */
  operations?: number;
  /**
   * Operations of the churn run (unique keys, with reads, re-insertions of evicted keys and
   * deletes mixed in) that checks memory stays flat. 0 skips it.
   * @defaultValue 1_000_000
   */
  churnOperations?: number;
  /**
   * `max` of the churn run's cache.
   * @defaultValue 1024
   */
  churnMax?: number;
}

/** What {@link runPolicyContract} checked, returned when every property held. */
export interface PolicyContractReport {
  /** The policy's `name`. */
  policy: string;
  /** Random sequences run. */
  sequences: number;
  /** Cache operations performed over all sequences (shrinking replays not counted). */
  operations: number;
  /** Operations of the churn run. */
  churnOperations: number;
  /**
   * How flat memory was checked: through the policy's {@link PolicyDebugHooks} (`'debug-hooks'`),
   * through the heap after `globalThis.gc()` (`'heap'`, when Node runs with `--expose-gc`), both, or,
   * when neither is available, only through `slots()` and the entry count (`'slots-only'`).
   */
  memory: 'debug-hooks' | 'heap' | 'debug-hooks+heap' | 'slots-only' | 'skipped';
  /** `debugSize()` at the end of the churn run, when the policy has it. */
  debugSize?: number;
  /** `debugBytes()` at the end of the churn run, when the policy has it. */
  debugBytes?: number;
  /** Heap growth over the churn run after warm-up, in bytes, when `gc` is exposed. */
  heapGrowth?: number;
}

/**
 * Optional introspection a policy may offer so that the contract can check, without
 * `--expose-gc`, that its memory is bounded. Not part of {@link EvictionPolicy}; the contract
 * looks for these methods by name.
 */
export interface PolicyDebugHooks {
  /** Records the policy holds: live entries plus ghosts or retained history. */
  debugSize?(): number;
  /** Bytes held by the typed arrays the policy owns. */
  debugBytes?(): number;
}

/** A property of the policy contract that did not hold. */
export class PolicyContractError extends Error {
  /** The property, in words (`'the entry count never exceeds max'`). */
  readonly property: string;
  /** The operations that led to it, one per line as in the message; the last one broke it. */
  readonly operations: readonly string[];
  constructor(property: string, message: string, operations: readonly string[]) {
    super(message);
    this.name = 'PolicyContractError';
    this.property = property;
    this.operations = operations;
  }
}

/** Records per live entry or ghost a policy may hold in the churn run: a fixed multiple of `max`. */
const RECORDS_PER_SLOT = 4;
/** Typed-array bytes per slot a policy may hold in the churn run. */
const BYTES_PER_SLOT = 1024;
/** Heap growth tolerated over the churn run after warm-up (allocation noise, JIT code). */
const HEAP_SLACK = 4 * 1024 * 1024;
const START_TIME = 1_000;

/**
 * The eviction policy contract, framework-free: drives a real {@link Cache} with policies made by
 * `makePolicy` (a fresh instance per call) and throws a {@link PolicyContractError} naming the first
 * property that fails, with the (shrunk) operation sequence that led to it. Returns a report when all
 * hold. Synchronous; no timers (the clock is injected through `perf`).
 *
 * Properties, checked after every operation of many random sequences:
 *
 * - the entry count never exceeds `max` (and the total size never exceeds `maxSize`);
 * - `get` after `set` returns the value, unless the entry left and said so with a `remove` event
 *   (`'evict'`, `'expire'`, `'delete'`, `'set'`, `'clear'`) that matches the operation;
 * - every eviction fires `remove` with reason `'evict'` exactly once per evicted key, for a key that
 *   was in the cache with that value, and the key is then absent;
 * - `[...policy.slots()]` has exactly `cache.size` distinct slots;
 * - `delete` and expiry leave no trace: once every entry is deleted (or has expired and been purged),
 *   and after `clear()`, `victim()` returns -1 and `slots()` is empty, and the policy keeps working
 *   when the cache fills again.
 *
 * Then a churn run of {@link PolicyContractOptions.churnOperations} operations with unique keys
 * checks memory stays flat: `debugBytes()` must not grow after warm-up and `debugSize()` must stay
 * within a fixed multiple of `max` (when the policy has those {@link PolicyDebugHooks}), the heap must
 * not grow when `globalThis.gc` is exposed, and `slots()` must track the entry count throughout.
 *
 * @example
 * ```ts
 * import { runPolicyContract } from '@larder/core/testing';
 * test('my policy keeps the contract', () => {
 *   runPolicyContract(() => new MyPolicy());
 * });
 * ```
 */
export function runPolicyContract(
  makePolicy: () => EvictionPolicy,
  options: PolicyContractOptions = {},
): PolicyContractReport {
  const {
    seed = 0x5eed,
    sequences = 100,
    operations = 200,
    churnOperations = 1_000_000,
    churnMax = 1024,
  } = options;
  const first = makePolicy();
  const name = typeof first?.name === 'string' ? first.name : String(first);
  if (makePolicy() === first) {
    throw new PolicyContractError(
      'makePolicy returns a new instance per call',
      `Policy contract violated by ${quote(name)}: makePolicy returned the same instance twice; a policy instance belongs to one cache.`,
      [],
    );
  }
  const random = xorshift(seed);
  let performed = 0;
  for (let n = 0; n < sequences; n++) {
    const setup = setupFor(n, random);
    const ops = generate(random, setup, operations);
    performed += ops.length;
    const failure = execute(makePolicy, setup, ops);
    if (failure === undefined) continue;
    const shrunk = shrink(makePolicy, setup, ops.slice(0, failure.at + 1), failure);
    const lines = shrunk.ops.map(formatOp);
    throw new PolicyContractError(
      shrunk.failure.property,
      [
        `Policy contract violated by ${quote(name)}: ${shrunk.failure.property}.`,
        `  ${shrunk.failure.detail}`,
        `  cache: ${formatSetup(setup)} (seed ${seed}, sequence ${n})`,
        `  operations (${shrunk.ops.length}, shrunk from ${failure.at + 1}; the last one broke it):`,
        ...lines.map((line, i) => `    ${String(i + 1).padStart(3)}. ${line}`),
      ].join('\n'),
      lines,
    );
  }
  const report: PolicyContractReport = {
    policy: name,
    sequences,
    operations: performed,
    churnOperations,
    memory: 'skipped',
  };
  if (churnOperations > 0) churn(makePolicy, name, churnOperations, churnMax, report);
  return report;
}

// ------------------------------------------------------------------------------------------ model

interface Setup {
  /** `max` (0: none). */
  max: number;
  /** `maxSize` (0: none). */
  maxSize: number;
  /** The cache's default `ttl` (0: none). When set, every entry expires. */
  ttl: number;
}

type Op =
  | { kind: 'set'; key: number; value: number; size: number; ttl: number }
  | { kind: 'get'; key: number }
  | { kind: 'has'; key: number }
  | { kind: 'delete'; key: number }
  | { kind: 'pop' }
  | { kind: 'advance'; ms: number }
  | { kind: 'purgeStale' }
  | { kind: 'clear' }
  | { kind: 'drain' };

interface Failure {
  /** Index of the operation after which the property failed. */
  at: number;
  property: string;
  detail: string;
}

interface Modelled {
  value: number;
  start: number;
  ttl: number;
}

const P_MAX = 'the entry count never exceeds max';
const P_MAX_SIZE = 'the total size never exceeds maxSize';
const P_GET = 'a get after set returns the value unless the entry left with a remove event';
const P_EVICT = 'every eviction fires remove with reason evict, once, for a live key, which is then absent';
const P_EVENTS = 'remove events match the operation and the entries';
const P_SLOTS = 'slots() yields exactly cache.size distinct slots';
const P_EMPTY = 'delete, expiry and clear leave no trace: victim() is -1 and slots() is empty';
const P_THROW = 'no operation throws';
const P_HAS = 'has agrees with the entries';
const P_MEMORY = 'memory stays flat under key churn';

function setupFor(n: number, random: () => number): Setup {
  switch (n % 5) {
    case 0:
      return { max: 1 + Math.floor(random() * 12), maxSize: 0, ttl: 0 };
    case 1:
      return { max: 1 + Math.floor(random() * 12), maxSize: 0, ttl: 50 + Math.floor(random() * 100) };
    case 2:
      return { max: 0, maxSize: 16 + Math.floor(random() * 48), ttl: 50 + Math.floor(random() * 100) };
    case 3:
      return { max: 0, maxSize: 16 + Math.floor(random() * 48), ttl: 0 };
    default:
      return { max: 2 + Math.floor(random() * 8), maxSize: 8 + Math.floor(random() * 24), ttl: 0 };
  }
}

function generate(random: () => number, setup: Setup, count: number): Op[] {
  const limit = setup.max || setup.maxSize;
  const universe = limit * 3 + 2;
  const hot = Math.max(2, Math.floor(universe / 5));
  const key = (): number => Math.floor(random() * (random() < 0.5 ? hot : universe));
  const size = (): number => {
    if (setup.maxSize === 0) return 0;
    const cap = Math.max(1, Math.floor(setup.maxSize / 3));
    return random() < 0.6 ? 1 : 1 + Math.floor(random() * cap);
  };
  const ops: Op[] = [];
  let value = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.4) {
      const ttl = setup.ttl !== 0 && random() < 0.3 ? 1 + Math.floor(random() * setup.ttl) : 0;
      ops.push({ kind: 'set', key: key(), value: ++value, size: size(), ttl });
    } else if (r < 0.7) ops.push({ kind: 'get', key: key() });
    else if (r < 0.76) ops.push({ kind: 'has', key: key() });
    else if (r < 0.85) ops.push({ kind: 'delete', key: key() });
    else if (r < 0.88) ops.push({ kind: 'pop' });
    else if (r < 0.94) {
      if (setup.ttl !== 0) ops.push({ kind: 'advance', ms: 1 + Math.floor(random() * 40) });
      else ops.push({ kind: 'get', key: key() });
    } else if (r < 0.97) ops.push({ kind: 'purgeStale' });
    else if (r < 0.98) ops.push({ kind: 'clear' });
    else ops.push({ kind: 'drain' });
  }
  // close: empty the cache, fill it past its limit again (the policy must work after being emptied),
  // and empty it once more
  ops.push({ kind: 'drain' });
  for (let i = 0; i < limit * 2 + 3; i++) {
    ops.push({ kind: 'set', key: i, value: ++value, size: size(), ttl: 0 });
    if (i % 3 === 1) ops.push({ kind: 'get', key: i - 1 });
  }
  ops.push({ kind: 'drain' });
  return ops;
}

function execute(makePolicy: () => EvictionPolicy, setup: Setup, ops: readonly Op[]): Failure | undefined {
  let now = START_TIME;
  const policy = makePolicy();
  const cache = new Cache<number, number>({
    ...(setup.max !== 0 ? { max: setup.max } : {}),
    // every set passes its size; the calculation is only there because maxSize requires one
    ...(setup.maxSize !== 0 ? { maxSize: setup.maxSize, sizeCalculation: () => 1 } : {}),
    ...(setup.ttl !== 0 ? { ttl: setup.ttl } : {}),
    ttlResolution: 0,
    perf: { now: () => now },
    policy,
  } as CacheOptions<number, number, unknown>);
  const events: [key: number, value: number, reason: RemoveReason][] = [];
  cache.on('remove', (key: number, value: number, reason: RemoveReason) => {
    events.push([key, value, reason]);
  });
  const model = new Map<number, Modelled>();
  const isStale = (m: Modelled): boolean => m.ttl !== 0 && now - m.start > m.ttl;
  let at = 0;
  const fail = (property: string, detail: string): Failure => ({ at, property, detail });

  /** Apply the events of one operation to the model; `expected` lists the reasons it may fire. */
  const settle = (
    expected: readonly RemoveReason[],
    forKey?: number,
    added?: Modelled,
  ): Failure | undefined => {
    const seen = new Set<number>();
    for (const [key, value, reason] of events) {
      if (seen.has(key)) return fail(P_EVICT, `key ${key} was removed twice by one operation (${reason})`);
      seen.add(key);
      if (!expected.includes(reason)) {
        return fail(P_EVENTS, `unexpected remove event (${key}, ${value}, '${reason}')`);
      }
      if (forKey !== undefined && reason !== 'evict' && key !== forKey) {
        return fail(
          P_EVENTS,
          `remove event (${key}, ${value}, '${reason}') for a key the operation did not name`,
        );
      }
      const entry = model.get(key);
      if (added !== undefined && key === forKey && value === added.value && reason === 'evict') {
        // the entry just set was evicted at once: legal, it said so
        added = undefined;
        continue;
      }
      if (entry === undefined || entry.value !== value) {
        return fail(
          reason === 'evict' ? P_EVICT : P_EVENTS,
          `remove event (${key}, ${value}, '${reason}') for an entry that is not in the cache${entry === undefined ? '' : ` (it holds ${entry.value})`}`,
        );
      }
      model.delete(key);
    }
    if (added !== undefined && forKey !== undefined) model.set(forKey, added);
    for (const [key, , reason] of events) {
      if (reason === 'evict' && cache.has(key) && !(added !== undefined && key === forKey)) {
        return fail(P_EVICT, `key ${key} was evicted but the cache still has it`);
      }
    }
    return undefined;
  };

  const invariants = (): Failure | undefined => {
    if (setup.max !== 0 && cache.size > setup.max) {
      return fail(P_MAX, `cache.size is ${cache.size}, max is ${setup.max}`);
    }
    if (setup.maxSize !== 0 && cache.calculatedSize > setup.maxSize) {
      return fail(P_MAX_SIZE, `calculatedSize is ${cache.calculatedSize}, maxSize is ${setup.maxSize}`);
    }
    if (cache.size !== model.size) {
      return fail(
        P_EVICT,
        `the cache holds ${cache.size} entries but the remove events account for ${model.size} (an entry left without an event, or an event without an entry leaving)`,
      );
    }
    return checkSlots(policy, cache.size, fail);
  };

  const checkEmpty = (how: string): Failure | undefined => {
    if (cache.size !== 0) return fail(P_EMPTY, `after ${how}, cache.size is ${cache.size}`);
    const slots = [...policy.slots()];
    if (slots.length !== 0) return fail(P_EMPTY, `after ${how}, slots() yields [${slots.join(', ')}]`);
    const victim = policy.victim();
    if (victim !== -1) return fail(P_EMPTY, `after ${how}, victim() returns ${victim}`);
    return undefined;
  };

  for (; at < ops.length; at++) {
    const op = ops[at]!;
    events.length = 0;
    let failure: Failure | undefined;
    try {
      switch (op.kind) {
        case 'set': {
          const added: Modelled = { value: op.value, start: now, ttl: op.ttl || setup.ttl };
          cache.set(op.key, op.value, {
            ...(op.size !== 0 ? { size: op.size } : {}),
            ...(op.ttl !== 0 ? { ttl: op.ttl } : {}),
          });
          failure = settle(['set', 'evict'], op.key, added);
          break;
        }
        case 'get': {
          const got = cache.get(op.key);
          failure = settle(['expire'], op.key);
          if (failure) break;
          const entry = model.get(op.key);
          if (entry !== undefined && isStale(entry)) {
            failure = fail(P_GET, `get(${op.key}) left an expired entry in place without an 'expire' event`);
          } else if (got !== entry?.value) {
            failure = fail(P_GET, `get(${op.key}) returned ${got}, expected ${entry?.value}`);
          }
          break;
        }
        case 'has': {
          const has = cache.has(op.key);
          failure = settle([], op.key);
          if (failure) break;
          const entry = model.get(op.key);
          const expected = entry !== undefined && !isStale(entry);
          if (has !== expected) failure = fail(P_HAS, `has(${op.key}) returned ${has}, expected ${expected}`);
          break;
        }
        case 'delete': {
          const had = model.has(op.key);
          const deleted = cache.delete(op.key);
          failure = settle(['delete'], op.key);
          if (failure) break;
          if (deleted !== had)
            failure = fail(P_EVENTS, `delete(${op.key}) returned ${deleted}, expected ${had}`);
          else if (had && events.length !== 1) {
            failure = fail(P_EVENTS, `delete(${op.key}) fired ${events.length} remove events, expected 1`);
          }
          break;
        }
        case 'pop': {
          const before = model.size;
          const popped = cache.pop();
          failure = settle(['evict']);
          if (failure) break;
          if (before === 0 && popped !== undefined)
            failure = fail(P_EVICT, `pop() on an empty cache returned ${popped}`);
          else if (before !== 0 && (events.length !== 1 || events[0]![1] !== popped)) {
            failure = fail(P_EVICT, `pop() returned ${popped} and fired ${events.length} 'evict' events`);
          }
          break;
        }
        case 'advance':
          now += op.ms;
          break;
        case 'purgeStale': {
          cache.purgeStale();
          failure = settle(['expire']);
          if (failure) break;
          for (const [key, entry] of model) {
            if (!isStale(entry)) continue;
            failure =
              cache.peek(key, { allowStale: true }) === undefined
                ? fail(P_EVENTS, `purgeStale() removed the expired entry ${key} without an 'expire' event`)
                : fail(P_EVENTS, `purgeStale() left the expired entry ${key}`);
            break;
          }
          break;
        }
        case 'clear': {
          const before = model.size;
          cache.clear();
          failure = settle(['clear']);
          if (failure) break;
          if (model.size !== 0)
            failure = fail(P_EVENTS, `clear() fired ${events.length} events for ${before} entries`);
          else failure = checkEmpty('clear()');
          break;
        }
        case 'drain': {
          if (setup.ttl !== 0) {
            // every entry has a TTL of at most setup.ttl: all of them expire
            now += setup.ttl + 1;
            cache.purgeStale();
            failure = settle(['expire']);
            if (!failure) failure = checkEmpty('every entry expired and purgeStale()');
          } else {
            for (const key of [...model.keys()]) {
              events.length = 0;
              cache.delete(key);
              failure = settle(['delete'], key);
              if (failure) break;
            }
            if (!failure) failure = checkEmpty('deleting every entry');
          }
          break;
        }
      }
      failure ??= invariants();
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failure = fail(P_THROW, `${formatOp(op)} threw ${text.split('\n').slice(0, 6).join('\n    ')}`);
    }
    if (failure) return failure;
  }
  return undefined;
}

function checkSlots(
  policy: EvictionPolicy,
  size: number,
  fail: (property: string, detail: string) => Failure,
): Failure | undefined {
  const slots = [...policy.slots()];
  if (slots.length !== size) {
    return fail(P_SLOTS, `slots() yields ${slots.length} slots [${slots.join(', ')}], cache.size is ${size}`);
  }
  const distinct = new Set<number>();
  for (const slot of slots) {
    if (!Number.isInteger(slot) || slot < 0) return fail(P_SLOTS, `slots() yields ${slot}, not a slot index`);
    if (distinct.has(slot)) return fail(P_SLOTS, `slots() yields slot ${slot} twice: [${slots.join(', ')}]`);
    distinct.add(slot);
  }
  return undefined;
}

/** Remove chunks of operations while the same property still fails (a small delta debugging). */
function shrink(
  makePolicy: () => EvictionPolicy,
  setup: Setup,
  ops: Op[],
  failure: Failure,
): { ops: Op[]; failure: Failure } {
  let best = { ops, failure };
  let budget = 3000;
  for (let chunk = Math.max(1, best.ops.length >> 1); chunk >= 1 && budget > 0; chunk >>= 1) {
    let start = best.ops.length - chunk;
    while (start >= 0 && budget > 0) {
      budget--;
      const candidate = [...best.ops.slice(0, start), ...best.ops.slice(start + chunk)];
      const again = candidate.length === 0 ? undefined : execute(makePolicy, setup, candidate);
      if (again !== undefined && again.property === failure.property) {
        best = { ops: candidate.slice(0, again.at + 1), failure: again };
        start = Math.min(start, best.ops.length) - chunk;
      } else {
        start -= chunk;
      }
    }
  }
  return best;
}

// ------------------------------------------------------------------------------------------ churn

function churn(
  makePolicy: () => EvictionPolicy,
  name: string,
  count: number,
  max: number,
  report: PolicyContractReport,
): void {
  const policy = makePolicy();
  const cache = new Cache<number, number>({ max, policy });
  let evictions = 0;
  cache.on('remove', (_key: number, _value: number, reason: RemoveReason) => {
    if (reason === 'evict') evictions++;
  });
  const hooks = policy as EvictionPolicy & PolicyDebugHooks;
  const hasSize = typeof hooks.debugSize === 'function';
  const hasBytes = typeof hooks.debugBytes === 'function';
  const gc = (globalThis as { gc?: () => void }).gc;
  const warmAt = Math.min(count - 1, Math.max(max * 8, Math.floor(count / 10)));
  let bytesAtWarm = 0;
  let heapAtWarm = 0;
  const violated = (detail: string, i: number): PolicyContractError =>
    new PolicyContractError(
      P_MEMORY,
      [
        `Policy contract violated by ${quote(name)}: ${P_MEMORY}.`,
        `  ${detail}`,
        `  cache: { max: ${max} }, after ${i + 1} of ${count} churn operations (set(i) of unique keys; every 3rd i get(i - 1 - i % 7), every 5th set(i - max - i % 13), every 11th delete(i - 2))`,
      ].join('\n'),
      [],
    );
  const fail =
    (i: number) =>
    (_property: string, detail: string): Failure => {
      throw violated(detail, i);
    };
  for (let i = 0; i < count; i++) {
    cache.set(i, i);
    if (i % 3 === 0) cache.get(i - 1 - (i % 7));
    if (i % 5 === 0) cache.set(i - max - (i % 13), i);
    if (i % 11 === 0) cache.delete(i - 2);
    if (cache.size > max) throw violated(`cache.size is ${cache.size}, max is ${max}`, i);
    if ((i & 0xffff) === 0 || i === count - 1) checkSlots(policy, cache.size, fail(i));
    if (i === warmAt) {
      if (hasBytes) bytesAtWarm = hooks.debugBytes!();
      if (gc) {
        gc();
        heapAtWarm = process.memoryUsage().heapUsed;
      }
    }
  }
  if (count > max && evictions === 0) throw violated('no entry was ever evicted', count - 1);
  const methods: string[] = [];
  if (hasSize) {
    const size = hooks.debugSize!();
    report.debugSize = size;
    const bound = RECORDS_PER_SLOT * max + 16;
    if (size > bound) {
      throw violated(
        `debugSize() is ${size} records, more than ${RECORDS_PER_SLOT} x max (${bound})`,
        count - 1,
      );
    }
  }
  if (hasBytes) {
    const bytes = hooks.debugBytes!();
    report.debugBytes = bytes;
    if (bytes > bytesAtWarm) {
      throw violated(`debugBytes() grew from ${bytesAtWarm} after warm-up to ${bytes}`, count - 1);
    }
    if (bytes > BYTES_PER_SLOT * max) {
      throw violated(`debugBytes() is ${bytes}, more than ${BYTES_PER_SLOT} bytes per slot`, count - 1);
    }
  }
  if (hasSize || hasBytes) methods.push('debug-hooks');
  if (gc) {
    gc();
    const growth = process.memoryUsage().heapUsed - heapAtWarm;
    report.heapGrowth = growth;
    if (growth > HEAP_SLACK) {
      throw violated(`the heap grew by ${growth} bytes after warm-up (tolerance ${HEAP_SLACK})`, count - 1);
    }
    methods.push('heap');
  }
  report.memory = methods.length === 0 ? 'slots-only' : (methods.join('+') as PolicyContractReport['memory']);
}

// ------------------------------------------------------------------------------------------ helpers

/** xorshift32: a tiny seeded generator of numbers in [0, 1). */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function quote(name: string): string {
  return `'${name}'`;
}

function formatSetup(setup: Setup): string {
  const parts: string[] = [];
  if (setup.max !== 0) parts.push(`max: ${setup.max}`);
  if (setup.maxSize !== 0) parts.push(`maxSize: ${setup.maxSize}`);
  if (setup.ttl !== 0) parts.push(`ttl: ${setup.ttl}`);
  return `{ ${parts.join(', ')} }`;
}

function formatOp(op: Op): string {
  switch (op.kind) {
    case 'set': {
      const opts: string[] = [];
      if (op.size !== 0) opts.push(`size: ${op.size}`);
      if (op.ttl !== 0) opts.push(`ttl: ${op.ttl}`);
      return `set(${op.key}, ${op.value}${opts.length ? `, { ${opts.join(', ')} }` : ''})`;
    }
    case 'get':
    case 'has':
    case 'delete':
      return `${op.kind}(${op.key})`;
    case 'advance':
      return `clock += ${op.ms} ms`;
    case 'drain':
      return 'drain: delete every entry (or, with ttl, let all expire and purgeStale())';
    default:
      return `${op.kind}()`;
  }
}
