/** One trace of the evaluation grid and the cache sizes it is replayed at. */
export interface GridTrace {
  /** The display name, e.g. `gli`. */
  readonly name: string;
  /** The file, relative to the traces folder (`/work/shared/traces` layout). */
  readonly file: string;
  /** Cache sizes in entries. */
  readonly sizes: readonly number[];
}

/**
 * The evaluation grid of issue 3: the traces and sizes every README table and the mean hit ratio are
 * measured on. The same grid as the published Caffeine 2.6.2 figures in {@link CAFFEINE_REFERENCE}.
 */
export const GRID_TRACES: readonly GridTrace[] = [
  { name: 'gli', file: 'lirs/gli.trace.gz', sizes: [500, 1000, 1500] },
  { name: 'multi1', file: 'lirs/multi1.trace.gz', sizes: [500, 1000, 1500] },
  { name: 'multi2', file: 'lirs/multi2.trace.gz', sizes: [1000, 2000, 3000] },
  { name: 'ps', file: 'lirs/ps.trace.gz', sizes: [400, 800, 1200] },
  { name: 'cs', file: 'lirs/cs.trace.gz', sizes: [200, 500, 1000] },
  { name: 'cpp', file: 'lirs/cpp.trace.gz', sizes: [100, 200, 500] },
  { name: 'sprite', file: 'lirs/sprite.trace.gz', sizes: [100, 400, 1000] },
  { name: 'loop', file: 'lirs/loop.trace.gz', sizes: [256, 512, 768] },
  { name: '2_pools', file: 'lirs/2_pools.trace.gz', sizes: [500, 1000, 2000] },
  { name: 'scan', file: 'lirs/scan.trace.gz', sizes: [500, 1000] },
  { name: 'zigzag', file: 'lirs/zigzag.trace.gz', sizes: [500, 1000] },
  { name: 'web07', file: 'cache2k/web07.trace.xz', sizes: [1000, 2000, 4000] },
  { name: 'web12', file: 'cache2k/web12.trace.xz', sizes: [1000, 2000, 4000] },
  { name: 'corda', file: 'corda/trace_vaultservice.gz', sizes: [1000, 10000] },
];
