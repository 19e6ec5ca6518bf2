import { join } from 'node:path';
import type { CacheFactory } from './cache-factory.js';
import type { GridTrace } from './grid-traces.js';
import { GRID_TRACES } from './grid-traces.js';
import type { PolicyName } from './policy-name.js';
import { simulate } from './simulate.js';
import type { SimulationResult } from './simulation-result.js';
import { readTrace } from './traces/read-trace.js';

/** Options for {@link runGrid}. */
export interface RunGridOptions {
  /** The folder holding `lirs/`, `cache2k/` and `corda/` (as `/work/shared/traces`). */
  readonly tracesDir: string;
  /** The policies to replay. */
  readonly policies: readonly PolicyName[];
  /** The grid to run. @default {@link GRID_TRACES} */
  readonly traces?: readonly GridTrace[];
  /** Makes the caches. @default a `Cache` from `@larder/core` */
  readonly createCache?: CacheFactory;
  /** Called as each trace starts reading, then replaying, for a progress display. */
  readonly onPhase?: (label: string, total: number) => void;
  /** Progress within the current phase. */
  readonly onProgress?: (done: number) => void;
}

/** One trace of a grid run and its result. */
export interface GridEntry {
  readonly trace: GridTrace;
  readonly result: SimulationResult;
}

/** The mean hit ratio of one policy over every cell of a grid. */
export interface GridMean {
  /** Policy name, or `'opt'`. */
  readonly policy: string;
  /** Unweighted mean of the hit ratios (0 to 1) of every trace and size. */
  readonly mean: number;
  /** How many cells the mean is over. */
  readonly cells: number;
}

/** The result of {@link runGrid}. */
export interface GridResult {
  readonly entries: readonly GridEntry[];
  /** Means per policy (OPT last), in the order of the policies asked for. */
  readonly means: readonly GridMean[];
}

/**
 * Replays the whole evaluation grid: every trace at its sizes, through every policy and OPT, and
 * the mean hit ratio per policy over all cells (each trace and size weighs the same).
 */
export async function runGrid(options: RunGridOptions): Promise<GridResult> {
  const traces = options.traces ?? GRID_TRACES;
  const entries: GridEntry[] = [];
  for (const [index, gridTrace] of traces.entries()) {
    const label = `${gridTrace.name} (${index + 1}/${traces.length})`;
    options.onPhase?.(`reading ${label}`, 1);
    const trace = await readTrace(join(options.tracesDir, gridTrace.file), {
      name: gridTrace.name,
      onBytes: (read, total) => options.onProgress?.(read / Math.max(total, 1)),
    });
    let phaseStarted = false;
    const result = await simulate(trace, {
      sizes: gridTrace.sizes,
      policies: options.policies,
      ...(options.createCache === undefined ? {} : { createCache: options.createCache }),
      onProgress: (done, total) => {
        if (!phaseStarted) {
          options.onPhase?.(`replaying ${label}`, total);
          phaseStarted = true;
        }
        options.onProgress?.(done);
      },
    });
    entries.push({ trace: gridTrace, result });
  }
  return { entries, means: gridMeans(entries) };
}

function gridMeans(entries: readonly GridEntry[]): GridMean[] {
  const sums = new Map<string, { sum: number; cells: number }>();
  for (const { result } of entries) {
    const rows = result.opt === undefined ? result.policies : [...result.policies, result.opt];
    for (const row of rows) {
      const acc = sums.get(row.policy) ?? { sum: 0, cells: 0 };
      for (const ratio of row.hitRatios) {
        acc.sum += ratio;
        acc.cells++;
      }
      sums.set(row.policy, acc);
    }
  }
  return [...sums].map(([policy, { sum, cells }]) => ({
    policy,
    mean: cells === 0 ? 0 : sum / cells,
    cells,
  }));
}
