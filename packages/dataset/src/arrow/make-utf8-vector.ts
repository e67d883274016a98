import { InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';

const encoder = new TextEncoder();

/**
 * A Utf8 column from strings, encoded straight into one buffer. Several times faster than
 * `vectorFromArray`'s builder for large text columns, which matters when converting 100k records.
 */
export function makeUtf8Vector(values: ReadonlyArray<string | null | undefined>): arrow.Vector<arrow.Utf8> {
  const length = values.length;
  const offsets = new Int32Array(length + 1);
  let capacity = 0;
  for (const value of values) if (value) capacity += value.length * 3;
  if (capacity > 2 ** 31 - 1) {
    // A UTF-8 upper bound above the Int32 offset range: measure exactly before giving up.
    capacity = values.reduce((sum, value) => sum + (value ? Buffer.byteLength(value) : 0), 0);
    if (capacity > 2 ** 31 - 1) {
      throw new InvalidArgumentError({
        argument: 'values',
        message: `${capacity} bytes of text exceed the 2 GiB a Utf8 column can hold; split the rows into several batches.`,
      });
    }
  }
  const bytes = new Uint8Array(capacity);
  const validity = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  let position = 0;
  for (let row = 0; row < length; row++) {
    const value = values[row];
    if (value === null || value === undefined) {
      nullCount++;
    } else {
      validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
      position += encoder.encodeInto(value, bytes.subarray(position)).written;
    }
    offsets[row + 1] = position;
  }
  const data = arrow.makeData({
    type: new arrow.Utf8(),
    length,
    nullCount,
    nullBitmap: nullCount > 0 ? validity : undefined,
    valueOffsets: offsets,
    data: bytes.subarray(0, position),
  });
  return arrow.makeVector(data);
}
