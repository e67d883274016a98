import { hasErrorMarker, setErrorMarker } from '@tonekit/core';
import { DatasetFormatError } from './dataset-format-error.js';

const marker = Symbol.for('tonekit.error.DatasetSchemaError');

/** One column as `name: Type` (nullable columns end with `?`), the form used in schema messages. */
export type ColumnDescription = string;

export interface DatasetSchemaErrorOptions {
  file: string;
  /** The columns the reader needs, as `name: Type`. */
  expected: ColumnDescription[];
  /** The columns the file has, as `name: Type`. */
  found: ColumnDescription[];
  /** Short statement of the difference, e.g. "missing column question". */
  problems: string[];
  cause?: unknown;
}

/**
 * The file is valid Parquet but its columns are not the ones expected (missing, renamed, or of another
 * type). Both column lists are in the message so the fix is visible without opening the file.
 */
export class DatasetSchemaError extends DatasetFormatError {
  readonly expected: ColumnDescription[];
  readonly found: ColumnDescription[];
  readonly problems: string[];

  constructor({ file, expected, found, problems, cause }: DatasetSchemaErrorOptions) {
    super({
      file,
      cause,
      message:
        `${file} does not have the expected columns: ${problems.join('; ')}.\n` +
        `  expected: ${expected.join(', ')}\n` +
        `  found:    ${found.join(', ')}`,
    });
    this.name = 'DatasetSchemaError';
    setErrorMarker(this, marker);
    this.expected = expected;
    this.found = found;
    this.problems = problems;
  }

  static override isInstance(value: unknown): value is DatasetSchemaError {
    return hasErrorMarker(value, marker);
  }
}
