import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import type * as arrow from 'apache-arrow';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import { DatasetSchemaError } from '../errors/dataset-schema-error.js';
import { describeField } from '../parquet/conform-batch.js';
import { type ReadParquetOptions, readParquet } from '../parquet/read-parquet.js';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import type { DatasetManifest, DatasetSplitName } from './dataset-manifest.js';
import { readDatasetManifest } from './read-dataset-manifest.js';

export type OpenDatasetSplitOptions = Omit<ReadParquetOptions, 'rowGroups'>;

/** The manifest entry of a split, or an InvalidArgumentError listing the splits there are. */
export function findSplitFile(
  dir: string,
  manifest: DatasetManifest,
  split: DatasetSplitName,
): [string, number] {
  const entry = Object.entries(manifest.files).find(([, file]) => file.split === split);
  if (!entry) {
    const known = Object.values(manifest.files).map((file) => file.split);
    throw new InvalidArgumentError({
      argument: 'split',
      value: split,
      message: `${dir} has no split "${split}"; it has ${known.join(', ')}.`,
    });
  }
  return [join(dir, entry[0]), entry[1].rows];
}

/**
 * Streams one split of a dataset folder as record batches, after checking that the file's columns are
 * the ones the manifest records (DatasetSchemaError otherwise) and, at the end, that it held as many
 * rows as the manifest says (DatasetFormatError otherwise). Use `verifyDatasetFolder` for hashes.
 */
export async function* openDatasetSplit(
  dir: string,
  split: DatasetSplitName,
  options: OpenDatasetSplitOptions = {},
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const manifest = await readDatasetManifest(dir);
  yield* openSplitWithManifest(dir, manifest, split, options);
}

export async function* openSplitWithManifest(
  dir: string,
  manifest: DatasetManifest,
  split: DatasetSplitName,
  options: OpenDatasetSplitOptions,
): AsyncGenerator<arrow.RecordBatch, void, undefined> {
  const [path, expectedRows] = findSplitFile(dir, manifest, split);
  const { schema } = await readParquetMetadata(path);
  const expected = manifest.columns.map(
    (column) => `${column.name}: ${column.type}${column.nullable ? '?' : ''}`,
  );
  const problems: string[] = [];
  for (const column of manifest.columns) {
    const field = schema.fields.find((candidate) => candidate.name === column.name);
    if (!field) problems.push(`missing column ${column.name}`);
    else if (String(field.type) !== column.type)
      problems.push(`column ${column.name} is ${String(field.type)}, expected ${column.type}`);
  }
  for (const field of schema.fields) {
    if (!manifest.columns.some((column) => column.name === field.name))
      problems.push(`unexpected column ${field.name}`);
  }
  if (problems.length > 0) {
    throw new DatasetSchemaError({ file: path, expected, found: schema.fields.map(describeField), problems });
  }
  let rows = 0;
  for await (const batch of readParquet(path, options)) {
    rows += batch.numRows;
    yield batch;
  }
  if (rows !== expectedRows) {
    throw new DatasetFormatError({
      file: path,
      message: `${path} holds ${rows} rows but the manifest says ${expectedRows}; run verifyDatasetFolder for details.`,
    });
  }
}
