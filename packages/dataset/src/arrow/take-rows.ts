import * as arrow from 'apache-arrow';

/**
 * A new table with the rows at `indices`, in that order (Arrow JS has no `take`). Text, fixed-width
 * and fixed-size-list columns are copied buffer to buffer; other types go through Arrow's builders.
 */
export function takeRows(table: arrow.Table, indices: ArrayLike<number>): arrow.Table {
  const children: arrow.Data[] = [];
  for (const [position, field] of table.schema.fields.entries()) {
    const column = table.getChildAt(position) as arrow.Vector;
    children.push(takeColumn(column, field.type, indices));
  }
  const struct = arrow.makeData({
    type: new arrow.Struct(table.schema.fields),
    length: indices.length,
    nullCount: 0,
    children,
  });
  return new arrow.Table([new arrow.RecordBatch(table.schema, struct)]);
}

/** What the copies below need of a typed array, whatever its element type. */
interface PlainArray {
  set(source: ArrayLike<unknown>, offset: number): void;
  subarray(begin: number, end: number): ArrayLike<unknown>;
}

// Arrow JS slices value and offset buffers when it slices Data (only validity bitmaps are read at
// `offset + index`), so positions below are relative to each chunk's own buffers.
interface Located {
  data: arrow.Data;
  index: number;
}

function locator(column: arrow.Vector): (row: number) => Located {
  const chunks = column.data;
  if (chunks.length === 1) {
    const data = chunks[0] as arrow.Data;
    return (row) => ({ data, index: row });
  }
  const starts: number[] = [];
  let start = 0;
  for (const data of chunks) {
    starts.push(start);
    start += data.length;
  }
  return (row) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= row) low = middle;
      else high = middle - 1;
    }
    return { data: chunks[low] as arrow.Data, index: row - (starts[low] as number) };
  };
}

function takeColumn(column: arrow.Vector, type: arrow.DataType, indices: ArrayLike<number>): arrow.Data {
  if (indices.length === 0 || column.data.length === 0) {
    return arrow.vectorFromArray([], type).data[0] ?? arrow.makeData({ type, length: 0 } as never);
  }
  const locate = locator(column);
  const length = indices.length;
  const validity = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  const located: Located[] = new Array(length);
  for (let row = 0; row < length; row++) {
    const place = locate(indices[row] as number);
    located[row] = place;
    if (place.data.getValid(place.index))
      validity[row >> 3] = (validity[row >> 3] as number) | (1 << (row & 7));
    else nullCount++;
  }
  const nullBitmap = nullCount > 0 ? validity : undefined;

  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = new Int32Array(length + 1);
    let total = 0;
    for (let row = 0; row < length; row++) {
      const { data, index } = located[row] as Located;
      const valueOffsets = data.valueOffsets as Int32Array;
      total += (valueOffsets[index + 1] as number) - (valueOffsets[index] as number);
      offsets[row + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let row = 0; row < length; row++) {
      const { data, index } = located[row] as Located;
      const valueOffsets = data.valueOffsets as Int32Array;
      const begin = valueOffsets[index] as number;
      const end = valueOffsets[index + 1] as number;
      bytes.set((data.values as Uint8Array).subarray(begin, end), offsets[row] as number);
    }
    return arrow.makeData({
      type,
      length,
      nullCount,
      nullBitmap,
      valueOffsets: offsets,
      data: bytes,
    } as never);
  }

  const stride = fixedWidthStride(column, type);
  if (stride !== undefined) {
    const first = column.data[0];
    const Values = (first?.values.constructor ?? Float64Array) as new (size: number) => PlainArray;
    const values = new Values(length * stride);
    for (let row = 0; row < length; row++) {
      const { data, index } = located[row] as Located;
      const begin = index * stride;
      values.set((data.values as PlainArray).subarray(begin, begin + stride), row * stride);
    }
    return arrow.makeData({ type, length, nullCount, nullBitmap, data: values } as never);
  }

  if (arrow.DataType.isFixedSizeList(type)) {
    const childType = type.children[0]?.type as arrow.DataType;
    const childColumn = column.data[0]?.children[0]
      ? arrow.makeVector(column.data[0].children[0])
      : undefined;
    const childStride = fixedWidthStride(childColumn, childType);
    const childrenAllValid = column.data.every((data) => (data.children[0]?.nullCount ?? 0) === 0);
    if (childStride !== undefined && childrenAllValid) {
      const listSize = type.listSize;
      const width = listSize * childStride;
      const firstChild = column.data[0]?.children[0];
      const Values = (firstChild?.values.constructor ?? Float32Array) as new (size: number) => PlainArray;
      const values = new Values(length * width);
      for (let row = 0; row < length; row++) {
        const { data, index } = located[row] as Located;
        const child = data.children[0] as arrow.Data;
        const begin = index * listSize * childStride;
        values.set((child.values as PlainArray).subarray(begin, begin + width), row * width);
      }
      const child = arrow.makeData({
        type: childType,
        length: length * listSize,
        nullCount: 0,
        data: values,
      } as never);
      return arrow.makeData({ type, length, nullCount, nullBitmap, child } as never);
    }
  }

  // Anything else (lists, structs, dictionaries, booleans): correct but slower, through the builders.
  const rows = Array.from({ length }, (_, row) => {
    const { data, index } = located[row] as Located;
    return data.getValid(index) ? builderValue(column.get(indices[row] as number)) : null;
  });
  return arrow.vectorFromArray(rows, type).data[0] as arrow.Data;
}

/** Arrow's getters return views (Vector, StructRow, MapRow); its builders want plain values. */
function builderValue(value: unknown): unknown {
  if (value instanceof arrow.Vector) return Array.from(value, builderValue);
  if (value instanceof arrow.MapRow) {
    return new Map(
      Array.from(value as Iterable<[unknown, unknown]>, ([key, item]) => [key, builderValue(item)]),
    );
  }
  if (value instanceof arrow.StructRow) {
    const row = value.toJSON() as Record<string, unknown>;
    return Object.fromEntries(Object.entries(row).map(([key, item]) => [key, builderValue(item)]));
  }
  return value;
}

/**
 * Elements of `values` per row for types stored as one plain typed array (Arrow JS stores some 64-bit
 * and decimal types as several 32-bit words, which `stride` accounts for). Booleans are bit-packed and
 * not included.
 */
function fixedWidthStride(column: arrow.Vector | undefined, type: arrow.DataType): number | undefined {
  const plain =
    arrow.DataType.isInt(type) ||
    arrow.DataType.isFloat(type) ||
    arrow.DataType.isDate(type) ||
    arrow.DataType.isTimestamp(type) ||
    arrow.DataType.isTime(type) ||
    arrow.DataType.isDuration(type) ||
    arrow.DataType.isDecimal(type) ||
    arrow.DataType.isFixedSizeBinary(type);
  if (!plain) return undefined;
  return column?.data[0]?.stride;
}
