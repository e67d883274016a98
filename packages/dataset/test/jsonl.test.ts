import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DatasetFormatError,
  makeEmbeddingVector,
  makeUtf8Vector,
  readJsonl,
  readParquet,
  tableToJsonl,
  toJsonValue,
  writeJsonl,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftovers, temporaryDirectory } from './support/temporary-directory.js';

let dir: string;
beforeAll(async () => {
  dir = await temporaryDirectory();
});

async function collect(path: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const row of readJsonl(path)) rows.push(row);
  return rows;
}

describe('writeJsonl / readJsonl', () => {
  it('round-trips objects with unicode, nesting, typed arrays and bigints', async () => {
    const path = join(dir, 'round.jsonl');
    const rows = [
      { id: 1, text: 'Zürich 東京 🎙️ line\nbreak "quoted"', nested: { list: [1, 2, { deep: true }] } },
      {
        id: 2,
        embedding: Float32Array.of(0.5, -1.25),
        big: 2n ** 60n,
        small: 7n,
        missing: undefined,
        nan: Number.NaN,
      },
    ];
    const result = await writeJsonl(path, rows);
    expect(result.rows).toBe(2);
    expect(result.bytes).toBe((await stat(path)).size);
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
    expect(await collect(path)).toEqual([
      rows[0],
      { id: 2, embedding: [0.5, -1.25], big: '1152921504606846976', small: 7, nan: null },
    ]);
  });

  it('streams from an async iterable', async () => {
    const path = join(dir, 'async.jsonl');
    async function* rows() {
      for (let index = 0; index < 5_000; index++) yield { index };
    }
    expect((await writeJsonl(path, rows())).rows).toBe(5_000);
    const back = await collect(path);
    expect(back).toHaveLength(5_000);
    expect(back[4_999]).toEqual({ index: 4_999 });
  });

  it('skips blank lines and accepts CRLF and a byte-order mark', async () => {
    const path = join(dir, 'crlf.jsonl');
    await writeFile(path, '\ufeff{"a":1}\r\n\r\n   \r\n{"a":2}\r\n');
    expect(await collect(path)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the file and the line of a bad line, after yielding the rows before it', async () => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, '{"a":1}\n\n{"a":2}\n{"a": 3,,}\n{"a":4}\n');
    const seen: unknown[] = [];
    let error: unknown;
    try {
      for await (const row of readJsonl(path)) seen.push(row);
    } catch (caught) {
      error = caught;
    }
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as DatasetFormatError).line).toBe(4);
    expect((error as DatasetFormatError).file).toBe(path);
    expect((error as Error).message).toContain(`${path}:4: not valid JSON`);
  });

  it('rejects lines that are JSON but not objects', async () => {
    const path = join(dir, 'array.jsonl');
    await writeFile(path, '{"a":1}\n[1,2]\n');
    await expect(collect(path)).rejects.toThrow(`${path}:2: expected a JSON object, got an array`);
    await writeFile(path, '42\n');
    await expect(collect(path)).rejects.toThrow(`${path}:1: expected a JSON object, got 42`);
  });

  it('a failing source leaves the previous file untouched and no temporary file', async () => {
    const path = join(dir, 'keep.jsonl');
    await writeJsonl(path, [{ keep: true }]);
    async function* failing() {
      yield { partial: true };
      throw new Error('source broke');
    }
    await expect(writeJsonl(path, failing())).rejects.toThrow('source broke');
    expect(await collect(path)).toEqual([{ keep: true }]);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('reports a missing file as an argument error', async () => {
    await expect(collect(join(dir, 'nope.jsonl'))).rejects.toThrow(/Invalid argument `path`.*ENOENT/);
  });
});

describe('tableToJsonl', () => {
  it('exports a Parquet stream with embeddings as arrays and nulls as null', async () => {
    const parquet = join(dir, 'export.parquet');
    await writeParquet(
      parquet,
      new arrow.Table({
        id: makeUtf8Vector(['a', 'b', 'c']),
        title: makeUtf8Vector(['Ä', null, '🎙️']),
        count: arrow.makeVector(BigInt64Array.of(1n, 2n, 3n)),
        embedding: makeEmbeddingVector([Float32Array.of(0.25, 0.5), null, Float32Array.of(1, 2)], 2),
      }),
    );
    const path = join(dir, 'export.jsonl');
    const result = await tableToJsonl(readParquet(parquet), path);
    expect(result.rows).toBe(3);
    expect(await collect(path)).toEqual([
      { id: 'a', title: 'Ä', count: 1, embedding: [0.25, 0.5] },
      { id: 'b', title: null, count: 2, embedding: null },
      { id: 'c', title: '🎙️', count: 3, embedding: [1, 2] },
    ]);
    const selected = join(dir, 'selected.jsonl');
    await tableToJsonl(readParquet(parquet), selected, { columns: ['embedding', 'id'] });
    expect((await readFile(selected, 'utf8')).split('\n')[0]).toBe('{"embedding":[0.25,0.5],"id":"a"}');
    await expect(
      tableToJsonl(readParquet(parquet), join(dir, 'x.jsonl'), { columns: ['nope'] }),
    ).rejects.toThrow(/no column nope; the data has id, title, count, embedding/);
  });

  it('converts values with toJsonValue', () => {
    expect(toJsonValue(new Date(Date.UTC(2025, 0, 2)))).toBe('2025-01-02T00:00:00.000Z');
    expect(toJsonValue(new Map([['k', 1n]]))).toEqual({ k: 1 });
    expect(toJsonValue(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toJsonValue(arrow.vectorFromArray([1, 2, 3]))).toEqual([1, 2, 3]);
  });
});
