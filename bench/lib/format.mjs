// Number formatting and markdown tables shared by the benchmarks.

/**
 * Three significant digits with a unit: 987, 12.3k, 1.23M, 123M.
 * @param {number} x
 * @returns {string}
 */
export function formatRate(x) {
  if (!Number.isFinite(x)) return 'n/a';
  for (const [unit, scale] of /** @type {const} */ ([
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ])) {
    if (x >= scale * 0.9995) return `${threeDigits(x / scale)}${unit}`;
  }
  return threeDigits(x);
}

/** @param {number} x */
function threeDigits(x) {
  if (x >= 99.95) return x.toFixed(0);
  if (x >= 9.995) return x.toFixed(1);
  return x.toFixed(2);
}

/**
 * @param {number} x
 * @param {number} reference
 */
export function formatRatio(x, reference) {
  const ratio = x / reference;
  return ratio < 0.005 ? '<0.01x' : `${ratio.toFixed(2)}x`;
}

/** @param {number} n */
export function formatInt(n) {
  return n.toLocaleString('en-US');
}

/** @param {number} ms */
export function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** @param {number} ratio */
export function formatPercent(ratio) {
  return `${(ratio * 100).toFixed(1)}%`;
}

/**
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A markdown table padded to line up in a terminal. The first column is left-aligned, the others
 * right-aligned.
 * @param {string[]} header
 * @param {string[][]} rows
 * @returns {string}
 */
export function markdownTable(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length), 3));
  const pad = (/** @type {string} */ cell, /** @type {number} */ i) =>
    i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]);
  const line = (/** @type {string[]} */ cells) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
