import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  embeddingAt,
  makeUtf8Vector,
  qaRecordsToTable,
  readParquetMetadata,
  readParquetTable,
  readQaRecords,
  writeDatasetFolder,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeQaRecords } from './support/make-qa-records.js';
import { temporaryDirectory } from './support/temporary-directory.js';

// DuckDB is the reference reader (DESIGN §4): files we write must open in it unchanged.
let dir: string;
let instance: DuckDBInstance;
let connection: Awaited<ReturnType<DuckDBInstance['connect']>>;

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;

beforeAll(async () => {
  dir = await temporaryDirectory();
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

describe('DuckDB reads what we write', () => {
  it('opens every file of a dataset folder with the right counts, values, unicode and embeddings', async () => {
    const records = makeQaRecords(1_500, { dimensions: 6 });
    const folder = join(dir, 'dataset');
    const manifest = await writeDatasetFolder(folder, {
      records,
      validationSize: 300,
      subsetSizes: [50, 1_000],
      seed: 99,
      rowGroupSize: 400,
    });
    for (const [file, entry] of Object.entries(manifest.files)) {
      const [row] = await query(`SELECT count(*) AS n FROM read_parquet(${quote(join(folder, file))})`);
      expect(Number(row?.['n']), file).toBe(entry.rows);
    }
    const path = join(folder, 'train.parquet');
    const columns = await query(`DESCRIBE SELECT * FROM read_parquet(${quote(path)})`);
    expect(
      Object.fromEntries(columns.map((column) => [column['column_name'], column['column_type']])),
    ).toEqual({
      id: 'VARCHAR',
      source_id: 'VARCHAR',
      source_title: 'VARCHAR',
      source_text: 'VARCHAR',
      question: 'VARCHAR',
      answer: 'VARCHAR',
      conversational_answer: 'VARCHAR',
      flesch: 'DOUBLE',
      attempts: 'INTEGER',
      question_embedding: 'FLOAT[]',
      model: 'VARCHAR',
      created_at: 'VARCHAR',
    });
    const byId = new Map(records.map((record) => [record.id, record]));
    const rows = await query(
      `SELECT id, source_title, source_text, conversational_answer, flesch, attempts, question_embedding
       FROM read_parquet(${quote(path)}) ORDER BY id LIMIT 40`,
    );
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      const record = byId.get(row['id'] as string);
      expect(row['source_title']).toBe(record?.source_title ?? null);
      expect(row['source_text']).toBe(record?.source_text);
      expect(row['conversational_answer']).toBe(record?.conversational_answer);
      expect(row['flesch']).toBe(record?.flesch);
      expect(row['attempts']).toBe(record?.attempts);
      expect(row['question_embedding']).toEqual(Array.from(record?.question_embedding ?? []));
    }
    const [unicode] = await query(
      `SELECT count(*) AS n FROM read_parquet(${quote(path)}) WHERE source_text LIKE '%東京は日本の首都です。%'`,
    );
    const expected = (await readParquetTable(path))
      .getChild('source_text')
      ?.toArray()
      .filter((text: string) => text.includes('東京'));
    expect(Number(unicode?.['n'])).toBe(expected?.length);
    expect(Number(unicode?.['n'])).toBeGreaterThan(100);
    const [dimensions] = await query(
      `SELECT min(len(question_embedding)) AS low, max(len(question_embedding)) AS high FROM read_parquet(${quote(path)})`,
    );
    expect([Number(dimensions?.['low']), Number(dimensions?.['high'])]).toEqual([6, 6]);
  });
});

describe('we read what DuckDB writes', () => {
  for (const codec of ['zstd', 'snappy', 'uncompressed']) {
    it(`reads a ${codec} file from COPY ... TO, including lists and unicode`, async () => {
      const path = join(dir, `duckdb-${codec}.parquet`);
      await query(
        `COPY (
           SELECT i AS n,
                  'row ' || i || ' Zürich 東京 🎙️' AS text,
                  CASE WHEN i % 4 = 0 THEN NULL ELSE 'title ' || i END AS title,
                  [i::FLOAT, 0.5::FLOAT] AS embedding,
                  i / 8 AS ratio
           FROM range(3000) t(i)
         ) TO ${quote(path)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 1024)`,
      );
      const metadata = await readParquetMetadata(path);
      expect(metadata.numRows).toBe(3_000);
      expect(metadata.createdBy).toMatch(/DuckDB/i);
      const table = await readParquetTable(path);
      const mismatches: number[] = [];
      for (let row = 0; row < 3_000; row++) {
        const get = (name: string) => table.getChild(name)?.get(row);
        const embedding = get('embedding') as arrow.Vector;
        const ok =
          Number(get('n')) === row &&
          get('text') === `row ${row} Zürich 東京 🎙️` &&
          get('title') === (row % 4 === 0 ? null : `title ${row}`) &&
          JSON.stringify(Array.from(embedding.toArray() as Float32Array)) === JSON.stringify([row, 0.5]) &&
          get('ratio') === row / 8;
        if (!ok) mismatches.push(row);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('reads DuckDB-written QA records through the QA schema check (list embeddings accepted)', async () => {
    const records = makeQaRecords(20, { dimensions: 3 });
    const ours = join(dir, 'qa-ours.parquet');
    await writeParquet(ours, qaRecordsToTable(records));
    const theirs = join(dir, 'qa-duckdb.parquet');
    await query(`COPY (SELECT * FROM read_parquet(${quote(ours)})) TO ${quote(theirs)} (FORMAT parquet)`);
    const back = [];
    for await (const record of readQaRecords(theirs)) back.push(record);
    expect(back.map((record) => record.id)).toEqual(records.map((record) => record.id));
    expect(back[5]?.question_embedding).toEqual(records[5]?.question_embedding);
    expect(back[5]?.source_text).toBe(records[5]?.source_text);
  });
});

describe('embeddings', () => {
  it('keep Float32 precision from our writer to DuckDB and back to us', async () => {
    const path = join(dir, 'precision.parquet');
    const value = Math.fround(0.1);
    await writeParquet(
      path,
      new arrow.Table({
        id: makeUtf8Vector(['a']),
        e: arrow.makeVector(
          arrow.makeData({
            type: new arrow.FixedSizeList(1, new arrow.Field('item', new arrow.Float32(), false)),
            length: 1,
            nullCount: 0,
            child: arrow.makeData({
              type: new arrow.Float32(),
              length: 1,
              nullCount: 0,
              data: Float32Array.of(value),
            }),
          }),
        ),
      }),
    );
    const [row] = await query(`SELECT e[1] AS v FROM read_parquet(${quote(path)})`);
    expect(row?.['v']).toBe(value);
    const table = await readParquetTable(path);
    expect(embeddingAt(table.getChild('e') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>, 0)?.[0]).toBe(
      value,
    );
  });
});
