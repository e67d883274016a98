import { REPHRASE_THRESHOLD, type ReadabilityMode, textStatistics } from '@tonekit/readability';
import { CliError } from '../cli-error.js';
import type { InvalidTableRecord, TableFormat, TableRow } from '../io/read-table-rows.js';

/** One scored row, as written to per-row JSONL. */
export interface RowScore {
  /** 0-based record index (blank JSONL lines are not records). */
  row: number;
  /** 1-based line in a JSONL file. */
  line?: number;
  fleschReadingEase: number;
  fleschKincaidGrade: number;
  lexiconCount: number;
  sentenceCount: number;
  syllableCount: number;
  conversational: boolean;
}

export interface ThresholdShare {
  threshold: number;
  count: number;
  /** Fraction of scored rows, 0–1. */
  share: number;
}

export interface TableScoreSummary {
  source: string;
  format: TableFormat;
  column: string;
  mode: ReadabilityMode;
  rowsRead: number;
  rowsScored: number;
  skipped: {
    count: number;
    missing: number;
    notString: number;
    blank: number;
    /** The first few skipped row indexes, to find them without re-reading the whole file. */
    firstRows: number[];
  };
  /** Malformed lines or records passed over with --skip-invalid. */
  invalid: { count: number; first: InvalidTableRecord[] };
  fleschReadingEase: { mean: number; median: number; min: number; max: number };
  fleschKincaidGrade: { mean: number; median: number };
  /** Seed A's evaluation threshold (or --threshold). */
  conversational: ThresholdShare;
  /** Seed A's data-generation threshold. */
  rephrase: ThresholdShare;
}

export interface ScoreTableRowsOptions {
  source: string;
  format: TableFormat;
  column: string;
  mode: ReadabilityMode;
  threshold: number;
  /** Awaited per row so a slow output (a pipe, a file) applies backpressure to reading. */
  onRow?: (score: RowScore) => Promise<void> | void;
  /** Filled by the reader while rows stream; reported in the summary. */
  invalid?: { count: number; first: InvalidTableRecord[] };
}

/** Enough to locate problems, not a second copy of the data. */
export const MAX_LISTED = 10;
/** Column names remembered for the "column not found" message. */
const MAX_COLUMN_NAMES = 100;

type SkipReason = 'missing' | 'notString' | 'blank';

/**
 * Scores one text column of every row and summarizes it the way seed A reports data: shares of rows at
 * or above the conversational (60) and rephrase (75) Flesch thresholds. Rows whose column is missing,
 * not a string, or blank are counted and listed, never silently dropped.
 */
export async function scoreTableRows(
  rows: AsyncIterable<TableRow>,
  options: ScoreTableRowsOptions,
): Promise<TableScoreSummary> {
  const { column, mode, threshold } = options;
  const readingEase = new GrowableFloat64Array();
  const grades = new GrowableFloat64Array();
  let rowsRead = 0;
  let rowsWithColumn = 0;
  let conversationalCount = 0;
  let rephraseCount = 0;
  const skipped = { count: 0, missing: 0, notString: 0, blank: 0, firstRows: [] as number[] };
  const columnNames = new Set<string>();

  for await (const { index, line, record } of rows) {
    rowsRead += 1;
    for (const name of Object.keys(record)) {
      if (columnNames.size >= MAX_COLUMN_NAMES) break;
      columnNames.add(name);
    }
    const present = Object.hasOwn(record, column);
    // CSV rows all share the header, so a wrong column name is known from the first row.
    if (options.format === 'csv' && !present) throw missingColumnError(options, columnNames, 'the header of');
    if (present) rowsWithColumn += 1;

    const value = present ? record[column] : undefined;
    const reason: SkipReason | null = !present
      ? 'missing'
      : typeof value !== 'string'
        ? 'notString'
        : value.trim() === ''
          ? 'blank'
          : null;
    if (reason !== null || typeof value !== 'string') {
      skipped.count += 1;
      skipped[reason ?? 'notString'] += 1;
      if (skipped.firstRows.length < MAX_LISTED) skipped.firstRows.push(index);
      continue;
    }

    const stats = textStatistics(value, { mode });
    readingEase.push(stats.fleschReadingEase);
    grades.push(stats.fleschKincaidGrade);
    const conversational = stats.fleschReadingEase >= threshold;
    if (conversational) conversationalCount += 1;
    if (stats.fleschReadingEase >= REPHRASE_THRESHOLD) rephraseCount += 1;
    await options.onRow?.({
      row: index,
      ...(line === undefined ? {} : { line }),
      fleschReadingEase: stats.fleschReadingEase,
      fleschKincaidGrade: stats.fleschKincaidGrade,
      lexiconCount: stats.lexiconCount,
      sentenceCount: stats.sentenceCount,
      syllableCount: stats.syllableCount,
      conversational,
    });
  }

  const invalid = options.invalid ?? { count: 0, first: [] };
  if (rowsRead === 0) {
    const invalidNote = invalid.count > 0 ? ` (${invalid.count} invalid skipped with --skip-invalid)` : '';
    throw new CliError(`${options.source} has no rows to score${invalidNote}`);
  }
  if (rowsWithColumn === 0) throw missingColumnError(options, columnNames, `any of the ${rowsRead} rows of`);
  const rowsScored = readingEase.length;
  if (rowsScored === 0) {
    throw new CliError(
      `--column ${column}: no row of ${options.source} has text to score in it ` +
        `(${skipped.notString} not a string, ${skipped.blank} blank, ${skipped.missing} missing)`,
    );
  }

  const scores = readingEase.values();
  const gradeValues = grades.values();
  return {
    source: options.source,
    format: options.format,
    column,
    mode,
    rowsRead,
    rowsScored,
    skipped,
    invalid: { count: invalid.count, first: invalid.first },
    fleschReadingEase: {
      mean: mean(scores),
      median: median(scores),
      min: scores.reduce((a, b) => Math.min(a, b)),
      max: scores.reduce((a, b) => Math.max(a, b)),
    },
    fleschKincaidGrade: { mean: mean(gradeValues), median: median(gradeValues) },
    conversational: { threshold, count: conversationalCount, share: conversationalCount / rowsScored },
    rephrase: { threshold: REPHRASE_THRESHOLD, count: rephraseCount, share: rephraseCount / rowsScored },
  };
}

function missingColumnError(
  options: ScoreTableRowsOptions,
  columnNames: Set<string>,
  where: string,
): CliError {
  const names = [...columnNames];
  const sameExceptCase = names.find((name) => name.toLowerCase() === options.column.toLowerCase());
  const suggestion = sameExceptCase === undefined ? '' : ` (did you mean --column ${sameExceptCase}?)`;
  const available = names.length === 0 ? 'none' : names.join(', ');
  return new CliError(
    `--column ${options.column}: not found in ${where} ${options.source}${suggestion}; available columns: ${available}`,
  );
}

/** Scores are kept as doubles in one growing buffer: 8 bytes a row, so a million rows cost 8 MB. */
class GrowableFloat64Array {
  #buffer = new Float64Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.#buffer.length) {
      const grown = new Float64Array(this.#buffer.length * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    this.#buffer[this.length] = value;
    this.length += 1;
  }

  values(): Float64Array {
    return this.#buffer.subarray(0, this.length);
  }
}

function mean(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

function median(values: Float64Array): number {
  // Typed-array sort is numeric, unlike Array.prototype.sort's default.
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
