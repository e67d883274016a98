import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { type Dialogue, type DialogueFormat, dialogueFormats } from './dialogue.js';
import { readEmpatheticDialogues } from './read-empathetic-dialogues.js';
import { readTurnDialogues } from './read-turn-dialogues.js';
import { readWizardOfWikipedia } from './read-wizard-of-wikipedia.js';

export interface ReadDialoguesOptions {
  format: DialogueFormat;
  signal?: AbortSignal;
}

/**
 * Reads dialogues from Parquet (`.parquet`), JSON Lines (`.jsonl`, `.ndjson`) or JSON (`.json`, a
 * top-level array) files, in the order given. A row without what its format needs is a
 * DialogueFormatError (a DatasetFormatError) naming the file, the row and the column; see
 * `DialogueFormat` for the columns of each format.
 */
export async function readDialogues(
  files: readonly string[],
  options: ReadDialoguesOptions,
): Promise<Dialogue[]> {
  if (!Array.isArray(files)) {
    throw new InvalidArgumentError({
      argument: 'files',
      value: files,
      message: 'expected an array of file paths.',
    });
  }
  const { format, signal } = options ?? ({} as ReadDialoguesOptions);
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  switch (format) {
    case 'empathetic-dialogues':
      return readEmpatheticDialogues(files, signal);
    case 'wizard-of-wikipedia':
      return readWizardOfWikipedia(files, signal);
    case 'turns':
      return readTurnDialogues(files, signal);
    default:
      throw new InvalidArgumentError({
        argument: 'format',
        value: format,
        message: `expected one of ${dialogueFormats.join(', ')}.`,
      });
  }
}
