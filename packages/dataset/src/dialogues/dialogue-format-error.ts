import { hasErrorMarker, setErrorMarker } from '@tonekit/core';
import { DatasetFormatError } from '../errors/dataset-format-error.js';

const marker = Symbol.for('tonekit.error.DialogueFormatError');

export interface DialogueFormatErrorOptions {
  file: string;
  /** Zero-based data row of the file (JSON Lines: counting only non-blank lines). */
  row?: number;
  /** One-based line, for JSON Lines files. */
  line?: number;
  /** The column (or key) at fault. */
  column?: string;
  /** What is wrong and what was expected. The file, row and column are prepended. */
  problem: string;
  cause?: unknown;
}

/**
 * A row of a dialogue file does not have the shape its format needs: a missing column, a `dialog` that
 * is not a list of `{speaker, text}`, a repeated `utterance_idx`. The message starts with
 * `<file>, row <n> (line <l>), column "<name>":` so the culprit can be found without a debugger; the
 * same places are properties for programs.
 */
export class DialogueFormatError extends DatasetFormatError {
  readonly row: number | undefined;
  readonly column: string | undefined;

  constructor({ file, row, line, column, problem, cause }: DialogueFormatErrorOptions) {
    const where =
      file +
      (row === undefined ? '' : `, row ${row}`) +
      (line === undefined ? '' : ` (line ${line})`) +
      (column === undefined ? '' : `, column "${column}"`);
    super({ file, ...(line === undefined ? {} : { line }), message: `${where}: ${problem}`, cause });
    this.name = 'DialogueFormatError';
    setErrorMarker(this, marker);
    this.row = row;
    this.column = column;
  }

  static override isInstance(value: unknown): value is DialogueFormatError {
    return hasErrorMarker(value, marker);
  }
}
