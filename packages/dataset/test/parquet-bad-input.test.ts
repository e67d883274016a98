import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { InvalidArgumentError } from '@tonekit/core';
import {
  DatasetFormatError,
  DatasetSchemaError,
  makeUtf8Vector,
  readParquet,
  readParquetMetadata,
  readParquetTable,
  readQaRecords,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftovers, temporaryDirectory } from './support/temporary-directory.js';

let dir: string;
let good: string;
let goodBytes: Buffer;

function table(rows: number): arrow.Table {
  return new arrow.Table({
    id: makeUtf8Vector(Array.from({ length: rows }, (_, row) => `row-${row}`)),
    value: arrow.makeVector(Float64Array.from({ length: rows }, (_, row) => row)),
  });
}

async function readAll(path: string): Promise<number> {
  let rows = 0;
  for await (const batch of readParquet(path)) rows += batch.numRows;
  return rows;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = await temporaryDirectory();
  good = join(dir, 'good.parquet');
  await writeParquet(good, table(3_000), { rowGroupSize: 1_000 });
  goodBytes = await readFile(good);
});

describe('reading bad Parquet files', () => {
  it('a file cut in half fails with a DatasetFormatError naming the file', async () => {
    const path = join(dir, 'half.parquet');
    await writeFile(path, goodBytes.subarray(0, Math.floor(goodBytes.length / 2)));
    const error = await caught(readAll(path));
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as DatasetFormatError).file).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/Corrupt footer|Invalid Parquet/i);
  });

  it('random bytes and an empty file are not Parquet', async () => {
    const random = join(dir, 'random.parquet');
    await writeFile(
      random,
      Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256)),
    );
    const empty = join(dir, 'empty.parquet');
    await writeFile(empty, '');
    for (const path of [random, empty]) {
      const error = await caught(readParquetMetadata(path));
      expect(DatasetFormatError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(`Could not open Parquet file ${path}`);
    }
  });

  it('a corrupt data page names the row group, and the process survives the decoder crash', async () => {
    // The first page header sits right after the "PAR1" magic; the footer stays intact.
    const corrupt = Buffer.from(goodBytes);
    corrupt.fill(0xff, 4, 64);
    const path = join(dir, 'corrupt-page.parquet');
    await writeFile(path, corrupt);
    expect((await readParquetMetadata(path)).numRows).toBe(3_000);
    const error = await caught(readAll(path));
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as DatasetFormatError).rowGroup).toBe(0);
    expect((error as Error).message).toContain(`row group 0 of ${path}`);
    // parquet-wasm panics on this input; the worker died, not us, and the next read works.
    expect(await readAll(good)).toBe(3_000);
  });

  it('a corrupt page in a later row group is blamed on that row group, after the earlier rows', async () => {
    // DuckDB tells where row group 1 starts.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT coalesce(dictionary_page_offset, data_page_offset) AS start FROM parquet_metadata('${good}')
         WHERE row_group_id = 1 AND column_id = 0`,
      )
    ).getRowObjectsJson();
    connection.closeSync();
    instance.closeSync();
    const start = Number(rows[0]?.['start']);
    expect(start).toBeGreaterThan(4);
    const corrupt = Buffer.from(goodBytes);
    corrupt.fill(0xff, start, start + 60);
    const path = join(dir, 'corrupt-second-group.parquet');
    await writeFile(path, corrupt);
    let rowsBefore = 0;
    let error: unknown;
    try {
      for await (const batch of readParquet(path, { batchSize: 250 })) rowsBefore += batch.numRows;
    } catch (caught) {
      error = caught;
    }
    expect((error as DatasetFormatError).rowGroup).toBe(1);
    expect((error as Error).message).toContain(`row group 1 of ${path}`);
    expect(rowsBefore).toBe(1_000);
  });

  it('a missing path is the caller’s mistake, not a format error', async () => {
    const error = await caught(readAll(join(dir, 'nope.parquet')));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/ENOENT/);
    const folder = await caught(readAll(dir));
    expect((folder as Error).message).toMatch(/is not a file/);
  });

  it('a Parquet file with other columns is rejected before any row, listing expected and found', async () => {
    const error = await caught(
      (async () => {
        for await (const _ of readQaRecords(good)) throw new Error('no row should be read');
      })(),
    );
    expect(DatasetSchemaError.isInstance(error)).toBe(true);
    const schemaError = error as DatasetSchemaError;
    expect(schemaError.found).toEqual(['id: Utf8?', 'value: Float64']);
    expect(schemaError.expected).toContain('question: Utf8');
    expect(schemaError.problems).toContain('missing column question');
    expect(schemaError.message).toContain('expected: id: Utf8, source_id: Utf8');
    expect(schemaError.message).toContain('found:    id: Utf8?, value: Float64');
  });
});

describe('failed writes leave nothing half-written', () => {
  it('a stream that fails midway leaves no file and no temporary file', async () => {
    const sub = join(dir, 'failing');
    const path = join(sub, 'out.parquet');
    async function* failing() {
      yield table(100).batches[0] as arrow.RecordBatch;
      throw new Error('source broke');
    }
    await expect(writeParquet(path, failing())).rejects.toThrow('source broke');
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect(await leftovers(sub)).toEqual([]);
  });

  it('a failed rewrite leaves the previous file untouched', async () => {
    const path = join(dir, 'keep.parquet');
    await writeParquet(path, table(10));
    const before = await readFile(path);
    const wrong = new arrow.Table({ id: makeUtf8Vector(['x']), other: arrow.makeVector(Int32Array.of(1)) });
    async function* batches() {
      yield table(5).batches[0] as arrow.RecordBatch;
      yield wrong.batches[0] as arrow.RecordBatch;
    }
    await expect(writeParquet(path, batches())).rejects.toThrow(/missing column value/);
    expect(await readFile(path)).toEqual(before);
    expect((await readParquetTable(path)).numRows).toBe(10);
    expect(await leftovers(dir)).toEqual([]);
  });
});
