/**
 * The ONNX model behind exact dedup search: one `Gemm(q, k, transB=1)` node, scores = q · kᵀ, with
 * every dimension dynamic. onnxruntime runs it with MLAS's multi-threaded SIMD SGEMM — about 10x a
 * scalar JavaScript loop on the same cores — which is what makes exact search at 100k vectors feasible.
 *
 * The model is tiny, so we encode its protobuf here rather than depend on an ONNX builder at run time.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto).
 */

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** Wire type 0 (varint) field. */
function intField(field: number, value: number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

/** Wire type 2 (length-delimited) field: a string or an embedded message. */
function bytesField(field: number, payload: number[] | string): number[] {
  const bytes = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : payload;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

const floatType = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto of a 2-d float tensor with symbolic dimensions. */
function matrix(name: string, rows: string, columns: string): number[] {
  const dimension = (symbol: string) => bytesField(1, bytesField(2, symbol)); // Dimension.dim_param
  const shape = [...dimension(rows), ...dimension(columns)];
  const tensorType = [...intField(1, floatType), ...bytesField(2, shape)];
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

let cached: Uint8Array | undefined;

/** Serialized ModelProto: inputs `q` [b, d] and `k` [n, d], output `scores` [b, n]. */
export function similarityGemmModel(): Uint8Array {
  if (cached !== undefined) return cached;
  const transB = [...bytesField(1, 'transB'), ...intField(20, 2 /* AttributeType.INT */), ...intField(3, 1)];
  const node = [
    ...bytesField(1, 'q'),
    ...bytesField(1, 'k'),
    ...bytesField(2, 'scores'),
    ...bytesField(4, 'Gemm'),
    ...bytesField(5, transB),
  ];
  const graph = [
    ...bytesField(1, node),
    ...bytesField(2, 'similarity'),
    ...bytesField(11, matrix('q', 'b', 'd')),
    ...bytesField(11, matrix('k', 'n', 'd')),
    ...bytesField(12, matrix('scores', 'b', 'n')),
  ];
  const opset = [...bytesField(1, ''), ...intField(2, 17)];
  cached = Uint8Array.from([
    ...intField(1, 8), // ir_version
    ...bytesField(2, 'tonekit'), // producer_name
    ...bytesField(7, graph),
    ...bytesField(8, opset),
  ]);
  return cached;
}
