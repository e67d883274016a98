import { InvalidArgumentError } from '@tonekit/core';
import type { SweepResultRow } from './collect-sweep-results.js';

export type SweepTableFormat = 'csv' | 'markdown';

/** Seed A Table 6's columns, in its order, then the training outcome. */
export const sweepTableColumns = [
  'model',
  'base_precision',
  'lora_r',
  'learning_rate',
  'training_samples',
  'pct_conversational',
  'similarity',
  'status',
  'steps',
  'final_loss',
  'validation_loss',
] as const;

type Column = (typeof sweepTableColumns)[number];

const cell: Record<Column, (row: SweepResultRow) => string | number | undefined> = {
  model: (row) => row.model,
  base_precision: (row) => row.basePrecision,
  lora_r: (row) => row.loraRank,
  learning_rate: (row) => row.learningRate,
  training_samples: (row) => row.trainingSamples,
  pct_conversational: (row) => row.pctConversational,
  similarity: (row) => row.similarity,
  status: (row) => row.status,
  steps: (row) => row.steps,
  final_loss: (row) => row.finalLoss,
  validation_loss: (row) => row.validationLoss,
};

/**
 * Markdown is for reading, so numbers are rounded as the paper prints them (one decimal for
 * percentages) or a little finer where sweeps differ in the third digit; CSV is for tools and keeps
 * every digit (JavaScript's shortest round-trip form, e.g. 0.0002, as Table 6's CSV writes it).
 */
const markdownNumber: Partial<Record<Column, (value: number) => string>> = {
  learning_rate: (value) => value.toExponential().replace('e+', 'e'),
  pct_conversational: (value) => value.toFixed(1),
  similarity: (value) => value.toFixed(3),
  final_loss: (value) => value.toFixed(4),
  validation_loss: (value) => value.toFixed(4),
};

const numericColumns: ReadonlySet<Column> = new Set([
  'lora_r',
  'learning_rate',
  'training_samples',
  'pct_conversational',
  'similarity',
  'steps',
  'final_loss',
  'validation_loss',
]);

/**
 * Renders sweep results as CSV (RFC 4180, `\n` line ends, a header row; the columns of seed A's
 * `table6-sweep-results.csv` first, so the two files line up) or as a Markdown table with numeric
 * columns right-aligned. Unknown values are empty cells.
 */
export function formatSweepTable(rows: readonly SweepResultRow[], format: SweepTableFormat): string {
  if (format === 'csv') {
    const lines = [sweepTableColumns.join(',')];
    for (const row of rows) {
      lines.push(sweepTableColumns.map((column) => csvCell(cell[column](row))).join(','));
    }
    return `${lines.join('\n')}\n`;
  }
  if (format === 'markdown') {
    const lines = [
      `| ${sweepTableColumns.join(' | ')} |`,
      `|${sweepTableColumns.map((column) => (numericColumns.has(column) ? ' ---: ' : ' --- ')).join('|')}|`,
    ];
    for (const row of rows) {
      const cells = sweepTableColumns.map((column) => {
        const value = cell[column](row);
        if (value === undefined) return '';
        if (typeof value === 'number') return (markdownNumber[column] ?? String)(value);
        return value.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
      });
      lines.push(`| ${cells.join(' | ')} |`);
    }
    return `${lines.join('\n')}\n`;
  }
  throw new InvalidArgumentError({
    argument: 'format',
    value: format,
    message: `must be "csv" or "markdown", got ${JSON.stringify(format)}.`,
  });
}

function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
