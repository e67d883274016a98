import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CancelledError } from '@tonekit/core';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import { assertReadableFile } from '../parquet/open-parquet-file.js';

export interface ReadJsonlOptions {
  abortSignal?: AbortSignal;
}

/**
 * Streams the objects of a JSON Lines file, one per line; blank lines are skipped. A line that is not
 * valid JSON, or not a JSON object, rejects with a DatasetFormatError naming the file and the line
 * number (1-based), after every earlier row has been yielded.
 */
export async function* readJsonl(
  path: string,
  options: ReadJsonlOptions = {},
): AsyncGenerator<Record<string, unknown>, void, undefined> {
  for await (const { value } of readJsonlLines(path, options)) yield value;
}

/** Like `readJsonl`, with the 1-based line number of each object, for callers that report errors. */
export async function* readJsonlLines(
  path: string,
  { abortSignal }: ReadJsonlOptions = {},
): AsyncGenerator<{ line: number; value: Record<string, unknown> }, void, undefined> {
  abortSignal?.throwIfAborted();
  await assertReadableFile(path);
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      // A byte-order mark is legal at the start of a UTF-8 file and invisible in editors.
      const content = line === 1 && text.startsWith('\ufeff') ? text.slice(1) : text;
      if (content.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(content);
      } catch (error) {
        throw new DatasetFormatError({
          file: path,
          line,
          message: `${path}:${line}: not valid JSON (${(error as Error).message}): ${excerpt(content)}`,
          cause: error,
        });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new DatasetFormatError({
          file: path,
          line,
          message: `${path}:${line}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}.`,
        });
      }
      yield { line, value: value as Record<string, unknown> };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

function excerpt(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}…` : JSON.stringify(text);
}
