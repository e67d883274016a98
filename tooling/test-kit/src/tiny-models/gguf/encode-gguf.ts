import { InvalidArgumentError } from '@tonekit/core';

/**
 * A typed GGUF metadata value. GGUF stores the value type next to every key, and llama.cpp rejects a
 * key whose type differs from the one it expects (an INT32 where it reads UINT32 fails the load), so
 * the writer never guesses types from JavaScript values.
 */
export type GgufValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'float32[]'; value: ArrayLike<number> }
  | { type: 'int32[]'; value: ArrayLike<number> };

/** A float32 tensor. `shape` is in GGUF order: `shape[0]` is the contiguous (innermost) dimension. */
export interface GgufTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** GGUF version 3, the one llama.cpp has written since 2023. */
const ggufVersion = 3;
const defaultAlignment = 32;
const valueTypeIds = {
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
} as const;
const ggmlTypeF32 = 0;

/**
 * Encodes a GGUF file (header, typed metadata, tensor infos, aligned float32 tensor data). It writes
 * only what tiny test models and LoRA adapters need: float32 tensors and the scalar and array types
 * of llama.cpp's model and tokenizer keys.
 */
export function encodeGguf(
  metadata: ReadonlyMap<string, GgufValue>,
  tensors: readonly GgufTensor[],
): Uint8Array {
  const chunks = new ByteWriter();
  chunks.bytes(new TextEncoder().encode('GGUF'));
  chunks.uint32(ggufVersion);
  chunks.uint64(tensors.length);
  chunks.uint64(metadata.size);
  for (const [key, value] of metadata) {
    chunks.string(key);
    writeValue(chunks, value);
  }

  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    const elements = tensor.shape.reduce((product, size) => product * size, 1);
    if (elements !== tensor.data.length) {
      throw new InvalidArgumentError({
        argument: 'tensors',
        message: `GGUF tensor ${tensor.name}: shape [${tensor.shape.join(', ')}] holds ${elements} values but data has ${tensor.data.length}.`,
      });
    }
    offsets.push(offset);
    offset = alignUp(offset + tensor.data.byteLength, defaultAlignment);
  }
  tensors.forEach((tensor, index) => {
    chunks.string(tensor.name);
    chunks.uint32(tensor.shape.length);
    for (const size of tensor.shape) chunks.uint64(size);
    chunks.uint32(ggmlTypeF32);
    chunks.uint64(offsets[index] ?? 0);
  });
  chunks.padTo(defaultAlignment);
  for (const tensor of tensors) {
    chunks.bytes(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    chunks.padTo(defaultAlignment);
  }
  return chunks.concat();
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  switch (value.type) {
    case 'uint32':
      out.uint32(valueTypeIds.uint32);
      out.uint32(value.value);
      return;
    case 'int32':
      out.uint32(valueTypeIds.int32);
      out.int32(value.value);
      return;
    case 'float32':
      out.uint32(valueTypeIds.float32);
      out.float32(value.value);
      return;
    case 'bool':
      out.uint32(valueTypeIds.bool);
      out.bytes(Uint8Array.of(value.value ? 1 : 0));
      return;
    case 'string':
      out.uint32(valueTypeIds.string);
      out.string(value.value);
      return;
    case 'string[]':
      out.uint32(valueTypeIds.array);
      out.uint32(valueTypeIds.string);
      out.uint64(value.value.length);
      for (const item of value.value) out.string(item);
      return;
    case 'float32[]':
      out.uint32(valueTypeIds.array);
      out.uint32(valueTypeIds.float32);
      out.uint64(value.value.length);
      for (let index = 0; index < value.value.length; index++) out.float32(value.value[index] ?? 0);
      return;
    case 'int32[]':
      out.uint32(valueTypeIds.array);
      out.uint32(valueTypeIds.int32);
      out.uint64(value.value.length);
      for (let index = 0; index < value.value.length; index++) out.int32(value.value[index] ?? 0);
      return;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Little-endian append-only buffer; GGUF is little-endian throughout. */
class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  private readonly encoder = new TextEncoder();

  bytes(value: Uint8Array): void {
    this.parts.push(value);
    this.length += value.byteLength;
  }

  uint32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  int32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setInt32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  uint64(value: number): void {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(value), true);
    this.bytes(new Uint8Array(view.buffer));
  }

  float32(value: number): void {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.bytes(new Uint8Array(view.buffer));
  }

  /** GGUF strings: a uint64 byte length, then UTF-8 without a terminator. */
  string(value: string): void {
    const encoded = this.encoder.encode(value);
    this.uint64(encoded.byteLength);
    this.bytes(encoded);
  }

  padTo(alignment: number): void {
    const padding = alignUp(this.length, alignment) - this.length;
    if (padding > 0) this.bytes(new Uint8Array(padding));
  }

  concat(): Uint8Array {
    const result = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      result.set(part, offset);
      offset += part.byteLength;
    }
    return result;
  }
}
