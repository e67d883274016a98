import { hasErrorMarker, setErrorMarker, TonekitError } from '@tonekit/core';

const marker = Symbol.for('tonekit.error.DatasetFormatError');

export interface DatasetFormatErrorOptions {
  /** What is wrong; should already name the file and the place in it. */
  message: string;
  /** The file that could not be read or written. */
  file: string;
  /** Zero-based Parquet row group, when the problem is inside one. */
  rowGroup?: number;
  /** One-based line number, for line-oriented files (JSONL). */
  line?: number;
  cause?: unknown;
}

/**
 * A data file is not what it claims to be: not Parquet, truncated, corrupt, a JSONL line that is not
 * a JSON object, or a writer that produced fewer rows than it was given. The message names the file
 * and, when known, the row group or line, because "invalid file" alone sends users hunting.
 */
export class DatasetFormatError extends TonekitError {
  readonly file: string;
  readonly rowGroup: number | undefined;
  readonly line: number | undefined;

  constructor({ message, file, rowGroup, line, cause }: DatasetFormatErrorOptions) {
    super({ message, cause });
    this.name = 'DatasetFormatError';
    setErrorMarker(this, marker);
    this.file = file;
    this.rowGroup = rowGroup;
    this.line = line;
  }

  static override isInstance(value: unknown): value is DatasetFormatError {
    return hasErrorMarker(value, marker);
  }
}
