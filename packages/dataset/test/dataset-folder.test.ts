import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DatasetFileWrittenEvent,
  DatasetSchemaError,
  openDatasetSplit,
  planDatasetSplits,
  qaRecordsToTable,
  readDatasetFolder,
  readParquetTable,
  readQaRecords,
  verifyDatasetFolder,
  writeDatasetFolder,
  writeParquet,
} from '@tonekit/dataset';
import type * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeQaRecords } from './support/make-qa-records.js';
import { leftovers, temporaryDirectory } from './support/temporary-directory.js';

let root: string;
beforeAll(async () => {
  root = await temporaryDirectory();
});

const ids = (table: arrow.Table) =>
  Array.from({ length: table.numRows }, (_, row) => table.getChild('id')?.get(row) as string);

describe('planDatasetSplits', () => {
  it('splits one seeded permutation: disjoint validation, nested subsets that are prefixes of train', () => {
    const plan = planDatasetSplits(10_000, { seed: 713 });
    expect(plan.validation).toHaveLength(1_000);
    expect(plan.train).toHaveLength(9_000);
    const all = new Set([...plan.validation, ...plan.train]);
    expect(all.size).toBe(10_000);
    expect([...plan.subsets.keys()]).toEqual([100, 1_000, 5_000, 9_000]);
    for (const [size, subset] of plan.subsets)
      expect(Array.from(subset)).toEqual(Array.from(plan.train.subarray(0, size)));
    expect(planDatasetSplits(10_000, { seed: 713 })).toEqual(plan);
    expect(planDatasetSplits(10_000, { seed: 714 }).validation).not.toEqual(plan.validation);
  });

  it('refuses sizes that do not fit, with the numbers', () => {
    expect(() => planDatasetSplits(9_500, { seed: 1 })).toThrow(
      '9500 rows cannot fill a validation split of 1000 plus a train split of at least 9000 rows (the largest subset); 10000 rows are needed.',
    );
    expect(() => planDatasetSplits(100, { seed: 1, subsetSizes: [10, 10] })).toThrow(/distinct/);
    expect(() => planDatasetSplits(100, { seed: 1, validationSize: -1 })).toThrow(/validationSize/);
    expect(() => planDatasetSplits(100, { seed: 1, subsetSizes: [0] })).toThrow(/positive/);
    expect(planDatasetSplits(11, { seed: 1, validationSize: 10, subsetSizes: [] }).train).toHaveLength(1);
  });
});

describe('writeDatasetFolder', () => {
  const records = makeQaRecords(1_200, { dimensions: 4 });
  const options = { validationSize: 200, subsetSizes: [1_000, 10, 100], seed: 42 };

  it('writes train, validation, nested subsets and a manifest that describes them', async () => {
    const dir = join(root, 'dataset');
    const events: DatasetFileWrittenEvent[] = [];
    const manifest = await writeDatasetFolder(dir, {
      records,
      ...options,
      config: { generator: 'google/gemini-2.0-flash-001', fleschThreshold: 75 },
      tokenUsage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
      extra: { note: 'test' },
      onEvent: (event) => events.push(event),
    });
    expect((await readdir(dir)).sort()).toEqual([
      'manifest.json',
      'subsets',
      'train.parquet',
      'validation.parquet',
    ]);
    expect((await readdir(join(dir, 'subsets'))).sort()).toEqual([
      'train-10.parquet',
      'train-100.parquet',
      'train-1000.parquet',
    ]);
    expect(await leftovers(root)).toEqual([]);
    expect(manifest.counts).toEqual({
      total: 1_200,
      train: 1_000,
      validation: 200,
      'train-10': 10,
      'train-100': 100,
      'train-1000': 1_000,
    });
    expect(manifest.subsetSizes).toEqual([10, 100, 1_000]);
    expect(manifest.seed).toBe(42);
    expect(manifest.generator.name).toBe('@tonekit/dataset');
    expect(manifest.generator.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.config).toEqual({ generator: 'google/gemini-2.0-flash-001', fleschThreshold: 75 });
    expect(manifest.tokenUsage).toEqual({ inputTokens: 10, outputTokens: 20, totalTokens: 30 });
    expect(manifest.columns.find((column) => column.name === 'question_embedding')?.type).toBe(
      'FixedSizeList[4]<Float32>',
    );
    expect(events.map((event) => event.file)).toEqual([
      'train.parquet',
      'validation.parquet',
      'subsets/train-10.parquet',
      'subsets/train-100.parquet',
      'subsets/train-1000.parquet',
    ]);
    for (const [file, entry] of Object.entries(manifest.files)) {
      const bytes = await readFile(join(dir, file));
      expect(entry.bytes).toBe(bytes.length);
      expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);

    const folder = await readDatasetFolder(dir);
    const train = ids(await folder.readTable('train'));
    const validation = ids(await folder.readTable('validation'));
    expect(train).toHaveLength(1_000);
    expect(new Set([...train, ...validation]).size).toBe(1_200);
    for (const size of [10, 100, 1_000]) {
      expect(ids(await folder.readTable(`train-${size}`))).toEqual(train.slice(0, size));
    }
    // The files follow the plan exactly.
    const plan = planDatasetSplits(1_200, options);
    expect(validation).toEqual(Array.from(plan.validation, (index) => records[index]?.id));
    // And the records survive the trip, embeddings included.
    const first: unknown[] = [];
    for await (const record of readQaRecords(folder.pathOf('train-10'))) first.push(record);
    expect(first).toEqual(
      Array.from(plan.train.subarray(0, 10), (index) => ({
        ...records[index],
        source_title: records[index]?.source_title ?? null,
      })),
    );
    expect(folder.splits).toEqual(['train', 'validation', 'train-10', 'train-100', 'train-1000']);
    expect((await verifyDatasetFolder(dir)).ok).toBe(true);
  });

  it('is reproducible: the same rows and seed give byte-identical files', async () => {
    const first = await writeDatasetFolder(join(root, 'same-a'), { records, ...options });
    const second = await writeDatasetFolder(join(root, 'same-b'), { records, ...options });
    expect(Object.values(second.files).map((file) => file.sha256)).toEqual(
      Object.values(first.files).map((file) => file.sha256),
    );
    const other = await writeDatasetFolder(join(root, 'same-c'), { records, ...options, seed: 43 });
    expect(other.files['train.parquet']?.sha256).not.toBe(first.files['train.parquet']?.sha256);
  });

  it('uses the paper’s defaults: 1,000 validation rows and subsets of 100, 1,000, 5,000, 9,000', async () => {
    const manifest = await writeDatasetFolder(join(root, 'defaults'), {
      table: qaRecordsToTable(makeQaRecords(10_000, { dimensions: 0 })),
      seed: 713,
    });
    expect(manifest.counts).toEqual({
      total: 10_000,
      train: 9_000,
      validation: 1_000,
      'train-100': 100,
      'train-1000': 1_000,
      'train-5000': 5_000,
      'train-9000': 9_000,
    });
  });

  it('writes nothing when the sizes do not fit', async () => {
    const dir = join(root, 'too-small');
    await expect(
      writeDatasetFolder(dir, {
        records: records.slice(0, 500),
        validationSize: 200,
        subsetSizes: [400],
        seed: 1,
      }),
    ).rejects.toThrow(
      '500 rows cannot fill a validation split of 200 plus a train split of at least 400 rows',
    );
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(await leftovers(root)).toEqual([]);
  });

  it('refuses to replace a non-empty folder unless asked, and then replaces it cleanly', async () => {
    const dir = join(root, 'existing');
    await mkdir(dir);
    await writeFile(join(dir, 'precious.txt'), 'keep me');
    await expect(writeDatasetFolder(dir, { records, ...options })).rejects.toThrow(
      /not empty; pass overwrite: true/,
    );
    expect(await readdir(dir)).toEqual(['precious.txt']);
    await writeDatasetFolder(dir, { records, ...options, overwrite: true });
    expect(await readdir(dir)).not.toContain('precious.txt');
    expect(await leftovers(root)).toEqual([]);
    const empty = join(root, 'empty-existing');
    await mkdir(empty);
    await writeDatasetFolder(empty, { records, ...options });
    expect((await verifyDatasetFolder(empty)).ok).toBe(true);
  });

  it('cleans up its temporary folder when cancelled', async () => {
    const controller = new AbortController();
    const dir = join(root, 'cancelled');
    const promise = writeDatasetFolder(dir, {
      records,
      ...options,
      abortSignal: controller.signal,
      onEvent: () => controller.abort(),
    });
    await expect(promise).rejects.toThrow(/cancelled/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(await leftovers(root)).toEqual([]);
  });

  it('needs exactly one of records and table', async () => {
    await expect(writeDatasetFolder(join(root, 'x'), { seed: 1 })).rejects.toThrow(
      /exactly one of `records` and `table`/,
    );
  });
});

describe('verifyDatasetFolder and openDatasetSplit', () => {
  const records = makeQaRecords(300, { dimensions: 0 });

  async function fresh(name: string): Promise<string> {
    const dir = join(root, name);
    await writeDatasetFolder(dir, { records, validationSize: 50, subsetSizes: [10, 100], seed: 5 });
    return dir;
  }

  it('detects a changed byte, a truncated file and a missing file', async () => {
    const dir = await fresh('tampered');
    const validation = join(dir, 'validation.parquet');
    const bytes = await readFile(validation);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await writeFile(validation, bytes);
    const train = join(dir, 'train.parquet');
    const trainSize = (await readFile(train)).length;
    await truncate(train, Math.floor(trainSize / 2));
    await rm(join(dir, 'subsets', 'train-10.parquet'));

    const result = await verifyDatasetFolder(dir);
    expect(result.ok).toBe(false);
    const byFile = Object.fromEntries(
      result.problems.map((problem) => [`${problem.file} ${problem.problem}`, problem]),
    );
    expect(Object.keys(byFile).sort()).toEqual([
      'subsets/train-10.parquet missing',
      'train.parquet size-mismatch',
      'train.parquet unreadable',
      'validation.parquet hash-mismatch',
    ]);
    expect(byFile['train.parquet size-mismatch']).toMatchObject({
      expected: trainSize,
      actual: Math.floor(trainSize / 2),
    });
    expect(byFile['validation.parquet hash-mismatch']?.expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('detects a file replaced by another valid file with a different row count', async () => {
    const dir = await fresh('replaced');
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.files['subsets/train-100.parquet'].rows = 99;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await verifyDatasetFolder(dir);
    expect(result.problems).toEqual([
      { file: 'subsets/train-100.parquet', problem: 'row-count-mismatch', expected: 99, actual: 100 },
    ]);
    await expect(async () => {
      for await (const _ of openDatasetSplit(dir, 'train-100')) {
        // drain
      }
    }).rejects.toThrow(/holds 100 rows but the manifest says 99/);
  });

  it('reports a missing or broken manifest instead of throwing', async () => {
    const dir = await fresh('no-manifest');
    await rm(join(dir, 'manifest.json'));
    expect(await verifyDatasetFolder(dir)).toEqual({
      ok: false,
      problems: [{ file: 'manifest.json', problem: 'missing', expected: null, actual: null }],
    });
    await writeFile(join(dir, 'manifest.json'), '{"schemaVersion": 2}');
    const result = await verifyDatasetFolder(dir);
    expect(result.problems[0]?.problem).toBe('unreadable');
    expect(String(result.problems[0]?.actual)).toMatch(/schemaVersion is 2/);
    await expect(readDatasetFolder(join(root, 'nowhere'))).rejects.toThrow(/is not a dataset folder/);
  });

  it('streams a split, names unknown splits, and rejects a file whose columns changed', async () => {
    const dir = await fresh('splits');
    let rows = 0;
    for await (const batch of openDatasetSplit(dir, 'validation', { batchSize: 20 })) rows += batch.numRows;
    expect(rows).toBe(50);
    await expect(openDatasetSplit(dir, 'train-5').next()).rejects.toThrow(
      /has no split "train-5"; it has train, validation, train-10, train-100/,
    );
    const trainPath = join(dir, 'train.parquet');
    const train = await readParquetTable(trainPath);
    await writeParquet(trainPath, train.select(['id', 'question']));
    const error = await openDatasetSplit(dir, 'train')
      .next()
      .catch((caught: unknown) => caught);
    expect(DatasetSchemaError.isInstance(error)).toBe(true);
    expect((error as DatasetSchemaError).problems).toContain('missing column source_id');
  });
});
