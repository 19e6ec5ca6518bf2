// Core benchmark: `@larder/core` Cache against lru-cache (the reference), mnemonist, quick-lru and
// tiny-lru. Run it as `npm run bench -- core [options]` or `node bench/run.mjs core [options]`.
//
// Speed: one worker thread per (max, key type) group, run one after the other; inside a group the
// implementations take turns round by round (rotating order) and each cell is the median ops/s
// over the rounds. Memory: one child process per (implementation, key type).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { OPS, SET_SHARE, ZIPF_S } from './lib/core-workload.mjs';
import {
  formatDuration,
  formatInt,
  formatPercent,
  formatRate,
  formatRatio,
  markdownTable,
  median,
} from './lib/format.mjs';
import { implIds, implLabel, POLICIES, REFERENCE } from './lib/impls.mjs';

const HELP = `usage: node bench/run.mjs core [options]

  --quick             smoke test: 1 round, 20 ms per measurement, memory at 100,000 entries
  --max N[,N...]      cache sizes to run (default 10000,1000000)
  --policies LIST     also run Larder with these policies: 'all' or a comma list of
                      ${POLICIES.join(', ')}
  --rounds N          rounds per size (default 5 up to 100,000 entries, 3 above)
  --isolate           run each implementation in a worker of its own (use with --policies: in one
                      isolate, twelve policy classes make Cache's policy call sites megamorphic)
  --out FILE          also write the markdown report to FILE
  --help              this text`;

const SEED = 0x1a2de5;
const KEY_TYPES = /** @type {const} */ (['string', 'number']);

const options = parseOptions(process.argv.slice(2));
if (options !== undefined) await main(options);

/**
 * @typedef {{ quick: boolean, sizes: number[], policies: string[], rounds?: number, out?: string, isolate?: boolean }} Options
 * @typedef {{ rates: number[], hits: number, gets: number }} OpRounds
 * @typedef {{ error?: string, ops: Record<string, OpRounds>, maxSizeAfterEvict: number }} ImplResult
 * @typedef {{ max: number, keyType: string, impls: Record<string, ImplResult> }} GroupResult
 * @typedef {{ heapBytes?: number, bufferBytes?: number, error?: string }} MemoryResult
 */

/**
 * @param {string[]} argv
 * @returns {Options | undefined}
 */
function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        max: { type: 'string' },
        policies: { type: 'string' },
        rounds: { type: 'string' },
        isolate: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return fail(/** @type {Error} */ (error).message);
  }
  if (values.help) {
    console.log(HELP);
    return undefined;
  }
  const sizes = (values.max ?? '10000,1000000').split(',').map((s) => Number(s.trim().replaceAll('_', '')));
  if (sizes.some((n) => !Number.isInteger(n) || n < 16)) {
    return fail(`--max takes integers of at least 16, separated by commas; got '${values.max}'`);
  }
  let policies = [];
  if (values.policies !== undefined) {
    policies = values.policies === 'all' ? [...POLICIES] : values.policies.split(',').map((p) => p.trim());
    const unknown = policies.filter((p) => !POLICIES.includes(p));
    if (unknown.length > 0) {
      return fail(`unknown policy ${unknown.join(', ')}; known: all, ${POLICIES.join(', ')}`);
    }
  }
  let rounds;
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) return fail(`--rounds takes a positive integer`);
  }
  return { quick: values.quick, sizes, policies, rounds, out: values.out, isolate: values.isolate };
}

/**
 * @param {string} message
 * @returns {undefined}
 */
function fail(message) {
  console.error(`core: ${message}\n\n${HELP}`);
  process.exitCode = 1;
  return undefined;
}

/** @param {Options} options */
async function main(options) {
  const started = performance.now();
  const loadAtStart = loadavg()[0];
  const ids = implIds(options.policies);
  const measureMs = options.quick ? 20 : 150;
  const warmMs = options.quick ? 20 : 50;
  const memoryEntries = options.quick ? 100_000 : 1_000_000;
  const roundsFor = (/** @type {number} */ max) =>
    options.rounds ?? (options.quick ? 1 : max <= 100_000 ? 5 : 3);

  /** @type {GroupResult[]} */
  const groups = [];
  for (const max of options.sizes) {
    for (const keyType of KEY_TYPES) {
      groups.push(
        await runGroup({
          max,
          keyType,
          ids,
          rounds: roundsFor(max),
          measureMs,
          warmMs,
          isolate: options.isolate,
        }),
      );
    }
  }

  /** @type {Record<string, Record<string, MemoryResult>>} */
  const memory = {};
  for (const keyType of KEY_TYPES) {
    memory[keyType] = {};
    for (const id of ids) {
      memory[keyType][id] = measureMemory(id, keyType, memoryEntries);
      log(`memory: ${implLabel(id)}, ${keyType} keys done`);
    }
  }

  const report = render({
    options,
    ids,
    groups,
    memory,
    memoryEntries,
    measureMs,
    warmMs,
    roundsFor,
    elapsedMs: performance.now() - started,
    load: [loadAtStart, loadavg()[0]],
  });
  console.log(report);
  if (options.out !== undefined) {
    writeFileSync(options.out, `${report}\n`);
    log(`wrote ${options.out}`);
  }
}

/**
 * Runs the rounds of one (max, key type) group, each in a fresh worker, rotating the order of the
 * implementations from one round to the next, and collects every round's figures.
 * @param {{ max: number, keyType: 'string' | 'number', ids: string[], rounds: number,
 *   measureMs: number, warmMs: number, isolate?: boolean }} group
 * @returns {Promise<GroupResult>}
 */
async function runGroup({ max, keyType, ids, rounds, measureMs, warmMs, isolate }) {
  const label = `max=${formatInt(max)}, ${keyType} keys`;
  const started = performance.now();
  /** @type {Record<string, ImplResult>} */
  const impls = {};
  for (const id of ids) {
    impls[id] = { ops: {}, maxSizeAfterEvict: 0 };
    for (const op of OPS) impls[id].ops[op] = { rates: [], hits: 0, gets: 0 };
  }
  for (let round = 0; round < rounds; round++) {
    const order = ids.map((_, i) => ids[(i + round) % ids.length]);
    // --isolate: one worker per implementation, so that no call site inside Cache sees more than one
    // policy class (in one isolate, twelve policies make Cache's policy calls megamorphic for all)
    const results = isolate
      ? Object.assign(
          {},
          ...(await sequential(
            order.map((id) => () => runRound({ max, keyType, order: [id], measureMs, warmMs, seed: SEED })),
          )),
        )
      : await runRound({ max, keyType, order, measureMs, warmMs, seed: SEED });
    for (const [id, result] of Object.entries(results)) {
      const impl = impls[id];
      if (result.error !== undefined) impl.error ??= result.error;
      impl.maxSizeAfterEvict = Math.max(impl.maxSizeAfterEvict, result.sizeAfterEvict);
      for (const [op, m] of Object.entries(result.ops)) {
        impl.ops[op].rates.push(m.rate);
        impl.ops[op].hits += m.hits;
        impl.ops[op].gets += m.gets;
      }
    }
    log(`${label}: round ${round + 1}/${rounds} done (${formatDuration(performance.now() - started)})`);
  }
  return { max, keyType, impls };
}

/**
 * @param {import('./lib/core-worker.mjs').RoundInput} workerData
 * @returns {Promise<Record<string, import('./lib/core-worker.mjs').ImplResult>>}
 */
function runRound(workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./lib/core-worker.mjs', import.meta.url), { workerData });
    /** @type {Record<string, import('./lib/core-worker.mjs').ImplResult> | undefined} */
    let results;
    worker.on('message', (message) => {
      results = message;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (results !== undefined) resolve(results);
      else reject(new Error(`benchmark worker exited with code ${code} before reporting`));
    });
  });
}

/**
 * @param {string} id
 * @param {string} keyType
 * @param {number} entries
 * @returns {MemoryResult}
 */
function measureMemory(id, keyType, entries) {
  const file = fileURLToPath(new URL('./lib/core-memory.mjs', import.meta.url));
  const child = spawnSync(process.execPath, ['--expose-gc', file, id, keyType, String(entries)], {
    encoding: 'utf8',
  });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(lastLine);
  } catch {
    const why = child.stderr.trim().split('\n').pop() || `exit code ${child.status}`;
    return { error: `memory child failed: ${why}` };
  }
}

/** @param {string} text */
function log(text) {
  process.stderr.write(`[core] ${text}\n`);
}

/**
 * @param {{ options: Options, ids: string[], groups: GroupResult[],
 *   memory: Record<string, Record<string, MemoryResult>>, memoryEntries: number, measureMs: number, warmMs: number,
 *   roundsFor: (max: number) => number, elapsedMs: number, load: number[] }} run
 * @returns {string}
 */
function render(run) {
  const { options, ids, groups, memory, memoryEntries } = run;
  const labels = ids.map(implLabel);
  const cpu = cpus();
  const args = process.argv.slice(2);
  const out = [];

  out.push('# Larder core benchmark', '');
  out.push(`- node ${process.version} (V8 ${process.versions.v8}), ${process.platform} ${process.arch}`);
  out.push(`- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores`);
  out.push(`- command: \`node bench/run.mjs core${args.length > 0 ? ` ${args.join(' ')}` : ''}\``);
  const roundList = options.sizes.map((max) => `${run.roundsFor(max)} at max=${formatInt(max)}`).join(', ');
  out.push(
    `- rounds: ${roundList}; a measurement runs for at least ${run.measureMs} ms of CPU time; a cell is the median over the rounds of ops per CPU second (process user + system time, so time slices taken by other processes on a shared machine are not counted)`,
  );
  out.push(`- ratio: implementation / ${REFERENCE} in the same run (above 1.00x is faster)`);
  out.push(
    `- run time: ${formatDuration(run.elapsedMs)}; 1-minute load average at start / end: ${run.load.map((l) => l.toFixed(1)).join(' / ')}`,
    '',
  );

  /** @type {Map<string, Set<string>>} */
  const unavailable = new Map();
  const note = (/** @type {string} */ id, /** @type {string} */ text) => {
    const set = unavailable.get(id) ?? new Set();
    set.add(text);
    unavailable.set(id, set);
  };

  for (const group of groups) {
    out.push(`## max = ${formatInt(group.max)}, ${group.keyType} keys`, '');
    const ref = group.impls[REFERENCE];
    const refRates = Object.fromEntries(OPS.map((op) => [op, median(ref?.ops[op]?.rates ?? [])]));
    const rows = OPS.map((op) => [
      op,
      ...ids.map((id) => {
        const impl = group.impls[id];
        if (impl === undefined || impl.error !== undefined) return 'n/a';
        const rate = median(impl.ops[op].rates);
        if (!Number.isFinite(rate)) return 'n/a';
        if (id === REFERENCE || !Number.isFinite(refRates[op])) return formatRate(rate);
        return `${formatRate(rate)} (${formatRatio(rate, refRates[op])})`;
      }),
    ]);
    out.push(markdownTable(['operation', ...labels], rows), '');

    const notes = [];
    const zipf = [];
    /** @type {{ spread: number, where: string }[]} */
    const spreads = [];
    for (const id of ids) {
      const impl = group.impls[id];
      if (impl === undefined) continue;
      if (impl.error !== undefined) {
        note(id, impl.error);
        continue;
      }
      const hit = impl.ops['get hit'];
      if (hit.gets > 0 && hit.hits < hit.gets) {
        notes.push(`${implLabel(id)}: only ${formatPercent(hit.hits / hit.gets)} of 'get hit' lookups hit`);
      }
      const miss = impl.ops['get miss'];
      if (miss.hits > 0) {
        notes.push(`${implLabel(id)}: ${formatPercent(miss.hits / miss.gets)} of 'get miss' lookups hit`);
      }
      const bound = id === 'quick-lru' ? 2 * group.max : group.max;
      if (impl.maxSizeAfterEvict > bound) {
        notes.push(`${implLabel(id)}: held ${formatInt(impl.maxSizeAfterEvict)} entries after 'set (evict)'`);
      }
      const mix = impl.ops['zipf 90/10'];
      if (mix.gets > 0) zipf.push(`${implLabel(id)} ${formatPercent(mix.hits / mix.gets)}`);
      for (const op of OPS) {
        const rates = impl.ops[op].rates;
        if (rates.length < 2) continue;
        const spread = (Math.max(...rates) - Math.min(...rates)) / median(rates);
        spreads.push({ spread, where: `${implLabel(id)}, ${op}` });
      }
    }
    if (zipf.length > 0) notes.push(`zipf 90/10 get hit ratio: ${zipf.join(', ')}`);
    if (spreads.length > 0) {
      const worst = spreads.reduce((a, b) => (b.spread > a.spread ? b : a));
      const typical = median(spreads.map((s) => s.spread));
      notes.push(
        `round-to-round spread (max - min) / median: ${formatPercent(typical)} typical, ${formatPercent(worst.spread)} worst (${worst.where})`,
      );
    }
    if (notes.length > 0) out.push(...notes.map((n) => `- ${n}`), '');
  }

  out.push(`## Heap per entry at ${formatInt(memoryEntries)} entries`, '');
  const refMemory = Object.fromEntries(KEY_TYPES.map((k) => [k, total(memory[k]?.[REFERENCE])]));
  const memoryRows = ids.map((id) => {
    const cells = KEY_TYPES.map((keyType) => {
      const m = memory[keyType]?.[id];
      if (m === undefined || m.error !== undefined) {
        if (m?.error !== undefined) note(id, m.error);
        return 'n/a';
      }
      const bytes = total(m);
      const text = `${bytes.toFixed(1)} B`;
      return id === REFERENCE ? text : `${text} (${formatRatio(bytes, refMemory[keyType])})`;
    });
    const buffers = KEY_TYPES.map((keyType) => memory[keyType]?.[id]?.bufferBytes);
    const bufferCell = buffers.every((b) => b !== undefined)
      ? buffers.map((b) => `${b.toFixed(1)} B`).join(' / ')
      : 'n/a';
    return [implLabel(id), ...cells, bufferCell];
  });
  out.push(
    markdownTable(['implementation', 'string keys', 'number keys', 'of which ArrayBuffers'], memoryRows),
    '',
  );
  out.push(
    `Counted, per entry: growth of V8 heapUsed plus ArrayBuffer backing stores (typed arrays live outside the JS heap) between a forced GC before the cache is constructed and a forced GC after ${formatInt(memoryEntries)} sets, with max = ${formatInt(memoryEntries)}, each implementation in a child process of its own. That covers the cache object, its preallocated arrays, its Map or object tables and any per-entry objects. Not counted: the key strings ('k' + n, built and interned before the first reading) and the values (every entry holds one shared object).`,
    '',
  );

  if (unavailable.size > 0) {
    out.push('## Not measured', '');
    for (const [id, reasons] of unavailable) out.push(`- ${implLabel(id)}: ${[...reasons].join('; ')}`);
    out.push('');
  }

  out.push('## Workloads', '');
  out.push(
    `- get hit: \`get\` of uniformly random keys, all present (the cache was just filled with max keys).`,
    `- get miss: \`get\` of uniformly random keys that are absent.`,
    `- set (no eviction): \`set\` of uniformly random present keys, replacing their values.`,
    `- set (evict): \`set\` of keys not in the full cache, so every set evicts one entry. Its warm-up also runs at least nextPow2(max) - max + max/8 evicting sets (capped at 2 s), past the one-time growth of a just-filled Map or dictionary, so the figure is the steady state.`,
    `- zipf 90/10: Zipf(s=${ZIPF_S}) over ${2}x max keys, ${100 - SET_SHARE * 100}% get / ${SET_SHARE * 100}% set (a miss does not trigger a set). It runs on the same cache as the other rows, after the three that keep its key set and before set (evict), so it starts holding the max most popular keys.`,
    `- Keys and sequences are precomputed arrays ('k' + n strings, or the integer n); values are small integers. Each round of each (max, key type) group runs in a fresh worker thread (clean JIT state, one cache per implementation); inside it each implementation has its own copy of the timed loops (monomorphic call sites), runs each operation for ${run.warmMs} ms of warm-up right before measuring it, and only one cache is alive at a time.`,
    `- quick-lru keeps two generations of up to maxSize entries each, so it may hold up to 2x max entries; the others hold at most max. It drops its older generation (a whole Map) every max inserts: at max=10,000 the set (evict) measurement spans many of those, at max=1,000,000 none, so its figure there leaves that cost out.`,
    `- mnemonist and tiny-lru index entries with a plain object. With integer keys, V8 stores them as the object's elements; once a full cache of dense integer keys starts evicting, each delete + insert switches that store between dictionary and flat-array form and copies it (\`node --trace-elements-transitions\` shows DICTIONARY_ELEMENTS -> HOLEY_ELEMENTS on every set), so a set costs O(max): a few ops/s at max=1,000,000 in set (evict) and in the Zipf mix, which starts from such a cache.`,
  );
  return out.join('\n');
}

/** @param {MemoryResult | undefined} m */
function total(m) {
  return (m?.heapBytes ?? Number.NaN) + (m?.bufferBytes ?? Number.NaN);
}

/**
 * Run async thunks one after another.
 * @template T
 * @param {(() => Promise<T>)[]} thunks
 * @returns {Promise<T[]>}
 */
async function sequential(thunks) {
  const out = [];
  for (const thunk of thunks) out.push(await thunk());
  return out;
}
