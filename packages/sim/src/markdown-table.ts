/** Column alignment in a {@link markdownTable}. */
export type Align = 'left' | 'right';

/**
 * A GitHub markdown table with padded, aligned columns (the layout Biome's formatter gives), so that
 * generated tables read well as plain text and a formatter leaves them alone.
 *
 * @param header - the column titles.
 * @param rows - the cells, one array per row, as many as `header`.
 * @param align - per column; columns beyond it are left-aligned.
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[],
): string {
  const widths = header.map((title, col) =>
    Math.max(3, title.length, ...rows.map((row) => (row[col] ?? '').length)),
  );
  const alignOf = (col: number): Align => align[col] ?? 'left';
  const line = (cells: readonly string[]): string =>
    `| ${widths
      .map((width, col) => {
        const cell = cells[col] ?? '';
        return alignOf(col) === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(' | ')} |`;
  const rule = `| ${widths.map((width, col) => (alignOf(col) === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
