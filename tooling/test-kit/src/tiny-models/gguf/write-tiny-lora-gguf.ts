import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom } from '../seeded-random.js';
import { encodeGguf, type GgufTensor, type GgufValue } from './encode-gguf.js';
import type { TinyLlamaGguf } from './write-tiny-llama-gguf.js';

/** Short names of the linear weights an adapter can target, as llama.cpp names them per block. */
export type TinyLoraTarget =
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_output'
  | 'ffn_gate'
  | 'ffn_up'
  | 'ffn_down'
  /** The language-model head; the only target that moves an `exact` model's logits. */
  | 'output';

export interface TinyLoraGgufOptions {
  path: string;
  /** The base model the adapter belongs to (its shapes and architecture). */
  base: TinyLlamaGguf;
  /** Default `['attn_q', 'attn_k', 'attn_v']`, the seed paper's targets. */
  targets?: readonly TinyLoraTarget[];
  rank?: number;
  /** `adapter.lora.alpha`; llama.cpp scales the update by alpha / rank. Default = rank. */
  alpha?: number;
  seed?: number;
  /** Standard deviation of both A and B (PEFT initialises B to zero; tests want a visible change). */
  std?: number;
}

/** What `writeTinyLoraGguf` wrote. */
export interface TinyLoraGguf {
  path: string;
  rank: number;
  alpha: number;
  targets: readonly TinyLoraTarget[];
  bytes: number;
  /**
   * Adds `scale · alpha/rank · B·A · x` of the `output` target to `logits` (for the base's exact form).
   * Targets inside the blocks change nothing in an exact model: their outputs are multiplied by zero.
   */
  addExactOutputDelta(normalizedHidden: Float64Array, logits: Float64Array, scale: number): void;
}

/**
 * Writes a LoRA adapter in llama.cpp's GGUF adapter format (`general.type = adapter`,
 * `adapter.type = lora`, tensors `<weight>.lora_a` shaped [in, rank] and `<weight>.lora_b` shaped
 * [rank, out], the same memory layout as PEFT's `lora_A`/`lora_B`), loadable with
 * node-llama-cpp's `createContext({lora})`.
 */
export async function writeTinyLoraGguf(options: TinyLoraGgufOptions): Promise<TinyLoraGguf> {
  const { base } = options;
  const targets = options.targets ?? ['attn_q', 'attn_k', 'attn_v'];
  const rank = options.rank ?? 4;
  const alpha = options.alpha ?? rank;
  const random = createSeededRandom(options.seed ?? 1);
  const std = options.std ?? 0.1;
  if (!Number.isInteger(rank) || rank < 1) {
    throw new InvalidArgumentError({
      argument: 'rank',
      message: `LoRA rank must be a positive integer, got ${rank}.`,
    });
  }

  const tensors: GgufTensor[] = [];
  let outputFactors: { a: Float32Array; b: Float32Array; inputs: number; outputs: number } | undefined;
  const weightNames = targets.flatMap((target) =>
    target === 'output'
      ? ['output.weight']
      : Array.from({ length: base.layers }, (_, layer) => `blk.${layer}.${target}.weight`),
  );
  for (const weightName of weightNames) {
    const shape = base.linearShapes.get(weightName);
    if (shape === undefined) {
      throw new InvalidArgumentError({
        argument: 'targets',
        message: `The base model has no linear weight ${weightName}.`,
      });
    }
    const [inputs, outputs] = shape;
    const a = random.normalArray(rank * inputs, std);
    const b = random.normalArray(outputs * rank, std);
    tensors.push({ name: `${weightName}.lora_a`, shape: [inputs, rank], data: a });
    tensors.push({ name: `${weightName}.lora_b`, shape: [rank, outputs], data: b });
    if (weightName === 'output.weight') outputFactors = { a, b, inputs, outputs };
  }
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.type', { type: 'string', value: 'adapter' }],
    ['general.name', { type: 'string', value: `tonekit tiny lora (r${rank}, ${targets.join('+')})` }],
    ['adapter.type', { type: 'string', value: 'lora' }],
    ['adapter.lora.alpha', { type: 'float32', value: alpha }],
  ]);
  const encoded = encodeGguf(metadata, tensors);
  await mkdir(path.dirname(options.path), { recursive: true });
  await writeFile(options.path, encoded);

  // llama.cpp computes the scale in float32 from the float32 alpha it read.
  const alphaOverRank = Math.fround(alpha) / rank;
  return {
    path: options.path,
    rank,
    alpha,
    targets,
    bytes: encoded.byteLength,
    addExactOutputDelta(normalizedHidden, logits, scale) {
      if (outputFactors === undefined) return;
      const { a, b, inputs, outputs } = outputFactors;
      const projected = new Float64Array(rank);
      for (let row = 0; row < rank; row++) {
        let sum = 0;
        for (let index = 0; index < inputs; index++)
          sum += (a[row * inputs + index] ?? 0) * (normalizedHidden[index] ?? 0);
        projected[row] = sum;
      }
      const factor = scale * alphaOverRank;
      for (let token = 0; token < outputs; token++) {
        let sum = 0;
        for (let row = 0; row < rank; row++) sum += (b[token * rank + row] ?? 0) * (projected[row] ?? 0);
        logits[token] = (logits[token] ?? 0) + factor * sum;
      }
    },
  };
}
