import { readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { toJsonValue } from '../jsonl/json-value.js';
import { readJsonlLines } from '../jsonl/read-jsonl.js';
import { assertReadableFile } from '../parquet/open-parquet-file.js';
import { readParquet } from '../parquet/read-parquet.js';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import { DialogueFormatError } from './dialogue-format-error.js';

/** One row of a dialogue file as plain JSON values, with where it came from for error messages. */
export interface DialogueFileRow {
  file: string;
  /** Zero-based data row. */
  row: number;
  /** One-based line, for JSON Lines files. */
  line?: number;
  value: Record<string, unknown>;
}

export interface DialogueFileColumns {
  /** The format's name, for messages. */
  format: string;
  /** Each entry is a set of alternatives, one of which the file must have (`[['turns', 'messages']]`). */
  required: readonly (readonly string[])[];
  /** Read when present. */
  optional: readonly string[];
}

export const dialogueFileExtensions: readonly string[] = ['.parquet', '.jsonl', '.ndjson', '.json'];

/**
 * Rows of a Parquet, JSON Lines or JSON (a top-level array of objects, as ParlAI ships Wizard of
 * Wikipedia) file, as plain objects. Parquet files are checked against `columns` before any row is
 * decoded, and only the columns named there are read; JSON rows are checked by the caller, row by row,
 * since each row may have different keys.
 */
export async function* readDialogueFileRows(
  file: string,
  columns: DialogueFileColumns,
  signal: AbortSignal | undefined,
): AsyncGenerator<DialogueFileRow, void, undefined> {
  if (typeof file !== 'string' || file === '') {
    throw new InvalidArgumentError({ argument: 'files', value: file, message: 'expected file paths.' });
  }
  const extension = extname(file).toLowerCase();
  if (extension === '.parquet') {
    yield* parquetRows(file, columns, signal);
  } else if (extension === '.jsonl' || extension === '.ndjson') {
    let row = 0;
    for await (const { line, value } of readJsonlLines(file, signal ? { abortSignal: signal } : {})) {
      yield { file, row: row++, line, value };
    }
  } else if (extension === '.json') {
    yield* jsonArrayRows(file, signal);
  } else {
    throw new InvalidArgumentError({
      argument: 'files',
      value: file,
      message: `${file}: unsupported file type; dialogue files are ${dialogueFileExtensions.join(', ')}.`,
    });
  }
}

async function* parquetRows(
  file: string,
  columns: DialogueFileColumns,
  signal: AbortSignal | undefined,
): AsyncGenerator<DialogueFileRow> {
  const metadata = await readParquetMetadata(file);
  const names = metadata.schema.fields.map((field) => field.name);
  const selected: string[] = [];
  for (const alternatives of columns.required) {
    const found = alternatives.find((name) => names.includes(name));
    if (found === undefined) {
      throw new DialogueFormatError({
        file,
        column: alternatives.join('" or "'),
        problem:
          `missing: the ${columns.format} format needs ${alternatives.map((name) => `"${name}"`).join(' or ')}. ` +
          `The file's columns are ${names.join(', ') || '(none)'}.`,
      });
    }
    selected.push(...alternatives.filter((name) => names.includes(name)));
  }
  selected.push(...columns.optional.filter((name) => names.includes(name)));
  const read = [...new Set(selected)];
  let row = 0;
  for await (const batch of readParquet(file, {
    columns: read,
    ...(signal ? { abortSignal: signal } : {}),
  })) {
    const vectors = read.map((name) => [name, batch.getChild(name)] as const);
    for (let index = 0; index < batch.numRows; index++) {
      const value: Record<string, unknown> = {};
      // Arrow hands out vectors and struct rows; the format readers work on plain JSON values.
      for (const [name, vector] of vectors) value[name] = toJsonValue(vector?.get(index));
      yield { file, row: row++, value };
    }
  }
}

async function* jsonArrayRows(
  file: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<DialogueFileRow> {
  await assertReadableFile(file, 'files');
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    // Node strings stop at about 512 MiB: say what to do instead of "Cannot create a string longer...".
    throw new DialogueFormatError({
      file,
      problem: `cannot be read as one JSON document (${(error as Error).message}); convert it to JSON Lines (one dialogue per line).`,
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (error) {
    throw new DialogueFormatError({
      file,
      problem: `not valid JSON (${(error as Error).message}).`,
      cause: error,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new DialogueFormatError({
      file,
      problem: 'expected a JSON array of dialogue objects (or use JSON Lines, one object per line).',
    });
  }
  for (let row = 0; row < parsed.length; row++) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    const value = parsed[row] as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DialogueFormatError({
        file,
        row,
        problem: `expected a JSON object, got ${describeValue(value)}.`,
      });
    }
    yield { file, row, value: value as Record<string, unknown> };
  }
}

/** `<folder>/<file>:<row>`: the parent folder tells `default/train/0000.parquet` from `default/test/0000.parquet`. */
export function rowIdentifier(file: string, row: number): string {
  return `${basename(dirname(file))}/${basename(file)}:${row}`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return value.length > 40
      ? `the string ${JSON.stringify(`${value.slice(0, 40)}…`)}`
      : `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** A DialogueFormatError for one row and column. */
export function rowError(
  row: DialogueFileRow,
  column: string,
  problem: string,
  cause?: unknown,
): DialogueFormatError {
  return new DialogueFormatError({
    file: row.file,
    row: row.row,
    ...(row.line === undefined ? {} : { line: row.line }),
    column,
    problem,
    cause,
  });
}

/** Keys of a JSON row, for "the row has ..." hints. */
export function describeKeys(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  return keys.length === 0 ? 'no keys' : `keys ${keys.join(', ')}`;
}
