import { markdownTable } from './markdown-table.js';
import type { ReferenceFigures } from './reference-figures.js';
import { REFERENCE_FIGURES } from './reference-figures.js';
import type { ReferenceRow } from './render-table.js';
import { renderTable } from './render-table.js';
import type { GridResult } from './run-grid.js';

/** Options for {@link renderGridMarkdown}. */
export interface RenderGridMarkdownOptions {
  /** Chart image paths by trace name, relative to where the markdown will live. */
  readonly charts?: ReadonlyMap<string, string>;
  /** Reference figures to compare with. @default {@link REFERENCE_FIGURES} */
  readonly references?: ReferenceFigures;
  /** Policies asked for that could not be replayed, listed in a note. */
  readonly missingPolicies?: readonly string[];
  /** A sentence about how the figures were made (Node version, date), printed under the heading. */
  readonly provenance?: string;
}

const pct = (ratio: number): string => (100 * ratio).toFixed(2);
const delta = (ours: number, theirs: number): string => {
  // Round first, so that a difference below 0.005 prints as ±0.00 rather than −0.00.
  const d = Math.round(100 * (ours - theirs)) / 100;
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d).toFixed(2)}`;
};

/**
 * Renders a grid run as markdown for a README: the mean hit ratio per policy over the grid (with
 * Caffeine 2.6.2's published means beside it), a table against Caffeine's W-TinyLFU and the exact
 * LRU/OPT figures where known, then per trace a table and its chart, and the trace credits.
 */
export function renderGridMarkdown(grid: GridResult, options: RenderGridMarkdownOptions = {}): string {
  const refs = options.references ?? REFERENCE_FIGURES;
  const caffeine = refs.caffeine;
  const out: string[] = [];
  const push = (...lines: string[]): void => {
    out.push(...lines);
  };
  const cellCount = grid.entries.reduce((n, e) => n + e.result.sizes.length, 0);

  push('### Mean hit ratio over the grid', '');
  push(
    `Unweighted mean over ${cellCount} cells (${grid.entries.length} traces, each at its sizes). ` +
      `Caffeine ${caffeine.version} is the published reference on exactly this grid.`,
    '',
  );
  if (options.provenance !== undefined) push(options.provenance, '');
  const ranked = [...grid.means].sort((a, b) =>
    a.policy === 'opt' ? 1 : b.policy === 'opt' ? -1 : b.mean - a.mean,
  );
  const meanRows = ranked.map((mean) => {
    const ref = caffeine.means[mean.policy];
    return [
      mean.policy === 'opt' ? 'OPT (Belady, with bypass)' : mean.policy,
      pct(mean.mean),
      ref === undefined ? '—' : ref.toFixed(2),
      ref === undefined ? '—' : delta(100 * mean.mean, ref),
    ];
  });
  push(
    markdownTable(
      ['policy', 'mean hit ratio (%)', `Caffeine ${caffeine.version} (%)`, 'Δ (points)'],
      meanRows,
      ['left', 'right', 'right', 'right'],
    ),
  );
  if ((options.missingPolicies ?? []).length > 0) {
    push(
      '',
      `Not yet provided by \`@larder/core\`, so not in these tables: ${options.missingPolicies?.join(', ')}.`,
    );
  }

  push('', '### Against the reference figures', '');
  push(
    `W-TinyLFU against Caffeine ${caffeine.version} where its figure is known; LRU and OPT against the exact values ` +
      'in the traces README (LRU replayed through `@larder/core`, OPT computed by this package).',
    '',
  );
  const cellRows: string[][] = [];
  for (const { trace, result } of grid.entries) {
    result.sizes.forEach((size, col) => {
      const cell = `${trace.name}@${size}`;
      const theirs = caffeine.wTinyLfuCells[cell];
      const exact = refs.exact[cell];
      if (theirs === undefined && exact === undefined) return;
      const ours = result.policies.find((p) => p.policy === 'w-tinylfu')?.hitRatios[col];
      const lru = result.policies.find((p) => p.policy === 'lru')?.hitRatios[col];
      const opt = result.opt?.hitRatios[col];
      const show = (ratio: number | undefined): string => (ratio === undefined ? '—' : pct(ratio));
      cellRows.push([
        trace.name,
        size.toLocaleString('en-US'),
        show(ours),
        theirs?.toFixed(2) ?? '—',
        ours === undefined || theirs === undefined ? '—' : delta(100 * ours, theirs),
        show(lru),
        exact?.lru.toFixed(2) ?? '—',
        show(opt),
        exact?.opt.toFixed(2) ?? '—',
      ]);
    });
  }
  push(
    markdownTable(
      [
        'trace',
        'size',
        'w-tinylfu',
        `Caffeine ${caffeine.version}`,
        'Δ',
        'LRU',
        'LRU exact',
        'OPT',
        'OPT exact',
      ],
      cellRows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );

  push('', '### Per trace', '');
  for (const { trace, result } of grid.entries) {
    const references: ReferenceRow[] = [];
    const known = result.sizes.map((size) => caffeine.wTinyLfuCells[`${trace.name}@${size}`]);
    if (known.some((v) => v !== undefined)) {
      references.push({ label: `Caffeine ${caffeine.version} W-TinyLFU`, percents: known });
    }
    push(`#### ${trace.name}`, '');
    push(
      `${result.trace.requests.toLocaleString('en-US')} requests, ${result.trace.uniqueKeys.toLocaleString('en-US')} distinct keys (\`${trace.file}\`). Hit ratio in %, by cache size in entries.`,
      '',
    );
    push(renderTable(result, { format: 'markdown', heading: false, references }).trimEnd(), '');
    const chart = options.charts?.get(trace.name);
    if (chart !== undefined) push(`![${trace.name}: hit ratio by cache size](${chart})`, '');
  }

  push('### Trace credits', '');
  push(
    '- LIRS traces (gli, multi1, multi2, ps, cs, cpp, sprite, loop, 2_pools, scan, zigzag): Song Jiang and Xiaodong Zhang.',
    '- cache2k traces (web07, web12): CC BY 4.0, headissue GmbH, Jens Wilke.',
    '- corda: the Corda vault service trace, as redistributed with the Caffeine simulator.',
  );
  return `${out.join('\n')}\n`;
}
