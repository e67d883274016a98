import { type ReadParquetOptions, readParquet } from '../parquet/read-parquet.js';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import type { QaRecord } from './qa-record.js';
import { tableToQaRecords } from './table-to-qa-records.js';
import { validateQaSchema } from './validate-qa-schema.js';

/**
 * Streams QA records from a Parquet file. The schema is checked before any row is read, so a file of
 * another kind fails at once with a DatasetSchemaError listing expected and found columns.
 */
export async function* readQaRecords(
  path: string,
  options: Omit<ReadParquetOptions, 'columns'> = {},
): AsyncGenerator<QaRecord, void, undefined> {
  const { schema } = await readParquetMetadata(path);
  validateQaSchema(schema, path);
  for await (const batch of readParquet(path, options)) yield* tableToQaRecords(batch, path);
}
