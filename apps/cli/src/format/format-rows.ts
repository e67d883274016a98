export interface FormatRowsOptions {
  /** Column indexes to right-align (numbers read best aligned on the decimal point). */
  alignRight?: readonly number[];
  /** Spaces between columns. */
  gap?: number;
}

/**
 * Lays out rows of cells as a plain-text table, padding each column to its widest cell. Plain text
 * rather than box drawing so the output stays grep- and copy-friendly.
 */
export function formatRows(rows: readonly (readonly string[])[], options: FormatRowsOptions = {}): string {
  const gap = ' '.repeat(options.gap ?? 2);
  const alignRight = new Set(options.alignRight ?? []);
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const padding = ' '.repeat((widths[column] ?? 0) - [...cell].length);
          if (alignRight.has(column)) return padding + cell;
          return cell + padding;
        })
        .join(gap)
        // Empty trailing cells would otherwise leave invisible spaces at line ends.
        .trimEnd(),
    )
    .join('\n');
}
