import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createParquetWriter,
  embeddingAt,
  makeEmbeddingVector,
  makeUtf8Vector,
  readParquet,
  readParquetMetadata,
  readParquetTable,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftovers, temporaryDirectory } from './support/temporary-directory.js';

const unicode = ['plain', 'Zürich — naïve', '東京 🎙️ 👩‍💻', '', 'a\u0000b', 'تست'];

function mixedTable(rows: number): arrow.Table {
  const embeddings = Array.from({ length: rows }, (_, row) =>
    row % 5 === 4 ? null : Float32Array.from({ length: 8 }, (_, d) => row + d / 8),
  );
  return new arrow.Table({
    id: makeUtf8Vector(Array.from({ length: rows }, (_, row) => `row-${row}`)),
    text: makeUtf8Vector(
      Array.from({ length: rows }, (_, row) => (row % 7 === 6 ? null : unicode[row % unicode.length])),
    ),
    score: arrow.makeVector(Float64Array.from({ length: rows }, (_, row) => row / 3)),
    count: arrow.makeVector(Int32Array.from({ length: rows }, (_, row) => row - 1000)),
    big: arrow.makeVector(BigInt64Array.from({ length: rows }, (_, row) => BigInt(row) * 10_000_000_000n)),
    flag: arrow.vectorFromArray(Array.from({ length: rows }, (_, row) => row % 3 === 0)),
    embedding: makeEmbeddingVector(embeddings, 8),
  });
}

let dir: string;
beforeAll(async () => {
  dir = await temporaryDirectory();
});

describe('Parquet round trip', () => {
  it('keeps values, nulls, unicode and embeddings, row group by row group', async () => {
    const table = mixedTable(25_000);
    const path = join(dir, 'mixed.parquet');
    const result = await writeParquet(path, table, { rowGroupSize: 10_000 });
    expect(result.rows).toBe(25_000);
    expect(result.bytes).toBe((await stat(path)).size);

    const metadata = await readParquetMetadata(path);
    expect(metadata.numRows).toBe(25_000);
    expect(metadata.rowGroupRows).toEqual([10_000, 10_000, 5_000]);
    expect(metadata.createdBy).toMatch(/parquet-rs/);
    expect(metadata.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual([
      'id:Utf8',
      'text:Utf8',
      'score:Float64',
      'count:Int32',
      'big:Int64',
      'flag:Bool',
      'embedding:FixedSizeList[8]<Float32>',
    ]);

    const sizes: number[] = [];
    const mismatches: string[] = [];
    let row = 0;
    for await (const batch of readParquet(path, { batchSize: 4_000 })) {
      sizes.push(batch.numRows);
      const column = (name: string) => batch.getChild(name) as arrow.Vector;
      const embeddings = column('embedding') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>;
      for (let index = 0; index < batch.numRows; index++, row++) {
        const embedding = embeddingAt(embeddings, index);
        const expectedEmbedding =
          row % 5 === 4 ? null : Array.from({ length: 8 }, (_, d) => Math.fround(row + d / 8));
        const ok =
          column('id').get(index) === `row-${row}` &&
          column('text').get(index) === (row % 7 === 6 ? null : unicode[row % unicode.length]) &&
          column('score').get(index) === row / 3 &&
          column('count').get(index) === row - 1000 &&
          column('big').get(index) === BigInt(row) * 10_000_000_000n &&
          column('flag').get(index) === (row % 3 === 0) &&
          JSON.stringify(embedding && Array.from(embedding)) === JSON.stringify(expectedEmbedding);
        if (!ok) mismatches.push(`row ${row}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(row).toBe(25_000);
    // Batches never span row groups: 10,000 rows in batches of 4,000 end with a 2,000-row batch.
    expect(sizes).toEqual([4_000, 4_000, 2_000, 4_000, 4_000, 2_000, 4_000, 1_000]);
  });

  it('returns embeddings as views on the column memory, not copies', async () => {
    const path = join(dir, 'views.parquet');
    await writeParquet(path, mixedTable(100));
    const table = await readParquetTable(path);
    const column = table.getChild('embedding') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>;
    const first = embeddingAt(column, 0);
    const second = embeddingAt(column, 1);
    expect(first).toBeInstanceOf(Float32Array);
    const values = column.data[0]?.children[0]?.values as Float32Array;
    expect(first?.buffer).toBe(values.buffer);
    expect(second?.byteOffset).toBe((first?.byteOffset ?? 0) + 8 * 4);
    expect(() => embeddingAt(column, 100)).toThrow(/out of range/);
  });

  it('reads selected columns and row groups in the order asked', async () => {
    const path = join(dir, 'select.parquet');
    await writeParquet(path, mixedTable(300), { rowGroupSize: 100 });
    const ids: string[] = [];
    for await (const batch of readParquet(path, { columns: ['id', 'embedding'], rowGroups: [2, 0] })) {
      expect(batch.schema.fields.map((field) => field.name)).toEqual(['id', 'embedding']);
      for (let index = 0; index < batch.numRows; index++)
        ids.push(batch.getChild('id')?.get(index) as string);
    }
    expect(ids).toHaveLength(200);
    expect(ids[0]).toBe('row-200');
    expect(ids[100]).toBe('row-0');
    await expect(readParquetTable(path, { columns: ['id', 'nope'] })).rejects.toThrow(
      /has no column "nope".*columns are id, text/,
    );
    await expect(readParquetTable(path, { rowGroups: [3] })).rejects.toThrow(
      /3 row groups; 3 is out of range/,
    );
  });

  it('writes every compression, and zstd is smaller than none', async () => {
    const table = mixedTable(2_000);
    const sizes: Record<string, number> = {};
    for (const compression of ['zstd', 'snappy', 'gzip', 'none'] as const) {
      const path = join(dir, `compression-${compression}.parquet`);
      sizes[compression] = (await writeParquet(path, table, { compression })).bytes;
      const back = await readParquetTable(path);
      expect(back.numRows).toBe(2_000);
      expect(back.getChild('text')?.get(2)).toBe(unicode[2]);
    }
    expect(sizes['zstd']).toBeLessThan(sizes['none'] as number);
  });

  it('writes an empty file that still has the columns', async () => {
    const path = join(dir, 'empty.parquet');
    const schema = mixedTable(1).schema;
    const writer = createParquetWriter(path, { schema });
    expect(await writer.close()).toEqual({ rows: 0, bytes: (await stat(path)).size });
    const table = await readParquetTable(path);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((field) => field.name)).toEqual(schema.fields.map((field) => field.name));
  });

  it('streams from an async iterable of batches and keeps footer metadata', async () => {
    const path = join(dir, 'stream.parquet');
    const source = mixedTable(50);
    async function* batches() {
      yield source.slice(0, 20).batches[0] as arrow.RecordBatch;
      yield source.slice(20).batches[0] as arrow.RecordBatch;
    }
    const result = await writeParquet(path, batches(), { keyValueMetadata: { 'tonekit.note': 'hello' } });
    expect(result.rows).toBe(50);
    const metadata = await readParquetMetadata(path);
    expect(metadata.keyValueMetadata.get('tonekit.note')).toBe('hello');
    const table = await readParquetTable(path);
    expect(table.getChild('id')?.get(49)).toBe('row-49');
  });
});

describe('createParquetWriter', () => {
  it('shows nothing at the path until close, then renames atomically', async () => {
    const sub = join(dir, 'atomic');
    const path = join(sub, 'out.parquet');
    const table = mixedTable(10);
    const writer = createParquetWriter(path, { schema: table.schema });
    await writer.write(table);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect((await readdir(sub)).some((name) => name.startsWith('out.parquet.tmp-'))).toBe(true);
    await writer.close();
    expect(await readdir(sub)).toEqual(['out.parquet']);
    await expect(writer.write(table)).rejects.toThrow(/is closed/);
  });

  it('accepts columns in any order and rejects mismatching batches without breaking the writer', async () => {
    const path = join(dir, 'conform.parquet');
    const table = mixedTable(10);
    const writer = createParquetWriter(path, { schema: table.schema });
    const reordered = table.select(['embedding', 'id', 'text', 'score', 'count', 'big', 'flag']);
    await writer.write(reordered);
    const missing = table.select(['id', 'text']);
    await expect(writer.write(missing)).rejects.toThrow(/missing column score/);
    const wrongType = new arrow.Table({
      ...Object.fromEntries(
        table.schema.fields.map((field) => [field.name, table.getChild(field.name) as arrow.Vector]),
      ),
      count: arrow.makeVector(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
    });
    await expect(writer.write(wrongType)).rejects.toThrow(/column count is Float64, expected Int32/);
    await writer.write(table);
    expect((await writer.close()).rows).toBe(20);
    const back = await readParquetTable(path);
    expect(back.getChild('id')?.get(10)).toBe('row-0');
  });

  it('rejects nulls in a non-nullable column', async () => {
    const schema = new arrow.Schema([new arrow.Field('name', new arrow.Utf8(), false)]);
    const writer = createParquetWriter(join(dir, 'nonnull.parquet'), { schema });
    const table = new arrow.Table({ name: makeUtf8Vector(['a', null]) });
    await expect(writer.write(table)).rejects.toThrow(/not nullable but has 1 nulls/);
    await writer.abort();
  });

  it('abort() and a fired abortSignal leave no file and no temporary file', async () => {
    const sub = join(dir, 'aborted');
    const table = mixedTable(5_000);
    const writer = createParquetWriter(join(sub, 'a.parquet'), { schema: table.schema, rowGroupSize: 1_000 });
    await writer.write(table);
    await writer.abort();
    expect(await readdir(sub)).toEqual([]);

    const controller = new AbortController();
    const second = createParquetWriter(join(sub, 'b.parquet'), {
      schema: table.schema,
      abortSignal: controller.signal,
    });
    await second.write(table);
    controller.abort(new Error('user pressed Ctrl-C'));
    await expect(second.write(table)).rejects.toThrow(/cancelled/);
    await expect(second.close()).rejects.toThrow(/cancelled/);
    // abort() runs from the signal's listener; give it a turn to finish removing the file.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(sub)).toEqual([]);
  });

  it('cleans up with await using when close() is never reached', async () => {
    const sub = join(dir, 'disposed');
    const table = mixedTable(10);
    await expect(
      (async () => {
        await using writer = createParquetWriter(join(sub, 'c.parquet'), { schema: table.schema });
        await writer.write(table);
        throw new Error('failed halfway');
      })(),
    ).rejects.toThrow('failed halfway');
    expect(await readdir(sub)).toEqual([]);
    expect(await leftovers(sub)).toEqual([]);
  });

  it('refuses a second write before the first has finished', async () => {
    const table = mixedTable(30_000);
    const writer = createParquetWriter(join(dir, 'concurrent.parquet'), { schema: table.schema });
    const first = writer.write(table);
    await expect(writer.write(table)).rejects.toThrow(/before the previous write\(\) finished/);
    await first;
    expect((await writer.close()).rows).toBe(30_000);
  });

  it('validates its options', () => {
    const schema = mixedTable(1).schema;
    expect(() => createParquetWriter(join(dir, 'x.parquet'), { schema, rowGroupSize: 0 })).toThrow(
      /rowGroupSize/,
    );
    expect(() =>
      createParquetWriter(join(dir, 'x.parquet'), { schema, compression: 'lzo' as 'zstd' }),
    ).toThrow(/compression/);
    expect(() => createParquetWriter(join(dir, 'x.parquet'), { schema: new arrow.Schema([]) })).toThrow(
      /no columns/,
    );
  });
});
