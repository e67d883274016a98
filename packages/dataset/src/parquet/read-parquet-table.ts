import * as arrow from 'apache-arrow';
import { type ReadParquetOptions, readParquet } from './read-parquet.js';
import { readParquetMetadata } from './read-parquet-metadata.js';

/**
 * Reads a whole Parquet file into one Arrow table. Convenient for small files (a 10,000-row dataset
 * split); stream with `readParquet` when the file may not fit in memory.
 */
export async function readParquetTable(path: string, options: ReadParquetOptions = {}): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  for await (const batch of readParquet(path, options)) batches.push(batch);
  if (batches.length > 0) return new arrow.Table(batches);
  // No rows: keep the schema so callers still see the columns.
  const { schema } = await readParquetMetadata(path);
  const columns = options.columns;
  return new arrow.Table(columns ? selectFields(schema, columns) : schema);
}

function selectFields(schema: arrow.Schema, columns: string[]): arrow.Schema {
  return new arrow.Schema(
    columns
      .map((name) => schema.fields.find((field) => field.name === name))
      .filter((field) => field !== undefined),
    schema.metadata,
  );
}
