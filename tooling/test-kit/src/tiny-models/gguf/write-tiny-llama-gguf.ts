import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom, type SeededRandom } from '../seeded-random.js';
import { defaultTinyBertWords } from '../word-piece-vocabulary.js';
import { encodeGguf, type GgufTensor, type GgufValue } from './encode-gguf.js';
import { buildSentencePieceVocabulary, type SentencePieceVocabulary } from './sentence-piece-vocabulary.js';
import type { TinyLoraGguf } from './write-tiny-lora-gguf.js';

/** ChatML, which node-llama-cpp recognises and which ends each turn with `<|im_end|>` (the EOS token). */
export const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyLlamaGgufOptions {
  /** Where to write the `.gguf` file (parent folders are created). */
  path: string;
  /**
   * `random` (default): every weight random, a real (if meaningless) transformer.
   * `exact`: the attention and feed-forward output projections are zero, so each block adds nothing
   * to the residual stream and the next-token logits depend only on the last token, in closed form:
   * `logits = W_out · (g ⊙ e_t / sqrt(mean(e_t²) + eps))`. `exactLogits` computes it in TypeScript so
   * tests can check llama.cpp (and anything built on it) to the last digit that float32 allows.
   */
  variant?: 'random' | 'exact';
  /** Seed of every weight; the same options write byte-identical files. Default 0. */
  seed?: number;
  /** Words of the vocabulary (lower case ASCII); specials, bytes and ASCII characters are always in. */
  words?: readonly string[];
  hiddenSize?: number;
  layers?: number;
  heads?: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`). Default `heads / 2`. */
  kvHeads?: number;
  feedForwardSize?: number;
  contextLength?: number;
  /**
   * Token text → logit added to that token after every token, through a dedicated embedding dimension
   * that the blocks never write to. Exact (up to float rounding) in the `exact` variant; in `random`
   * the boost is divided by the final RMS of the residual stream, so it is approximate. Tests use it to
   * make a noise model close its JSON strings and end its turns, e.g. `{'"': 5, '<|im_end|>': 5}`.
   */
  logitBoosts?: Readonly<Record<string, number>>;
  chatTemplate?: string;
  /** `general.name`; default "tonekit tiny llama (<variant>, seed <seed>)". */
  name?: string;
}

/** The closed form of an `exact` model, with the float32 weights the file holds. */
export interface TinyLlamaExactForm {
  /** Next-token logits after `tokenId`, in float64 from the file's float32 weights. */
  logits(tokenId: number, adapters?: readonly { adapter: TinyLoraGguf; scale?: number }[]): Float64Array;
}

/** What `writeTinyLlamaGguf` wrote. */
export interface TinyLlamaGguf {
  path: string;
  variant: 'random' | 'exact';
  seed: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForwardSize: number;
  contextLength: number;
  rmsNormEpsilon: number;
  vocabulary: SentencePieceVocabulary;
  /** Size of the file in bytes. */
  bytes: number;
  /** The weights LoRA adapters are sized from: GGUF tensor name → [input size, output size]. */
  linearShapes: ReadonlyMap<string, readonly [number, number]>;
  /** Present for the `exact` variant. */
  exact?: TinyLlamaExactForm;
}

const rmsNormEpsilon = 1e-5;
/** Share of the embedding norm carried by the boost dimension (`exact` only). */
const boostComponent = 0.5;

/**
 * Writes a tiny llama-architecture GGUF model (SentencePiece vocabulary, ChatML template, float32
 * weights) that llama.cpp loads and runs for real, so tests exercise native inference without a
 * download. Sizes default to 64 hidden, 2 layers, 4 heads (2 KV heads), 128 feed-forward: about a
 * megabyte with the default vocabulary, and fast on one CPU thread.
 */
export async function writeTinyLlamaGguf(options: TinyLlamaGgufOptions): Promise<TinyLlamaGguf> {
  const variant = options.variant ?? 'random';
  const seed = options.seed ?? 0;
  const hiddenSize = options.hiddenSize ?? 64;
  const layers = options.layers ?? 2;
  const heads = options.heads ?? 4;
  const kvHeads = options.kvHeads ?? Math.max(1, heads / 2);
  const feedForwardSize = options.feedForwardSize ?? 128;
  const contextLength = options.contextLength ?? 512;
  if (hiddenSize % heads !== 0 || heads % kvHeads !== 0 || !Number.isInteger(kvHeads)) {
    throw new InvalidArgumentError({
      argument: 'hiddenSize',
      message: `hiddenSize (${hiddenSize}) must divide by heads (${heads}), and heads by kvHeads (${kvHeads}).`,
    });
  }
  const vocabulary = buildSentencePieceVocabulary(options.words ?? defaultTinyBertWords);
  const vocabSize = vocabulary.tokens.length;
  const headSize = hiddenSize / heads;
  const kvSize = headSize * kvHeads;
  const random = createSeededRandom(seed);
  const std = 1 / Math.sqrt(hiddenSize);

  const linearShapes = new Map<string, readonly [number, number]>();
  const tensors: GgufTensor[] = [];
  const linear = (name: string, inputs: number, outputs: number, values: Float32Array): void => {
    linearShapes.set(name, [inputs, outputs]);
    tensors.push({ name, shape: [inputs, outputs], data: values });
  };

  // With boosts, dimension 0 carries a constant that the blocks never change (their output rows for it are zero).
  const boosted = variant === 'exact' || options.logitBoosts !== undefined;
  const tokenEmbedding = boosted
    ? boostableEmbeddings(random, vocabSize, hiddenSize)
    : random.normalArray(vocabSize * hiddenSize, 1);
  const keepBoostDimension = (values: Float32Array, inputs: number): Float32Array => {
    if (boosted) values.fill(0, 0, inputs);
    return values;
  };
  tensors.push({ name: 'token_embd.weight', shape: [hiddenSize, vocabSize], data: tokenEmbedding });
  for (let layer = 0; layer < layers; layer++) {
    const block = `blk.${layer}`;
    tensors.push({ name: `${block}.attn_norm.weight`, shape: [hiddenSize], data: ones(hiddenSize) });
    linear(
      `${block}.attn_q.weight`,
      hiddenSize,
      hiddenSize,
      random.normalArray(hiddenSize * hiddenSize, std),
    );
    linear(`${block}.attn_k.weight`, hiddenSize, kvSize, random.normalArray(hiddenSize * kvSize, std));
    linear(`${block}.attn_v.weight`, hiddenSize, kvSize, random.normalArray(hiddenSize * kvSize, std));
    // Zero output projections make each block add nothing to the residual stream: the `exact` form.
    const attentionOutput =
      variant === 'exact'
        ? new Float32Array(hiddenSize * hiddenSize)
        : keepBoostDimension(random.normalArray(hiddenSize * hiddenSize, std), hiddenSize);
    linear(`${block}.attn_output.weight`, hiddenSize, hiddenSize, attentionOutput);
    tensors.push({ name: `${block}.ffn_norm.weight`, shape: [hiddenSize], data: ones(hiddenSize) });
    linear(
      `${block}.ffn_gate.weight`,
      hiddenSize,
      feedForwardSize,
      random.normalArray(hiddenSize * feedForwardSize, std),
    );
    linear(
      `${block}.ffn_up.weight`,
      hiddenSize,
      feedForwardSize,
      random.normalArray(hiddenSize * feedForwardSize, std),
    );
    const feedForwardDown =
      variant === 'exact'
        ? new Float32Array(feedForwardSize * hiddenSize)
        : keepBoostDimension(
            random.normalArray(feedForwardSize * hiddenSize, 1 / Math.sqrt(feedForwardSize)),
            feedForwardSize,
          );
    linear(`${block}.ffn_down.weight`, feedForwardSize, hiddenSize, feedForwardDown);
  }
  const outputNorm = new Float32Array(hiddenSize);
  for (let index = 0; index < hiddenSize; index++) outputNorm[index] = 0.5 + random.uniform();
  tensors.push({ name: 'output_norm.weight', shape: [hiddenSize], data: outputNorm });
  const output = random.normalArray(vocabSize * hiddenSize, std * 2);
  if (boosted) applyLogitBoosts(output, options.logitBoosts ?? {}, vocabulary, hiddenSize, outputNorm);
  linear('output.weight', hiddenSize, vocabSize, output);

  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    [
      'general.name',
      { type: 'string', value: options.name ?? `tonekit tiny llama (${variant}, seed ${seed})` },
    ],
    ['general.file_type', { type: 'uint32', value: 0 }],
    ['llama.context_length', { type: 'uint32', value: contextLength }],
    ['llama.embedding_length', { type: 'uint32', value: hiddenSize }],
    ['llama.block_count', { type: 'uint32', value: layers }],
    ['llama.feed_forward_length', { type: 'uint32', value: feedForwardSize }],
    ['llama.rope.dimension_count', { type: 'uint32', value: headSize }],
    ['llama.attention.head_count', { type: 'uint32', value: heads }],
    ['llama.attention.head_count_kv', { type: 'uint32', value: kvHeads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: rmsNormEpsilon }],
    ['llama.vocab_size', { type: 'uint32', value: vocabSize }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocabulary.tokens }],
    ['tokenizer.ggml.scores', { type: 'float32[]', value: vocabulary.scores }],
    ['tokenizer.ggml.token_type', { type: 'int32[]', value: vocabulary.tokenTypes }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: vocabulary.unknownId }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: vocabulary.bosId }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: vocabulary.eosId }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: options.chatTemplate ?? chatMlTemplate }],
  ]);
  const encoded = encodeGguf(metadata, tensors);
  await mkdir(path.dirname(options.path), { recursive: true });
  await writeFile(options.path, encoded);

  const model: TinyLlamaGguf = {
    path: options.path,
    variant,
    seed,
    hiddenSize,
    layers,
    heads,
    kvHeads,
    feedForwardSize,
    contextLength,
    rmsNormEpsilon,
    vocabulary,
    bytes: encoded.byteLength,
    linearShapes,
  };
  if (variant === 'exact') {
    model.exact = createExactForm(model, tokenEmbedding, outputNorm, output);
  }
  return model;
}

function ones(length: number): Float32Array {
  return new Float32Array(length).fill(1);
}

/**
 * Every embedding has the same norm (RMS 1) and the same first component, so the boost dimension adds
 * the same amount to a token's logit whatever the previous token was.
 */
function boostableEmbeddings(random: SeededRandom, vocabSize: number, hiddenSize: number): Float32Array {
  const values = new Float32Array(vocabSize * hiddenSize);
  const rest = Math.sqrt(hiddenSize * (1 - boostComponent * boostComponent));
  for (let token = 0; token < vocabSize; token++) {
    const direction = random.normalArray(hiddenSize - 1, 1);
    const norm = Math.hypot(...direction);
    const row = token * hiddenSize;
    values[row] = Math.sqrt(hiddenSize) * boostComponent;
    for (let index = 1; index < hiddenSize; index++)
      values[row + index] = ((direction[index - 1] ?? 0) / norm) * rest;
  }
  return values;
}

function applyLogitBoosts(
  output: Float32Array,
  boosts: Readonly<Record<string, number>>,
  vocabulary: SentencePieceVocabulary,
  hiddenSize: number,
  outputNorm: Float32Array,
): void {
  const boostInput = Math.sqrt(hiddenSize) * boostComponent * (outputNorm[0] ?? 1);
  for (let token = 0; token < vocabulary.tokens.length; token++) output[token * hiddenSize] = 0;
  for (const [text, boost] of Object.entries(boosts)) {
    const token = vocabulary.tokens.indexOf(text);
    if (token < 0)
      throw new InvalidArgumentError({
        argument: 'logitBoosts',
        message: `logitBoosts: "${text}" is not a token of the vocabulary.`,
      });
    output[token * hiddenSize] = boost / boostInput;
  }
}

function createExactForm(
  model: TinyLlamaGguf,
  tokenEmbedding: Float32Array,
  outputNorm: Float32Array,
  output: Float32Array,
): TinyLlamaExactForm {
  const { hiddenSize } = model;
  const vocabSize = model.vocabulary.tokens.length;
  return {
    logits(tokenId, adapters = []) {
      if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= vocabSize) {
        throw new InvalidArgumentError({
          argument: 'tokenId',
          message: `Token id ${tokenId} is outside the vocabulary (0–${vocabSize - 1}).`,
        });
      }
      const embedding = tokenEmbedding.subarray(tokenId * hiddenSize, (tokenId + 1) * hiddenSize);
      let sumOfSquares = 0;
      for (const value of embedding) sumOfSquares += value * value;
      const inverseRms = 1 / Math.sqrt(sumOfSquares / hiddenSize + model.rmsNormEpsilon);
      const normalized = new Float64Array(hiddenSize);
      for (let index = 0; index < hiddenSize; index++) {
        normalized[index] = (embedding[index] ?? 0) * inverseRms * (outputNorm[index] ?? 0);
      }
      const logits = new Float64Array(vocabSize);
      for (let token = 0; token < vocabSize; token++) {
        let sum = 0;
        const row = token * hiddenSize;
        for (let index = 0; index < hiddenSize; index++)
          sum += (output[row + index] ?? 0) * (normalized[index] ?? 0);
        logits[token] = sum;
      }
      for (const { adapter, scale = 1 } of adapters) adapter.addExactOutputDelta(normalized, logits, scale);
      return logits;
    },
  };
}
