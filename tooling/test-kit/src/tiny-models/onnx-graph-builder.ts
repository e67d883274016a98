import { createRequire } from 'node:module';
import type { onnx } from 'onnx-proto';

type OnnxNamespace = typeof onnx;

let cached: OnnxNamespace | undefined;

/**
 * Loads onnx-proto on first use, not when test-kit is imported (most tests never write a model).
 *
 * onnx-proto's protobufjs 6 looks up the `long` package at load time through a dynamic `require`
 * that resolves from the hoisted root, where a newer, ESM-first `long` may sit; under Vitest that
 * `require` returns the ES module namespace (`{ default: Long }`) and the generated code then fails on
 * `Long.fromBits`. Unwrapping it before onnx-proto's static code runs fixes both environments.
 */
function onnxNamespace(): OnnxNamespace {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const requireFromOnnxProto = createRequire(require.resolve('onnx-proto'));
  const protobuf = requireFromOnnxProto('protobufjs/minimal') as {
    util: { Long: unknown };
    configure(): void;
  };
  const long = protobuf.util.Long as { fromBits?: unknown; default?: unknown } | undefined;
  if (long !== undefined && long !== null && typeof long.fromBits !== 'function') {
    protobuf.util.Long = long.default;
    protobuf.configure();
  }
  cached = (require('onnx-proto') as { onnx: OnnxNamespace }).onnx;
  return cached;
}

/** An attribute value; wrappers say which ONNX attribute type to write, since JS numbers do not. */
export type OnnxAttributeValue = { int: number } | { float: number } | { ints: number[] };

/**
 * Collects the nodes and initializers of one ONNX graph. Tensor names are generated, so building a
 * model reads like writing the forward pass: `const h = graph.node('MatMul', [x, w])`.
 */
export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** Adds a node with one output and returns that output's name (`output` when given). */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, OnnxAttributeValue> = {},
    output?: string,
  ): string {
    const name = output ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push({
      name: `${opType}_${this.nodes.length}`,
      opType,
      input: inputs,
      output: [name],
      attribute: Object.entries(attributes).map(([attributeName, value]) =>
        toAttribute(attributeName, value),
      ),
    });
    return name;
  }

  /** A float32 initializer; the values are stored as raw little-endian bytes without a copy. */
  float(name: string, dims: number[], values: Float32Array): string {
    if (values.length !== dims.reduce((product, dim) => product * dim, 1)) {
      throw new Error(`Initializer ${name}: ${values.length} values do not fill dims [${dims.join(', ')}].`);
    }
    this.initializers.push({
      name,
      dims,
      dataType: onnxNamespace().TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  /** A float32 scalar constant. */
  floatScalar(name: string, value: number): string {
    return this.float(name, [], Float32Array.of(value));
  }

  /** An int64 initializer (`dims` `[]` for a scalar). */
  int64(name: string, dims: number[], values: number[]): string {
    const data = BigInt64Array.from(values, (value) => BigInt(value));
    this.initializers.push({
      name,
      dims,
      dataType: onnxNamespace().TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }
}

function toAttribute(name: string, value: OnnxAttributeValue): onnx.IAttributeProto {
  const { AttributeType } = onnxNamespace().AttributeProto;
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: value.ints };
}

/** A graph input or output: a tensor of `elementType` whose dimensions are numbers or symbolic names. */
export function tensorValueInfo(
  name: string,
  elementType: 'float' | 'int64',
  dims: Array<number | string>,
): onnx.IValueInfoProto {
  const proto = onnxNamespace();
  return {
    name,
    type: {
      tensorType: {
        elemType:
          elementType === 'float' ? proto.TensorProto.DataType.FLOAT : proto.TensorProto.DataType.INT64,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

/** Serializes a model; opset 17 is the first with LayerNormalization. */
export function encodeOnnxModel(options: {
  graphName: string;
  builder: OnnxGraphBuilder;
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  docString?: string;
}): Uint8Array {
  const proto = onnxNamespace();
  const model = proto.ModelProto.create({
    // IR 8 with opset 17 is what onnx 1.12–1.13 write; every onnxruntime since 1.12 reads it.
    irVersion: 8,
    producerName: 'tonekit-test-kit',
    producerVersion: '0.0.0',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: options.graphName,
      node: options.builder.nodes,
      initializer: options.builder.initializers,
      input: options.inputs,
      output: options.outputs,
    },
  });
  return proto.ModelProto.encode(model).finish();
}
