import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { chatMlTemplate, type TinyLlamaGguf } from './gguf/write-tiny-llama-gguf.js';
import type { TinyLoraGguf } from './gguf/write-tiny-lora-gguf.js';
import { encodeOnnxModel, OnnxGraphBuilder, tensorValueInfo } from './onnx-graph-builder.js';
import { sentencePieceTokenizerJson } from './sentence-piece-tokenizer-json.js';

export interface TinyCausalLmOnnxOptions {
  /** The model folder to write (created when missing). */
  dir: string;
  /** An `exact`-variant model from `writeTinyLlamaGguf`: its closed form becomes the ONNX model's logits. */
  gguf: TinyLlamaGguf;
  /**
   * LoRA adapters (with `output` among their targets) folded into the logits, as llama.cpp applies them at
   * run time: the ONNX model then equals the GGUF with these adapters.
   */
  adapters?: readonly { adapter: TinyLoraGguf; scale?: number }[];
  /** Written to `tokenizer_config.json`; pass the template the GGUF was written with. Default ChatML. */
  chatTemplate?: string;
  /**
   * Make the logits visibly wrong (not only shifted) when the inputs contradict the KV cache: positions
   * in the cache must be `cumsum(attention_mask) − 1` where the mask is 1 (what transformers.js computes,
   * padding included) and the mask must cover cache + new tokens. Catches a caller that drops, reorders
   * or misaligns the cache. Default true.
   */
  checkCache?: boolean;
}

/** What `writeTinyCausalLmOnnx` wrote. */
export interface TinyCausalLmOnnx {
  dir: string;
  /** `dir/onnx/model.onnx`. */
  onnxPath: string;
  /** The GGUF's token strings, in id order (also in `tokenizer.json`). */
  vocabulary: readonly string[];
  layers: number;
  kvHeads: number;
  headSize: number;
  /** Size of the ONNX file in bytes. */
  onnxBytes: number;
  /** The float32 logits the model returns after `tokenId` (a row of the table in the graph). */
  logits(tokenId: number): Float32Array;
}

/**
 * Writes a causal language model folder that transformers.js loads with `AutoModelForCausalLM` and
 * `AutoTokenizer` (`config.json` with `model_type: "llama"`, `generation_config.json`, `tokenizer.json`,
 * `tokenizer_config.json` with the chat template, `special_tokens_map.json`, `onnx/model.onnx`), and
 * whose logits equal the closed form of an `exact` tiny GGUF: `logits[b, t, :] = L[input_ids[b, t], :]`
 * where row `L[i]` is `gguf.exact.logits(i, adapters)` in float32. With the same vocabulary and template
 * as the GGUF, tests can check that an ONNX backend and llama.cpp agree step by step.
 *
 * The graph has the inputs and outputs transformers.js feeds a Llama export with a KV cache:
 * `input_ids`, `attention_mask` (cache + new tokens), `position_ids`, `past_key_values.<i>.key/value`
 * `[batch, kv_heads, past, head_dim]` in, `logits` and `present.<i>.key/value` out, each present being
 * the past concatenated with the new tokens along the sequence axis. The key cache holds each token's
 * position and the value cache its id (as floats), so the cache grows exactly as a real one and
 * `checkCache` can verify it. The table has vocabulary² floats: keep the vocabulary small (the default
 * words give ~880 tokens, 3 MB).
 */
export async function writeTinyCausalLmOnnx(options: TinyCausalLmOnnxOptions): Promise<TinyCausalLmOnnx> {
  const { dir, gguf, adapters = [], chatTemplate = chatMlTemplate, checkCache = true } = options;
  const exact = gguf.exact;
  if (exact === undefined) {
    throw new InvalidArgumentError({
      argument: 'gguf',
      value: gguf.variant,
      message: `needs an exact-variant model (writeTinyLlamaGguf({variant: 'exact'})), got "${gguf.variant}".`,
    });
  }
  for (const { adapter } of adapters) {
    if (!adapter.targets.includes('output')) {
      throw new InvalidArgumentError({
        argument: 'adapters',
        message: `adapter ${adapter.path} does not target "output"; other targets do not change an exact model.`,
      });
    }
  }
  const { vocabulary } = gguf;
  const vocabularySize = vocabulary.tokens.length;
  const headSize = gguf.hiddenSize / gguf.heads;
  const table = new Float32Array(vocabularySize * vocabularySize);
  for (let token = 0; token < vocabularySize; token++) {
    table.set(exact.logits(token, adapters), token * vocabularySize);
  }

  const onnxBytes = buildCausalLmOnnx({
    table,
    vocabularySize,
    layers: gguf.layers,
    kvHeads: gguf.kvHeads,
    headSize,
    checkCache,
  });
  const onnxPath = path.join(dir, 'onnx', 'model.onnx');
  await mkdir(path.dirname(onnxPath), { recursive: true });
  await writeFile(onnxPath, onnxBytes);

  const token = (id: number) => vocabulary.tokens[id] ?? '';
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(
    path.join(dir, 'config.json'),
    json({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: vocabularySize,
      hidden_size: gguf.hiddenSize,
      intermediate_size: gguf.feedForwardSize,
      num_hidden_layers: gguf.layers,
      num_attention_heads: gguf.heads,
      num_key_value_heads: gguf.kvHeads,
      head_dim: headSize,
      max_position_embeddings: gguf.contextLength,
      rms_norm_eps: gguf.rmsNormEpsilon,
      hidden_act: 'silu',
      bos_token_id: vocabulary.bosId,
      eos_token_id: vocabulary.eosId,
      tie_word_embeddings: false,
      use_cache: true,
      torch_dtype: 'float32',
    }),
  );
  await writeFile(
    path.join(dir, 'generation_config.json'),
    json({ bos_token_id: vocabulary.bosId, eos_token_id: vocabulary.eosId }),
  );
  await writeFile(path.join(dir, 'tokenizer.json'), json(sentencePieceTokenizerJson(vocabulary)));
  const specialTokens = {
    bos_token: token(vocabulary.bosId),
    eos_token: token(vocabulary.eosId),
    unk_token: token(vocabulary.unknownId),
  };
  await writeFile(
    path.join(dir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'LlamaTokenizer',
      add_bos_token: true,
      add_eos_token: false,
      legacy: true,
      clean_up_tokenization_spaces: false,
      model_max_length: gguf.contextLength,
      ...specialTokens,
      pad_token: null,
      chat_template: chatTemplate,
    }),
  );
  await writeFile(path.join(dir, 'special_tokens_map.json'), json(specialTokens));

  return {
    dir,
    onnxPath,
    vocabulary: vocabulary.tokens,
    layers: gguf.layers,
    kvHeads: gguf.kvHeads,
    headSize,
    onnxBytes: onnxBytes.byteLength,
    logits(tokenId) {
      if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= vocabularySize) {
        throw new InvalidArgumentError({
          argument: 'tokenId',
          value: tokenId,
          message: `is outside the vocabulary (0–${vocabularySize - 1}).`,
        });
      }
      return table.slice(tokenId * vocabularySize, (tokenId + 1) * vocabularySize);
    },
  };
}

interface CausalLmOnnxOptions {
  table: Float32Array;
  vocabularySize: number;
  layers: number;
  kvHeads: number;
  headSize: number;
  checkCache: boolean;
}

function buildCausalLmOnnx(options: CausalLmOnnxOptions): Uint8Array {
  const { table, vocabularySize, layers, kvHeads, headSize, checkCache } = options;
  const graph = new OnnxGraphBuilder();
  const float = { to: { int: 1 } }; // TensorProto.FLOAT, for Cast
  const zero = graph.int64('const.zero', [], [0]);
  const one = graph.int64('const.one', [], [1]);
  const two = graph.int64('const.two', [], [2]);

  const logitsTable = graph.float('logits_table', [vocabularySize, vocabularySize], table);
  const baseLogits = graph.node('Gather', [logitsTable, 'input_ids'], { axis: { int: 0 } });

  // [batch, seq] → [batch, kv_heads, seq, head_dim], every head and channel holding the same number.
  const cacheShape = graph.int64('const.cache_broadcast', [4], [1, kvHeads, 1, headSize]);
  const cacheAxes = graph.int64('const.cache_axes', [2], [1, 3]);
  const toCache = (values: string) =>
    graph.node('Expand', [
      graph.node('Unsqueeze', [graph.node('Cast', [values], float), cacheAxes]),
      cacheShape,
    ]);
  const newKeys = toCache('position_ids');
  const newValues = toCache('input_ids');

  const inputs = [
    tensorValueInfo('input_ids', 'int64', ['batch_size', 'sequence_length']),
    tensorValueInfo('attention_mask', 'int64', ['batch_size', 'total_sequence_length']),
    tensorValueInfo('position_ids', 'int64', ['batch_size', 'sequence_length']),
  ];
  const outputs = [tensorValueInfo('logits', 'float', ['batch_size', 'sequence_length', vocabularySize])];
  const cacheDims = (length: string) => ['batch_size', kvHeads, length, headSize];
  for (let layer = 0; layer < layers; layer++) {
    for (const [kind, fresh] of [
      ['key', newKeys],
      ['value', newValues],
    ] as const) {
      const past = `past_key_values.${layer}.${kind}`;
      const present = `present.${layer}.${kind}`;
      inputs.push(tensorValueInfo(past, 'float', cacheDims('past_sequence_length')));
      outputs.push(tensorValueInfo(present, 'float', cacheDims('total_sequence_length')));
      graph.node('Concat', [past, fresh], { axis: { int: 2 } }, present);
    }
  }

  if (!checkCache) {
    graph.node('Identity', [baseLogits], {}, 'logits');
  } else {
    // Positions the cache holds ([batch, total]) against those the attention mask implies.
    const cachedPositions = graph.node(
      'Gather',
      [graph.node('Gather', ['present.0.key', zero], { axis: { int: 1 } }), zero],
      {
        axis: { int: 2 },
      },
    );
    const mask = graph.node('Cast', ['attention_mask'], float);
    const expected = graph.node('Sub', [
      graph.node('CumSum', [mask, graph.int64('const.mask_axis', [], [1])]),
      graph.floatScalar('const.one_float', 1),
    ]);
    const mismatch = graph.node('Mul', [graph.node('Sub', [cachedPositions, expected]), mask]);
    const squared = graph.node('Mul', [mismatch, mismatch]);
    const perRow = graph.node('ReduceSum', [squared, graph.int64('const.sum_axes', [1], [1])], {
      keepdims: { int: 1 },
    }); // [batch, 1]
    // The mask, the positions (key cache) and the token ids (value cache) must all cover the same
    // tokens: a caller that drops the cache but sends the full mask grows them by different amounts.
    const length = (tensor: string, axis: string) =>
      graph.node('Gather', [graph.node('Shape', [tensor]), axis], { axis: { int: 0 } });
    const squaredGap = (a: string, b: string) => {
      const gap = graph.node('Cast', [graph.node('Sub', [a, b])], float);
      return graph.node('Mul', [gap, gap]);
    };
    const keyLength = length('present.0.key', two);
    const penalty = graph.node('Add', [
      perRow,
      graph.node('Add', [
        squaredGap(length('attention_mask', one), keyLength),
        squaredGap(length('present.0.value', two), keyLength),
      ]),
    ]);
    // A token-dependent pattern: a uniform shift would vanish in the softmax and hide the error.
    const pattern = new Float32Array(vocabularySize);
    for (let index = 0; index < vocabularySize; index++) pattern[index] = (index % 3) - 1;
    const shift = graph.node('Mul', [
      graph.node('Unsqueeze', [penalty, graph.int64('const.penalty_axes', [1], [2])]),
      graph.float('penalty_pattern', [vocabularySize], pattern),
    ]);
    graph.node('Add', [baseLogits, shift], {}, 'logits');
  }

  return encodeOnnxModel({
    graphName: 'tiny_causal_lm',
    builder: graph,
    docString:
      'Causal LM whose logits are a lookup table of the closed form of an exact tiny llama GGUF, written by @tonekit/test-kit.',
    inputs,
    outputs,
  });
}
