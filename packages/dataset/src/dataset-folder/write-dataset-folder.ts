import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CancelledError, InvalidArgumentError, type OnEvent, type ProgressEvent } from '@tonekit/core';
import type * as arrow from 'apache-arrow';
import { takeRows } from '../arrow/take-rows.js';
import { sha256File } from '../files/sha256-file.js';
import { packageName, packageVersion } from '../package-version.js';
import { createParquetWriter, type ParquetCompression } from '../parquet/create-parquet-writer.js';
import type { QaRecord } from '../qa/qa-record.js';
import { qaRecordsToTable } from '../qa/qa-records-to-table.js';
import { normalizeSeed, type Seed } from '../random/create-seeded-random.js';
import {
  type DatasetManifest,
  type DatasetManifestFile,
  type DatasetSplitName,
  manifestFileName,
  splitFilePath,
} from './dataset-manifest.js';
import { defaultSubsetSizes, defaultValidationSize, planDatasetSplits } from './plan-dataset-splits.js';

export interface DatasetFileWrittenEvent extends ProgressEvent {
  type: 'dataset-file-written';
  file: string;
  split: DatasetSplitName;
  rows: number;
  bytes: number;
}

export interface WriteDatasetFolderOptions {
  /** The rows, as QA records (converted with `qaRecordsToTable`)... */
  records?: ReadonlyArray<QaRecord>;
  /** ...or as any Arrow table. Exactly one of the two. */
  table?: arrow.Table;
  /** Default 1,000. */
  validationSize?: number;
  /** Nested train subsets. Default [100, 1000, 5000, 9000]; `[]` for none. */
  subsetSizes?: number[];
  /** Seed of the split permutation. Required: a dataset must be reproducible. */
  seed: Seed;
  /** Generation configuration to record in the manifest. */
  config?: Record<string, unknown>;
  /** Token usage (and cost) of the generation run, recorded in the manifest. */
  tokenUsage?: unknown;
  /** Anything else worth keeping with the data. */
  extra?: Record<string, unknown>;
  /** Default zstd. */
  compression?: ParquetCompression;
  /** Default 10,000. */
  rowGroupSize?: number;
  /** Replace an existing non-empty folder. Default false: refuse, so no dataset is lost by accident. */
  overwrite?: boolean;
  abortSignal?: AbortSignal;
  onEvent?: OnEvent<DatasetFileWrittenEvent>;
}

/**
 * Writes a dataset folder (DESIGN §4):
 *
 * ```
 * dir/train.parquet  dir/validation.parquet  dir/subsets/train-{n}.parquet  dir/manifest.json
 * ```
 *
 * Splits come from one seeded permutation (see `planDatasetSplits`): each subset is a prefix of
 * train.parquet's rows, so the subsets nest. The whole folder is written into `<dir>.tmp-<random>`
 * and renamed into place at the end, so `dir` either does not change or is complete, manifest
 * included. With `overwrite`, the old folder is moved aside first and deleted after the rename.
 *
 * Rows are held in memory (a generated dataset is ~10,000 rows); sizes that do not fit, a non-empty
 * `dir` without `overwrite`, or bad options reject with InvalidArgumentError before anything is written.
 */
export async function writeDatasetFolder(
  dir: string,
  options: WriteDatasetFolderOptions,
): Promise<DatasetManifest> {
  const {
    records,
    validationSize = defaultValidationSize,
    subsetSizes = [...defaultSubsetSizes],
    seed,
    config,
    tokenUsage,
    extra,
    compression,
    rowGroupSize,
    overwrite = false,
    abortSignal,
    onEvent,
  } = options;
  if ((records === undefined) === (options.table === undefined)) {
    throw new InvalidArgumentError({
      argument: 'options',
      message: 'pass exactly one of `records` and `table`.',
    });
  }
  const normalizedSeed = normalizeSeed(seed);
  const table = options.table ?? qaRecordsToTable(records ?? []);
  const plan = planDatasetSplits(table.numRows, { validationSize, subsetSizes, seed: normalizedSeed });
  const existing = await folderState(dir);
  if (existing === 'non-empty' && !overwrite) {
    throw new InvalidArgumentError({
      argument: 'dir',
      value: dir,
      message: `${dir} already exists and is not empty; pass overwrite: true to replace it.`,
    });
  }
  if (existing === 'file') {
    throw new InvalidArgumentError({
      argument: 'dir',
      value: dir,
      message: `${dir} is a file, not a folder.`,
    });
  }
  abortSignal?.throwIfAborted();

  const suffix = randomBytes(6).toString('hex');
  const temporary = `${dir}.tmp-${suffix}`;
  await mkdir(join(temporary, 'subsets'), { recursive: true });
  try {
    const splits: [DatasetSplitName, Uint32Array][] = [
      ['train', plan.train],
      ['validation', plan.validation],
      ...[...plan.subsets].map(([size, indices]): [DatasetSplitName, Uint32Array] => [
        `train-${size}`,
        indices,
      ]),
    ];
    const files: Record<string, DatasetManifestFile> = {};
    const counts: Record<string, number> = { total: table.numRows };
    for (const [split, indices] of splits) {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      const relativePath = splitFilePath(split);
      const path = join(temporary, relativePath);
      const writer = createParquetWriter(path, {
        schema: table.schema,
        compression,
        rowGroupSize,
        abortSignal,
      });
      try {
        await writer.write(takeRows(table, indices));
      } catch (error) {
        await writer.abort();
        throw error;
      }
      const { rows, bytes } = await writer.close();
      files[relativePath] = { split, rows, bytes, sha256: await sha256File(path, abortSignal) };
      counts[split] = rows;
      onEvent?.({
        type: 'dataset-file-written',
        timestamp: Date.now(),
        file: relativePath,
        split,
        rows,
        bytes,
      });
    }
    if (plan.subsets.size === 0) await rm(join(temporary, 'subsets'), { recursive: true });

    const manifest: DatasetManifest = {
      schemaVersion: 1,
      createdAt: new Date().toISOString(),
      generator: { name: packageName, version: packageVersion() },
      seed:
        normalizedSeed <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(normalizedSeed)
          : normalizedSeed.toString(),
      shuffle: { algorithm: 'fisher-yates', random: 'xoshiro128**, seeded by splitmix64' },
      validationSize,
      subsetSizes: [...plan.subsets.keys()],
      counts,
      files,
      columns: table.schema.fields.map((field) => ({
        name: field.name,
        type: String(field.type),
        nullable: field.nullable,
      })),
      ...(config === undefined ? {} : { config }),
      ...(tokenUsage === undefined ? {} : { tokenUsage }),
      ...(extra === undefined ? {} : { extra }),
    };
    await writeFile(join(temporary, manifestFileName), `${JSON.stringify(manifest, null, 2)}\n`);
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);

    await mkdir(dirname(dir), { recursive: true });
    if (existing === 'missing') {
      await rename(temporary, dir);
    } else {
      // An empty folder is replaced directly; a full one is moved aside and deleted after the swap,
      // so a crash in between leaves the old data at `<dir>.old-<random>` rather than nowhere.
      const aside = `${dir}.old-${suffix}`;
      await rename(dir, aside);
      await rename(temporary, dir);
      await rm(aside, { recursive: true, force: true });
    }
    return manifest;
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function folderState(dir: string): Promise<'missing' | 'empty' | 'non-empty' | 'file'> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  return (await readdir(dir)).length === 0 ? 'empty' : 'non-empty';
}
