import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../files/sha256-file.js';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import { manifestFileName } from './dataset-manifest.js';
import { readDatasetManifest } from './read-dataset-manifest.js';

export type DatasetProblemKind =
  | 'missing'
  | 'size-mismatch'
  | 'hash-mismatch'
  | 'row-count-mismatch'
  /** The manifest, or a data file whose footer cannot be read. */
  | 'unreadable';

export interface DatasetProblem {
  /** Path relative to the folder, POSIX separators (as in the manifest). */
  file: string;
  problem: DatasetProblemKind;
  expected: string | number | null;
  actual: string | number | null;
}

export interface DatasetVerification {
  ok: boolean;
  problems: DatasetProblem[];
}

export interface VerifyDatasetFolderOptions {
  abortSignal?: AbortSignal;
}

/**
 * Checks every file the manifest lists: present, same size, same SHA-256, and a Parquet footer with
 * the recorded row count. Reports problems instead of throwing, so one run lists everything wrong
 * (a changed file, a truncated download, a missing subset). Files not in the manifest are ignored.
 */
export async function verifyDatasetFolder(
  dir: string,
  { abortSignal }: VerifyDatasetFolderOptions = {},
): Promise<DatasetVerification> {
  const problems: DatasetProblem[] = [];
  let manifest: Awaited<ReturnType<typeof readDatasetManifest>>;
  try {
    manifest = await readDatasetManifest(dir);
  } catch (error) {
    const missing = await stat(join(dir, manifestFileName)).then(
      () => false,
      () => true,
    );
    problems.push({
      file: manifestFileName,
      problem: missing ? 'missing' : 'unreadable',
      expected: null,
      actual: missing ? null : (error as Error).message,
    });
    return { ok: false, problems };
  }
  for (const [file, entry] of Object.entries(manifest.files)) {
    abortSignal?.throwIfAborted();
    const path = join(dir, file);
    let bytes: number;
    try {
      bytes = (await stat(path)).size;
    } catch {
      problems.push({ file, problem: 'missing', expected: entry.bytes, actual: null });
      continue;
    }
    if (bytes !== entry.bytes) {
      // A different size already proves the content changed; hashing would add nothing.
      problems.push({ file, problem: 'size-mismatch', expected: entry.bytes, actual: bytes });
    } else {
      const sha256 = await sha256File(path, abortSignal);
      if (sha256 !== entry.sha256)
        problems.push({ file, problem: 'hash-mismatch', expected: entry.sha256, actual: sha256 });
    }
    try {
      const { numRows } = await readParquetMetadata(path);
      if (numRows !== entry.rows) {
        problems.push({ file, problem: 'row-count-mismatch', expected: entry.rows, actual: numRows });
      }
    } catch (error) {
      problems.push({ file, problem: 'unreadable', expected: entry.rows, actual: (error as Error).message });
    }
  }
  return { ok: problems.length === 0, problems };
}
