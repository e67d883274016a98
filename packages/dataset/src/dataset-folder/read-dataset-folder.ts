import * as arrow from 'apache-arrow';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import type { DatasetManifest, DatasetSplitName } from './dataset-manifest.js';
import { findSplitFile, type OpenDatasetSplitOptions, openSplitWithManifest } from './open-dataset-split.js';
import { readDatasetManifest } from './read-dataset-manifest.js';

/** A dataset folder whose manifest has been read. */
export interface DatasetFolder {
  dir: string;
  manifest: DatasetManifest;
  /** The splits present, e.g. `['train', 'validation', 'train-100', ...]`. */
  splits: DatasetSplitName[];
  /** Absolute or relative (as `dir` was given) path of a split's Parquet file. */
  pathOf(split: DatasetSplitName): string;
  /** Streams a split; see `openDatasetSplit`. */
  open(
    split: DatasetSplitName,
    options?: OpenDatasetSplitOptions,
  ): AsyncGenerator<arrow.RecordBatch, void, undefined>;
  /** Reads a whole split into one table (a split is ~10,000 rows). */
  readTable(split: DatasetSplitName, options?: OpenDatasetSplitOptions): Promise<arrow.Table>;
}

/** Opens a dataset folder written by `writeDatasetFolder`: reads and checks its manifest. */
export async function readDatasetFolder(dir: string): Promise<DatasetFolder> {
  const manifest = await readDatasetManifest(dir);
  const open = (split: DatasetSplitName, options: OpenDatasetSplitOptions = {}) =>
    openSplitWithManifest(dir, manifest, split, options);
  return {
    dir,
    manifest,
    splits: Object.values(manifest.files).map((file) => file.split),
    pathOf: (split) => findSplitFile(dir, manifest, split)[0],
    open,
    async readTable(split, options) {
      const batches: arrow.RecordBatch[] = [];
      for await (const batch of open(split, options)) batches.push(batch);
      if (batches.length > 0) return new arrow.Table(batches);
      // An empty split still has columns: take them from the file's footer.
      const { schema } = await readParquetMetadata(findSplitFile(dir, manifest, split)[0]);
      return new arrow.Table(schema);
    },
  };
}
