/** Published or exactly known hit ratios (percent) that grid results are compared against. */
export interface ReferenceFigures {
  /**
   * Caffeine 2.6.2 on the grid of {@link GRID_TRACES}: the mean hit ratio per policy over the whole
   * grid, and the W-TinyLFU hit ratio of the cells where it is known, keyed `trace@size`.
   */
  readonly caffeine: {
    readonly version: string;
    readonly means: Readonly<Record<string, number>>;
    readonly wTinyLfuCells: Readonly<Record<string, number>>;
  };
  /** Exact LRU and OPT hit ratios from the traces README, keyed `trace@size`. */
  readonly exact: Readonly<Record<string, { readonly lru: number; readonly opt: number }>>;
}

/** The reference figures of issue 3 and `/work/shared/traces/README.md`. */
export const REFERENCE_FIGURES: ReferenceFigures = {
  caffeine: {
    version: '2.6.2',
    means: { 'w-tinylfu': 54.15, lru: 41.57, opt: 60.81 },
    wTinyLfuCells: {
      'gli@1000': 42.98,
      'multi2@2000': 69.56,
      'ps@800': 63.11,
      'sprite@400': 68.53,
      'loop@512': 49.89,
      '2_pools@1000': 54.41,
      'web07@2000': 56.26,
      'corda@1000': 1.44,
    },
  },
  exact: {
    'gli@1000': { lru: 11.21, opt: 53.15 },
    'multi2@2000': { lru: 49.0, opt: 74.65 },
    'sprite@400': { lru: 70.77, opt: 84.56 },
    'loop@512': { lru: 0.0, opt: 50.54 },
    'web07@2000': { lru: 55.5, opt: 67.97 },
  },
};
