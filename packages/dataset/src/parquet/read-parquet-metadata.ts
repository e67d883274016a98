import { openParquetFile, type ParquetMetadata } from './open-parquet-file.js';

export type { ParquetMetadata } from './open-parquet-file.js';

/** Reads only the footer of a Parquet file: row counts per row group and the Arrow schema. */
export async function readParquetMetadata(path: string): Promise<ParquetMetadata> {
  const file = await openParquetFile(path);
  await file.close();
  return file.metadata;
}
