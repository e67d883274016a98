import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { CliError } from '../cli-error.js';

export type TableFormat = 'jsonl' | 'csv';

export interface TableRow {
  /** 0-based index among the records read, the index pandas or HF datasets would give the row. */
  index: number;
  /** 1-based line in the file; JSONL only (a CSV record may span lines). */
  line?: number;
  record: Record<string, unknown>;
}

export interface InvalidTableRecord {
  line?: number;
  message: string;
}

export interface ReadTableRowsOptions {
  format: TableFormat;
  /** The path as the user gave it, or `stdin`; used in messages. */
  source: string;
  /** Count malformed lines/records through `onInvalid` instead of failing. */
  skipInvalid: boolean;
  onInvalid?: (invalid: InvalidTableRecord) => void;
}

/**
 * Streams the records of a JSONL or CSV source one at a time so a large file never sits in memory.
 * The caller owns `input` and should destroy it when it stops iterating early.
 */
export function readTableRows(
  input: NodeJS.ReadableStream,
  options: ReadTableRowsOptions,
): AsyncGenerator<TableRow> {
  return options.format === 'jsonl' ? readJsonlRows(input, options) : readCsvRows(input, options);
}

async function* readJsonlRows(
  input: NodeJS.ReadableStream,
  options: ReadTableRowsOptions,
): AsyncGenerator<TableRow> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let index = 0;
  try {
    for await (const rawLine of lines) {
      lineNumber += 1;
      const line = lineNumber === 1 && rawLine.charCodeAt(0) === 0xfeff ? rawLine.slice(1) : rawLine;
      // Blank lines (often a trailing one) carry no record; most JSONL readers accept them.
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        reportInvalid(options, lineNumber, `invalid JSON (${(error as Error).message})`, error);
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        reportInvalid(options, lineNumber, `expected a JSON object, got ${describeJsonValue(value)}`);
        continue;
      }
      yield { index, line: lineNumber, record: value as Record<string, unknown> };
      index += 1;
    }
  } finally {
    lines.close();
  }
}

function reportInvalid(options: ReadTableRowsOptions, line: number, message: string, cause?: unknown): void {
  if (options.skipInvalid) {
    options.onInvalid?.({ line, message });
    return;
  }
  throw new CliError(
    `${options.source} line ${line}: ${message}; fix the line or pass --skip-invalid to skip such lines`,
    { cause },
  );
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

async function* readCsvRows(
  input: NodeJS.ReadableStream,
  options: ReadTableRowsOptions,
): AsyncGenerator<TableRow> {
  const parser = parse({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: options.skipInvalid,
  });
  parser.on('skip', (error: Error) => options.onInvalid?.({ message: error.message }));
  // `pipe` does not forward source errors (e.g. EISDIR); without this the loop below would hang.
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let index = 0;
  try {
    for await (const record of parser) {
      yield { index, record: record as Record<string, unknown> };
      index += 1;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) {
      throw new CliError(
        `${options.source}: ${(error as Error).message}; fix the file or pass --skip-invalid to skip such records`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    input.unpipe(parser);
    parser.destroy();
  }
}
