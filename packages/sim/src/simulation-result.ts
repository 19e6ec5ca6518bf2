import type { TraceFormat } from './traces/trace-format.js';

/** The hits of one policy (or OPT) at every simulated size. */
export interface PolicyResult {
  /** The policy name, or `'opt'` for Belady's optimum. */
  readonly policy: string;
  /** Hits at each size, in the order of {@link SimulationResult.sizes}. */
  readonly hits: readonly number[];
  /** Hit ratio (hits / requests, 0 to 1) at each size. */
  readonly hitRatios: readonly number[];
  /** Wall time spent replaying this policy over all sizes, in milliseconds. */
  readonly elapsedMs: number;
}

/** What {@link simulate} measured on one trace. */
export interface SimulationResult {
  /** About the trace. */
  readonly trace: {
    readonly name: string;
    readonly source: string;
    readonly format: TraceFormat;
    readonly requests: number;
    readonly uniqueKeys: number;
    readonly malformed: number;
  };
  /** Cache sizes in entries, ascending. */
  readonly sizes: readonly number[];
  /** One result per replayed policy, in the order asked for. */
  readonly policies: readonly PolicyResult[];
  /** Belady's optimum with bypass, when computed. */
  readonly opt?: PolicyResult;
}
