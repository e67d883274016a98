import { extname } from 'node:path';
import { DatasetFormatError, readJsonlLines, readParquet } from '@tonekit/dataset';
import type { ResponsePair } from './score-responses.js';

export interface ReadResponsePairsOptions {
  /** Default `response`. */
  responseColumn?: string;
  /** Default `reference`. */
  referenceColumn?: string;
  /** Default `question` (optional in the file). */
  questionColumn?: string;
  /** Default `id` (optional: rows are numbered when absent). */
  idColumn?: string;
  abortSignal?: AbortSignal;
}

/**
 * Reads responses to score from a JSONL or Parquet file (by extension): one row per pair with a
 * response and a reference, as `tonekit blend --alphas` writes them or any other tool can. A row
 * without a string response or reference is a DatasetFormatError naming the file and row.
 */
export async function readResponsePairs(
  file: string,
  options: ReadResponsePairsOptions = {},
): Promise<ResponsePair[]> {
  const {
    responseColumn = 'response',
    referenceColumn = 'reference',
    questionColumn = 'question',
    idColumn = 'id',
    abortSignal,
  } = options;
  const pairs: ResponsePair[] = [];
  const add = (row: Record<string, unknown>, line: number) => {
    const response = row[responseColumn];
    const reference = row[referenceColumn];
    for (const [column, value] of [
      [responseColumn, response],
      [referenceColumn, reference],
    ] as const) {
      if (typeof value !== 'string') {
        throw new DatasetFormatError({
          message: `${file}, row ${line}: "${column}" must be a string, got ${value === undefined ? 'nothing' : JSON.stringify(value)}.`,
          file,
          line,
        });
      }
    }
    const question = row[questionColumn];
    const id = row[idColumn];
    pairs.push({
      id: id === undefined || id === null ? String(pairs.length) : String(id),
      response: response as string,
      reference: reference as string,
      ...(typeof question === 'string' ? { question } : {}),
    });
  };
  if (extname(file).toLowerCase() === '.parquet') {
    let line = 0;
    for await (const batch of readParquet(file, abortSignal === undefined ? {} : { abortSignal })) {
      for (const row of batch) add(row?.toJSON() as Record<string, unknown>, ++line);
    }
  } else {
    for await (const { line, value } of readJsonlLines(
      file,
      abortSignal === undefined ? {} : { abortSignal },
    )) {
      add(value, line);
    }
  }
  return pairs;
}
