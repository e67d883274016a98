import { InvalidArgumentError } from '@tonekit/core';
import type * as arrow from 'apache-arrow';
import { isArrowTable } from '../arrow/is-arrow-table.js';
import {
  createParquetWriter,
  type ParquetWriteResult,
  type ParquetWriterOptions,
} from './create-parquet-writer.js';

export type WriteParquetOptions = Omit<ParquetWriterOptions, 'schema'> & {
  /** Required when `source` is an iterable (the first batch's schema is not awaited for). */
  schema?: arrow.Schema;
};

/**
 * Writes a table, or a stream of record batches, to a Parquet file in one call, atomically (see
 * `createParquetWriter`, which this wraps). On any error the file at `path` is left untouched.
 * Named like parquet-wasm's `writeParquet` but takes a path and Arrow JS data, not wasm tables.
 */
export async function writeParquet(
  path: string,
  source: arrow.Table | Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>,
  options: WriteParquetOptions = {},
): Promise<ParquetWriteResult> {
  if (isArrowTable(source)) {
    const writer = createParquetWriter(path, { ...options, schema: options.schema ?? source.schema });
    try {
      await writer.write(source);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer.close();
  }
  let writer: ReturnType<typeof createParquetWriter> | undefined = options.schema
    ? createParquetWriter(path, { ...options, schema: options.schema })
    : undefined;
  try {
    for await (const batch of source) {
      writer ??= createParquetWriter(path, { ...options, schema: batch.schema });
      await writer.write(batch);
    }
  } catch (error) {
    await writer?.abort();
    throw error;
  }
  if (!writer) {
    throw new InvalidArgumentError({
      argument: 'source',
      message: 'the stream had no batches and no `schema` was given, so the file would have no columns.',
    });
  }
  return writer.close();
}
