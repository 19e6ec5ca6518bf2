import type { TopLevelSpec } from 'vega-lite';
import type { SimulationResult } from './simulation-result.js';

/** Options for {@link renderSvg}. */
export interface RenderSvgOptions {
  /** The chart title. @default the trace name */
  readonly title?: string;
  /** A line under the title, e.g. the trace's source and licence. */
  readonly credit?: string;
  /** Chart width in pixels (the plot area; legend and axes add to it). @default 640 */
  readonly width?: number;
  /** Chart height in pixels (the plot area). @default 380 */
  readonly height?: number;
}

// Tableau 10, one fixed colour per built-in policy so that every chart reads alike; the strongest
// colours go to the policies people compare most (w-tinylfu, lru). OPT is black.
const POLICY_COLORS: Readonly<Record<string, string>> = {
  'w-tinylfu': '#e15759',
  lru: '#4e79a7',
  's3-fifo': '#f28e2b',
  arc: '#b07aa1',
  '2q': '#edc948',
  'lru-k': '#59a14f',
  clock: '#76b7b2',
  sieve: '#ff9da7',
  lfu: '#9c755f',
  fifo: '#bab0ac',
};
const SPARE_COLORS = ['#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#a6761d', '#666666'];
const OPT_LABEL = 'OPT (optimum)';

/**
 * Renders hit ratio against cache size as an SVG line chart: one line (one SVG path) per policy,
 * OPT as a dashed black line, the trace name as title, a legend ordered by hit ratio at the largest
 * size so that it reads top to bottom like the lines. Built with vega-lite and rendered headless.
 */
export async function renderSvg(result: SimulationResult, options: RenderSvgOptions = {}): Promise<string> {
  const series = [...result.policies].sort((a, b) => last(b.hitRatios) - last(a.hitRatios) || 0);
  const names = series.map((p) => p.policy);
  let spare = 0;
  const colorOf = new Map(
    result.policies.map((p) => [
      p.policy,
      POLICY_COLORS[p.policy] ?? (SPARE_COLORS[spare++ % SPARE_COLORS.length] as string),
    ]),
  );
  const domain = result.opt === undefined ? names : [OPT_LABEL, ...names];
  const colors = domain.map((name) => (name === OPT_LABEL ? '#000000' : (colorOf.get(name) ?? '#888888')));
  const dashes = domain.map((name) => (name === OPT_LABEL ? [6, 4] : [1, 0]));
  const all = result.opt === undefined ? result.policies : [result.opt, ...result.policies];
  const values = all.flatMap((p) =>
    result.sizes.map((size, col) => ({
      policy: p.policy === 'opt' ? OPT_LABEL : p.policy,
      size,
      hitRatio: Math.round(10000 * (p.hitRatios[col] ?? 0)) / 100,
    })),
  );
  const sizes = result.sizes;
  const spread = sizes.length > 1 ? (sizes.at(-1) as number) / (sizes[0] as number) : 1;
  const t = result.trace;
  const subtitle = [
    `${t.requests.toLocaleString('en-US')} requests, ${t.uniqueKeys.toLocaleString('en-US')} distinct keys`,
    ...(options.credit === undefined ? [] : [options.credit]),
  ];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? t.name, subtitle, anchor: 'start', fontSize: 18, subtitleFontSize: 12 },
    width: options.width ?? 640,
    height: options.height ?? 380,
    background: 'white',
    padding: 12,
    data: { values },
    // Two layers so that OPT is drawn last, on top: where a policy reaches the optimum (LRU on a
    // pure-recency trace) the dashed line stays visible over it.
    layer: [
      {
        transform: [{ filter: { not: { field: 'policy', equal: OPT_LABEL } } }],
        mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2, clip: false },
      },
      {
        transform: [{ filter: { field: 'policy', equal: OPT_LABEL } }],
        mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2, clip: false },
      },
    ],
    encoding: {
      x: {
        field: 'size',
        type: 'quantitative',
        title: 'Cache size (entries)',
        scale:
          spread >= 8 ? { type: 'log', nice: false, padding: 24 } : { zero: false, nice: false, padding: 24 },
        axis: { values: [...sizes], format: ',d', labelFontSize: 12, titleFontSize: 13, grid: true },
      },
      y: {
        field: 'hitRatio',
        type: 'quantitative',
        title: 'Hit ratio (%)',
        scale: { zero: false },
        axis: { labelFontSize: 12, titleFontSize: 13, format: '.0f' },
      },
      color: {
        field: 'policy',
        type: 'nominal',
        scale: { domain, range: colors },
        legend: {
          title: 'Policy',
          labelFontSize: 12,
          titleFontSize: 13,
          symbolType: 'stroke',
          symbolStrokeWidth: 2.5,
          symbolSize: 300,
        },
      },
      // Same field and title as colour, so vega-lite merges both into one legend with dashed OPT.
      strokeDash: { field: 'policy', type: 'nominal', scale: { domain, range: dashes }, title: 'Policy' },
      order: { field: 'size', type: 'quantitative' },
    },
    config: { font: 'Helvetica, Arial, sans-serif' },
  };
  // Loaded on first use: vega is large, and most runs draw no chart.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function last(values: readonly number[]): number {
  return values.at(-1) ?? 0;
}
