import { embeddingAt, makeEmbeddingVector, makeUtf8Vector, takeRows } from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';

describe('takeRows', () => {
  it('gathers rows in the given order across chunks, keeping nulls and every column type', () => {
    const part = (start: number, length: number) =>
      new arrow.Table({
        text: makeUtf8Vector(
          Array.from({ length }, (_, row) => ((start + row) % 4 === 3 ? null : `t${start + row} é`)),
        ),
        int: arrow.makeVector(Int32Array.from({ length }, (_, row) => start + row)),
        big: arrow.makeVector(BigInt64Array.from({ length }, (_, row) => BigInt(start + row) << 40n)),
        float: arrow.makeVector(Float64Array.from({ length }, (_, row) => (start + row) / 2)),
        flag: arrow.vectorFromArray(Array.from({ length }, (_, row) => (start + row) % 2 === 0)),
        list: arrow.vectorFromArray(
          Array.from({ length }, (_, row) => [start + row, -(start + row)]),
          new arrow.List(new arrow.Field('item', new arrow.Int32(), true)),
        ),
        pair: arrow.vectorFromArray(
          Array.from({ length }, (_, row) => ({ a: start + row, b: `s${start + row}` })),
          new arrow.Struct([new arrow.Field('a', new arrow.Int32()), new arrow.Field('b', new arrow.Utf8())]),
        ),
        embedding: makeEmbeddingVector(
          Array.from({ length }, (_, row) =>
            (start + row) % 5 === 0 ? null : Float32Array.of(start + row, 0.5),
          ),
          2,
        ),
      });
    // Three chunks, one of them a slice (non-zero offsets).
    const table = part(0, 10).concat(part(10, 10).slice(3), part(17, 8));
    expect(table.data.length).toBe(3);
    const indices = [24, 0, 7, 7, 13, 3, 20];
    const taken = takeRows(table, indices);
    expect(taken.numRows).toBe(indices.length);
    expect(taken.schema.fields).toEqual(table.schema.fields);
    for (const [row, index] of indices.entries()) {
      for (const name of ['text', 'int', 'big', 'float', 'flag'] as const) {
        expect(taken.getChild(name)?.get(row)).toEqual(table.getChild(name)?.get(index));
      }
      expect(taken.getChild('list')?.get(row)?.toArray()).toEqual(
        table.getChild('list')?.get(index)?.toArray(),
      );
      expect(taken.getChild('pair')?.get(row)?.toJSON()).toEqual(
        table.getChild('pair')?.get(index)?.toJSON(),
      );
      const embedding = embeddingAt(
        taken.getChild('embedding') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>,
        row,
      );
      const original = embeddingAt(
        table.getChild('embedding') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>,
        index,
      );
      expect(embedding).toEqual(original);
      // The first value encodes the source row (the middle chunk starts at row 13), so this also checks
      // embeddingAt on the sliced chunk.
      const source = index >= 10 && index < 17 ? index + 3 : index;
      expect(original?.[0] ?? null).toBe(source % 5 === 0 ? null : source);
    }
    expect(taken.getChild('text')?.get(5)).toBeNull();
    expect(taken.getChild('text')?.get(0)).toBe('t24 é');
    expect(takeRows(table, []).numRows).toBe(0);
  });
});
