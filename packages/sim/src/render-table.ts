import type { Align } from './markdown-table.js';
import { markdownTable } from './markdown-table.js';
import type { SimulationResult } from './simulation-result.js';

/** An extra row of known hit ratios to print under a table, such as another cache's published figures. */
export interface ReferenceRow {
  /** The row label, e.g. `Caffeine 2.6.2 (W-TinyLFU)`. */
  readonly label: string;
  /** Hit ratio in percent at each size of the table, `undefined` where unknown. */
  readonly percents: readonly (number | undefined)[];
}

/** Options for {@link renderTable}. */
export interface RenderTableOptions {
  /** `text` aligns columns for a terminal; `markdown` makes a GitHub table. @default 'text' */
  readonly format?: 'text' | 'markdown';
  /** Rows of reference figures printed after OPT; they are not candidates for "best". */
  readonly references?: readonly ReferenceRow[];
  /** Print the header line naming the trace and its size. @default true */
  readonly heading?: boolean;
}

/**
 * Renders hit ratios as a table: one row per policy, one column per cache size, then OPT and any
 * reference rows. Values are percentages with two decimals. The best policy at each size (OPT and
 * references excluded; every one that prints the same best value) is marked: `*` after the value in
 * text, bold in markdown.
 */
export function renderTable(result: SimulationResult, options: RenderTableOptions = {}): string {
  const markdown = options.format === 'markdown';
  const percent = (ratio: number): string => (100 * ratio).toFixed(2);
  // Best is judged on the printed value, so that two cells that read the same are both marked.
  const best = result.sizes.map((_, col) =>
    Math.max(...result.policies.map((p) => Number(percent(p.hitRatios[col] ?? 0)))),
  );

  const header = ['policy', ...result.sizes.map((size) => size.toLocaleString('en-US'))];
  const rows: string[][] = result.policies.map((p) => [
    p.policy,
    ...result.sizes.map((_, col) => {
      const ratio = p.hitRatios[col] ?? 0;
      const isBest = result.policies.length > 1 && Number(percent(ratio)) === best[col];
      if (!isBest) return percent(ratio);
      return markdown ? `**${percent(ratio)}**` : `${percent(ratio)} *`;
    }),
  ]);
  const opt = result.opt;
  if (opt !== undefined)
    rows.push(['OPT', ...result.sizes.map((_, col) => percent(opt.hitRatios[col] ?? 0))]);
  for (const ref of options.references ?? []) {
    rows.push([ref.label, ...result.sizes.map((_, col) => ref.percents[col]?.toFixed(2) ?? '—')]);
  }

  const t = result.trace;
  const lines: string[] = [];
  if (options.heading ?? true) {
    const malformed = t.malformed > 0 ? `, ${t.malformed.toLocaleString('en-US')} malformed skipped` : '';
    lines.push(
      `${t.name}: ${t.requests.toLocaleString('en-US')} requests, ${t.uniqueKeys.toLocaleString('en-US')} distinct keys (${t.format}${malformed}); hit ratio in % by cache size in entries`,
      '',
    );
  }
  const footnote =
    result.policies.length > 1
      ? markdown
        ? 'Bold: the best policy at that size (OPT, the offline optimum, is the ceiling and not a candidate).'
        : '* best policy at that size (OPT, the offline optimum, is the ceiling and not a candidate)'
      : '';
  if (markdown) {
    lines.push(markdownTable(header, rows, ['left', ...result.sizes.map((): Align => 'right')]));
  } else {
    // Values marked with ' *' keep their digits aligned with unmarked ones.
    const cells = rows.map((row) =>
      row.map((cell, i) => (i === 0 || cell.endsWith(' *') ? cell : `${cell}  `)),
    );
    const head = header.map((cell, i) => (i === 0 ? cell : `${cell}  `));
    const widths = head.map((cell, i) => Math.max(cell.length, ...cells.map((row) => row[i]?.length ?? 0)));
    const fmt = (row: readonly string[]): string =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd();
    lines.push(fmt(head), ...cells.map(fmt));
  }
  if (footnote !== '') lines.push('', footnote);
  return `${lines.join('\n')}\n`;
}
