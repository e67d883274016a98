import { InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';

/** The Arrow type of an embedding column: `FixedSizeList<Float32>[dimensions]`, items non-null. */
export function embeddingType(dimensions: number): arrow.FixedSizeList<arrow.Float32> {
  if (!Number.isSafeInteger(dimensions) || dimensions < 1) {
    throw new InvalidArgumentError({
      argument: 'dimensions',
      value: dimensions,
      message: 'expected a positive integer.',
    });
  }
  // "item" is the child name pyarrow and arrow-rs use, so the column round-trips without renames.
  return new arrow.FixedSizeList(dimensions, new arrow.Field('item', new arrow.Float32(), false));
}

/**
 * Builds an embedding column from one vector per row (`null`/`undefined` for rows without one). The
 * values are copied once into a single Float32Array, which is the column's storage.
 */
export function makeEmbeddingVector(
  embeddings: ReadonlyArray<ArrayLike<number> | null | undefined>,
  dimensions: number,
): arrow.Vector<arrow.FixedSizeList<arrow.Float32>> {
  const type = embeddingType(dimensions);
  const length = embeddings.length;
  const values = new Float32Array(length * dimensions);
  let nullCount = 0;
  const validity = new Uint8Array(Math.ceil(length / 8));
  for (let row = 0; row < length; row++) {
    const embedding = embeddings[row];
    if (embedding === null || embedding === undefined) {
      nullCount++;
      continue;
    }
    if (embedding.length !== dimensions) {
      throw new InvalidArgumentError({
        argument: `embeddings[${row}]`,
        value: embedding.length,
        message: `has ${embedding.length} dimensions, expected ${dimensions}.`,
      });
    }
    validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
    values.set(embedding, row * dimensions);
  }
  const child = arrow.makeData({
    type: new arrow.Float32(),
    length: length * dimensions,
    nullCount: 0,
    data: values,
  });
  const data = arrow.makeData({
    type,
    length,
    nullCount,
    nullBitmap: nullCount > 0 ? validity : undefined,
    child,
  });
  return arrow.makeVector(data);
}

/**
 * The embedding of one row as a Float32Array that views the column's memory (no copy), or null.
 * Works on a column of any number of chunks, e.g. `table.getChild('question_embedding')`.
 */
export function embeddingAt(
  column: arrow.Vector<arrow.FixedSizeList<arrow.Float32>>,
  row: number,
): Float32Array | null {
  let index = row;
  for (const data of column.data) {
    if (index < data.length) {
      if (!data.getValid(index)) return null;
      const dimensions = data.type.listSize;
      const child = data.children[0] as arrow.Data<arrow.Float32>;
      // Sliced Data has its child already sliced to the first row: no offset to add.
      const start = index * dimensions;
      return child.values.subarray(start, start + dimensions);
    }
    index -= data.length;
  }
  throw new InvalidArgumentError({
    argument: 'row',
    value: row,
    message: `out of range for a column of ${column.length} rows.`,
  });
}
