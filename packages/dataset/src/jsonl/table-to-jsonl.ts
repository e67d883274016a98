import { InvalidArgumentError } from '@tonekit/core';
import type * as arrow from 'apache-arrow';
import { type WriteJsonlOptions, type WriteJsonlResult, writeJsonl } from './write-jsonl.js';

export interface TableToJsonlOptions extends WriteJsonlOptions {
  /** Columns to export, in this order. Default: all. */
  columns?: string[];
}

/**
 * Exports Arrow data as JSON Lines for people to read (or for tools that only take JSONL): a table, or
 * record batches streamed from `readParquet`, e.g.
 * `await tableToJsonl(readParquet('train.parquet'), 'train.jsonl')`. Atomic, like `writeJsonl`.
 */
export async function tableToJsonl(
  source: arrow.Table | Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
  path: string,
  { columns, ...options }: TableToJsonlOptions = {},
): Promise<WriteJsonlResult> {
  return writeJsonl(path, rowsOf(source, columns), options);
}

async function* rowsOf(
  source: arrow.Table | Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
  columns: string[] | undefined,
): AsyncGenerator<Record<string, unknown>> {
  const batches = 'batches' in source ? source.batches : source;
  for await (const batch of batches) {
    const names = columns ?? batch.schema.fields.map((field) => field.name);
    const vectors = names.map((name) => batch.getChild(name));
    const missing = names.filter((_, index) => vectors[index] === null);
    if (missing.length > 0) {
      throw new InvalidArgumentError({
        argument: 'columns',
        value: columns,
        message: `no column ${missing.join(', ')}; the data has ${batch.schema.fields.map((field) => field.name).join(', ')}.`,
      });
    }
    for (let row = 0; row < batch.numRows; row++) {
      const object: Record<string, unknown> = {};
      for (const [index, name] of names.entries()) object[name] = vectors[index]?.get(row) ?? null;
      yield object;
    }
  }
}
