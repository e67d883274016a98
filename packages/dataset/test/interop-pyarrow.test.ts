import { join } from 'node:path';
import {
  embeddingAt,
  makeUtf8Vector,
  readParquetMetadata,
  readParquetTable,
  writeDatasetFolder,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeQaRecords } from './support/make-qa-records.js';
import { pyarrowUnavailable, runPython } from './support/python.js';
import { temporaryDirectory } from './support/temporary-directory.js';

const unavailable = pyarrowUnavailable();
if (unavailable) {
  console.warn(`\n⚠️  SKIPPING pyarrow interop tests: ${unavailable}\n`);
}

interface Inspection {
  num_rows: number;
  num_row_groups: number;
  row_group_rows: number[];
  created_by: string;
  format_version: string;
  compression: string;
  schema: string[];
  schema_metadata: Record<string, string>;
  rows: Record<string, unknown>[];
  null_counts: Record<string, number>;
}

const inspect = (path: string, columns: string[] = []) =>
  JSON.parse(runPython('inspect_parquet.py', [path, ...columns])) as Inspection;

describe.skipIf(unavailable !== undefined)('pyarrow reads what we write', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await temporaryDirectory();
  });

  it('opens a dataset split unchanged: schema, counts, unicode and the embedding column', async () => {
    const records = makeQaRecords(1_200, { dimensions: 4 });
    const folder = join(dir, 'dataset');
    await writeDatasetFolder(folder, {
      records,
      validationSize: 200,
      subsetSizes: [100],
      seed: 7,
      rowGroupSize: 300,
    });
    const result = inspect(join(folder, 'subsets', 'train-100.parquet'), [
      'id',
      'source_title',
      'source_text',
      'question_embedding',
      'flesch',
      'attempts',
    ]);
    expect(result.num_rows).toBe(100);
    expect(result.compression).toBe('ZSTD');
    expect(result.schema).toEqual([
      'id: string not null',
      'source_id: string not null',
      'source_title: string',
      'source_text: string not null',
      'question: string not null',
      'answer: string not null',
      'conversational_answer: string not null',
      'flesch: double not null',
      'attempts: int32 not null',
      'question_embedding: fixed_size_list<item: float not null>[4] not null',
      'model: string not null',
      'created_at: string not null',
    ]);
    expect(result.schema_metadata).toMatchObject({ 'tonekit.record': 'qa', 'tonekit.record_version': '1' });
    const ours = await readParquetTable(join(folder, 'subsets', 'train-100.parquet'));
    const embeddings = ours.getChild('question_embedding') as arrow.Vector<
      arrow.FixedSizeList<arrow.Float32>
    >;
    for (const [row, values] of result.rows.entries()) {
      const record = records.find((candidate) => candidate.id === values['id']);
      expect(values['source_text']).toBe(record?.source_text);
      expect(values['source_title']).toBe(record?.source_title ?? null);
      expect(values['flesch']).toBe(record?.flesch);
      expect(values['attempts']).toBe(record?.attempts);
      const embedding = embeddingAt(embeddings, row);
      expect(values['question_embedding']).toEqual(embedding ? Array.from(embedding) : null);
    }
    const train = inspect(join(folder, 'train.parquet'));
    expect(train.num_rows).toBe(1_000);
    expect(train.row_group_rows).toEqual([300, 300, 300, 100]);
  });

  it('reads every compression we write', async () => {
    const table = new arrow.Table({
      text: makeUtf8Vector(Array.from({ length: 500 }, (_, row) => `Zürich 東京 🎙️ ${row}`)),
      value: arrow.makeVector(Float64Array.from({ length: 500 }, (_, row) => row / 2)),
    });
    for (const [compression, codec] of [
      ['zstd', 'ZSTD'],
      ['snappy', 'SNAPPY'],
      ['gzip', 'GZIP'],
      ['none', 'UNCOMPRESSED'],
    ] as const) {
      const path = join(dir, `${compression}.parquet`);
      await writeParquet(path, table, { compression });
      const result = inspect(path, ['text', 'value']);
      expect(result.num_rows).toBe(500);
      expect(result.compression).toBe(codec);
      expect(result.rows[3]).toEqual({ text: 'Zürich 東京 🎙️ 3', value: 1.5 });
    }
  });
});

describe.skipIf(unavailable !== undefined)('we read what pyarrow writes (format 2.6)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await temporaryDirectory();
  });

  for (const [compression, pageVersion] of [
    ['zstd', '1.0'],
    ['snappy', '1.0'],
    ['zstd', '2.0'],
  ] as const) {
    it(`reads ${compression} with data page ${pageVersion}`, async () => {
      const path = join(dir, `pyarrow-${compression}-${pageVersion}.parquet`);
      runPython('write_parquet.py', [path, compression, pageVersion]);
      const check = inspect(path);
      expect(check.format_version).toBe('2.6');
      const metadata = await readParquetMetadata(path);
      expect(metadata.numRows).toBe(2_500);
      expect(metadata.rowGroupRows).toEqual([1_000, 1_000, 500]);
      expect(metadata.createdBy).toMatch(/^parquet-cpp-arrow/);
      const table = await readParquetTable(path);
      const types = Object.fromEntries(table.schema.fields.map((field) => [field.name, String(field.type)]));
      expect(types).toMatchObject({
        id: 'Utf8',
        text: 'LargeUtf8',
        count: 'Int64',
        small: 'Int32',
        score: 'Float64',
        half: 'Float32',
        flag: 'Bool',
        embedding: 'List<Float32>',
        fixed: 'FixedSizeList[3]<Float32>',
      });
      expect(types['category']).toMatch(/^Dictionary<Int32, Utf8>/);
      expect(types['created']).toMatch(/^Timestamp/);
      const texts = ['plain', 'Zürich — naïve', '東京 🎙️ 👩‍💻', ''];
      const mismatches: number[] = [];
      for (let row = 0; row < table.numRows; row++) {
        const get = (name: string) => table.getChild(name)?.get(row);
        const embedding = get('embedding') as arrow.Vector | null;
        const ok =
          get('id') === `row-${row}` &&
          get('text') === (row % 7 === 6 ? null : texts[row % 4]) &&
          get('count') === BigInt(row) * 10_000_000_000n &&
          get('small') === row - 1000 &&
          get('score') === row / 4 &&
          get('half') === row / 8 &&
          get('flag') === (row % 3 === 0) &&
          JSON.stringify(embedding ? Array.from(embedding.toArray() as Float32Array) : null) ===
            JSON.stringify(row % 5 === 4 ? null : [row, 0.5]) &&
          JSON.stringify(Array.from((get('fixed') as arrow.Vector).toArray() as Float32Array)) ===
            JSON.stringify([row, -1, 2.5]) &&
          get('category') === ['alpha', 'beta', 'gamma'][row % 3] &&
          Number(get('created')) === Date.UTC(2025, 0, 1) + row * 1000;
        if (!ok) mismatches.push(row);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
