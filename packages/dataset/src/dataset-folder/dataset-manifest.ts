import { DatasetFormatError } from '../errors/dataset-format-error.js';

/** A split of a dataset folder: `train`, `validation`, or a nested train subset such as `train-1000`. */
export type DatasetSplitName = 'train' | 'validation' | `train-${number}`;

/** One file listed in the manifest. */
export interface DatasetManifestFile {
  split: DatasetSplitName;
  rows: number;
  bytes: number;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
}

/** One column of the dataset's schema, as recorded in the manifest. */
export interface DatasetManifestColumn {
  name: string;
  /** Arrow type as Arrow JS prints it, e.g. `Utf8`, `FixedSizeList[768]<Float32>`. */
  type: string;
  nullable: boolean;
}

/**
 * `manifest.json` of a dataset folder: enough to check every file and to reproduce the splits.
 * Written last, after all data files, so its presence means the folder is complete.
 */
export interface DatasetManifest {
  /** Bumped when a field changes meaning; readers reject versions they do not know. */
  schemaVersion: 1;
  /** ISO 8601. */
  createdAt: string;
  generator: { name: string; version: string };
  /** The split seed; a string when it does not fit in a JSON number exactly. */
  seed: number | string;
  /** How the seed was used, so another implementation can reproduce the splits. */
  shuffle: { algorithm: 'fisher-yates'; random: 'xoshiro128**, seeded by splitmix64' };
  validationSize: number;
  subsetSizes: number[];
  /** Rows per split, plus `total` (rows given to the writer). */
  counts: Record<string, number>;
  /** Relative POSIX path → file facts. */
  files: Record<string, DatasetManifestFile>;
  columns: DatasetManifestColumn[];
  /** The generation configuration, as given. */
  config?: Record<string, unknown>;
  /** Token usage of the generation run, as given. */
  tokenUsage?: unknown;
  extra?: Record<string, unknown>;
}

export const manifestFileName = 'manifest.json';

/** Where a split lives inside the folder. */
export function splitFilePath(split: DatasetSplitName): string {
  return split === 'train' || split === 'validation' ? `${split}.parquet` : `subsets/${split}.parquet`;
}

/** Checks the parsed JSON enough that later code can trust its shape. */
export function parseDatasetManifest(value: unknown, file: string): DatasetManifest {
  const fail = (problem: string): never => {
    throw new DatasetFormatError({ file, message: `${file} is not a valid dataset manifest: ${problem}.` });
  };
  if (typeof value !== 'object' || value === null) fail('expected a JSON object');
  const manifest = value as Partial<DatasetManifest>;
  if (manifest.schemaVersion !== 1) {
    fail(
      `schemaVersion is ${JSON.stringify(manifest.schemaVersion)}, this version of @tonekit/dataset reads 1`,
    );
  }
  if (typeof manifest.files !== 'object' || manifest.files === null) fail('"files" is missing');
  for (const [path, entry] of Object.entries(manifest.files as Record<string, unknown>)) {
    const candidate = entry as Partial<DatasetManifestFile> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.split !== 'string' ||
      typeof candidate.rows !== 'number' ||
      typeof candidate.bytes !== 'number' ||
      typeof candidate.sha256 !== 'string'
    ) {
      fail(`entry "${path}" needs split, rows, bytes and sha256`);
    }
    if (path.startsWith('/') || path.split('/').includes('..'))
      fail(`entry "${path}" points outside the folder`);
  }
  if (!Array.isArray(manifest.columns)) fail('"columns" is missing');
  return manifest as DatasetManifest;
}
