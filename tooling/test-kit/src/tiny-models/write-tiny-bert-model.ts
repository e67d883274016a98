import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { encodeOnnxModel, OnnxGraphBuilder, tensorValueInfo } from './onnx-graph-builder.js';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';
import {
  bertSpecialTokens,
  bertTokenizerJson,
  buildWordPieceVocabulary,
  defaultTinyBertWords,
} from './word-piece-vocabulary.js';

/** Sizes of the two presets; explicit options override them. */
export const tinyBertPresets = {
  tiny: { hiddenSize: 32, layers: 2, heads: 2, intermediateSize: 64, maxPositionEmbeddings: 128 },
  'bert-base': { hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072, maxPositionEmbeddings: 512 },
} as const;

export interface TinyBertModelOptions {
  /** `tiny` (default: 32 hidden, 2 layers, 2 heads) or `bert-base` (768 hidden, 12 layers, 12 heads). */
  preset?: keyof typeof tinyBertPresets;
  /**
   * Words of the vocabulary (lower-cased, deduplicated). Special tokens, characters and `##`
   * continuations are always added first, so no input maps to `[UNK]` unless it has odd characters.
   * Defaults to a few hundred common English words.
   */
  vocabulary?: readonly string[];
  hiddenSize?: number;
  layers?: number;
  heads?: number;
  /** Feed-forward width; defaults to the preset's (2 × hidden for tiny, 4 × hidden for bert-base). */
  intermediateSize?: number;
  /** Longest input in tokens, also written as the tokenizer's `model_max_length`. */
  maxPositionEmbeddings?: number;
  /** Seed of the random weights; the same options and seed write byte-identical files. Defaults to 0. */
  seed?: number;
  /**
   * Also write sentence-transformers metadata (`modules.json`, `1_Pooling/config.json`) declaring this
   * pooling, as real sentence-embedding checkpoints do. Without it the folder is a plain BERT.
   */
  pooling?: 'cls' | 'mean';
  /**
   * Also output every layer's hidden states as `hidden_states.0` (the embeddings) … `hidden_states.{layers}`
   * (equal to `last_hidden_state`), the names an export with PyTorch's `output_hidden_states` gets, for
   * code that reads an intermediate layer. Defaults to false.
   */
  hiddenStates?: boolean;
}

/** What `writeTinyBertModel` wrote. */
export interface TinyBertModel {
  /** The model folder, as passed. */
  dir: string;
  /** `dir/onnx/model.onnx`. */
  onnxPath: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  /** The full vocabulary in id order (special tokens at 0–4: [PAD], [UNK], [CLS], [SEP], [MASK]). */
  vocabulary: string[];
  pooling: 'cls' | 'mean' | undefined;
  /** Whether the graph also outputs `hidden_states.0` … `hidden_states.{layers}`. */
  hiddenStates: boolean;
  /** Size of the ONNX file in bytes. */
  onnxBytes: number;
}

const layerNormEpsilon = 1e-12;

/**
 * Writes a randomly initialized BERT encoder in the layout transformers.js and sentence-transformers
 * load: `config.json` (model_type `bert`), `tokenizer.json` (WordPiece, BertNormalizer,
 * BertPreTokenizer, [CLS] … [SEP] template), `tokenizer_config.json`, `special_tokens_map.json` and
 * `onnx/model.onnx`.
 *
 * The graph is the real architecture in standard opset-17 ops: word + position + token-type embeddings
 * and LayerNorm, then per layer multi-head self-attention with the additive attention mask, a residual
 * LayerNorm, an erf-GELU feed-forward block and another residual LayerNorm. Inputs `input_ids`,
 * `attention_mask`, `token_type_ids` (int64, [batch, sequence]); output `last_hidden_state`
 * [batch, sequence, hidden] (and every layer's, with `hiddenStates`). Weights are seeded, so tests can
 * rely on exact values across runs.
 */
export async function writeTinyBertModel(
  dir: string,
  options: TinyBertModelOptions = {},
): Promise<TinyBertModel> {
  const preset = tinyBertPresets[options.preset ?? 'tiny'];
  if (preset === undefined) {
    throw new InvalidArgumentError({
      argument: 'preset',
      value: options.preset,
      message: `expected one of ${Object.keys(tinyBertPresets).join(', ')}.`,
    });
  }
  const hiddenSize = positiveInteger('hiddenSize', options.hiddenSize ?? preset.hiddenSize);
  const layers = positiveInteger('layers', options.layers ?? preset.layers);
  const heads = positiveInteger('heads', options.heads ?? preset.heads);
  const intermediateSize = positiveInteger(
    'intermediateSize',
    options.intermediateSize ?? (preset.intermediateSize / preset.hiddenSize) * hiddenSize,
  );
  const maxPositionEmbeddings = positiveInteger(
    'maxPositionEmbeddings',
    options.maxPositionEmbeddings ?? preset.maxPositionEmbeddings,
  );
  if (hiddenSize % heads !== 0) {
    throw new InvalidArgumentError({
      argument: 'heads',
      value: heads,
      message: `hiddenSize ${hiddenSize} must be divisible by the number of heads ${heads}.`,
    });
  }
  const vocabulary = buildWordPieceVocabulary(options.vocabulary ?? defaultTinyBertWords);
  const random = createSeededRandom(options.seed ?? 0);

  const onnxBytes = buildBertOnnx({
    random,
    vocabularySize: vocabulary.length,
    hiddenSize,
    layers,
    heads,
    intermediateSize,
    maxPositionEmbeddings,
    hiddenStates: options.hiddenStates ?? false,
  });

  const onnxPath = path.join(dir, 'onnx', 'model.onnx');
  await mkdir(path.dirname(onnxPath), { recursive: true });
  await writeFile(onnxPath, onnxBytes);

  const { pad, unk, cls, sep, mask } = bertSpecialTokens;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(
    path.join(dir, 'config.json'),
    json({
      architectures: ['BertModel'],
      model_type: 'bert',
      vocab_size: vocabulary.length,
      hidden_size: hiddenSize,
      num_hidden_layers: layers,
      num_attention_heads: heads,
      intermediate_size: intermediateSize,
      hidden_act: 'gelu',
      max_position_embeddings: maxPositionEmbeddings,
      type_vocab_size: 2,
      layer_norm_eps: layerNormEpsilon,
      pad_token_id: pad.id,
      position_embedding_type: 'absolute',
      torch_dtype: 'float32',
    }),
  );
  await writeFile(path.join(dir, 'tokenizer.json'), json(bertTokenizerJson(vocabulary)));
  await writeFile(
    path.join(dir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: maxPositionEmbeddings,
      clean_up_tokenization_spaces: true,
      pad_token: pad.token,
      unk_token: unk.token,
      cls_token: cls.token,
      sep_token: sep.token,
      mask_token: mask.token,
    }),
  );
  await writeFile(
    path.join(dir, 'special_tokens_map.json'),
    json({
      pad_token: pad.token,
      unk_token: unk.token,
      cls_token: cls.token,
      sep_token: sep.token,
      mask_token: mask.token,
    }),
  );
  if (options.pooling !== undefined) {
    await writeSentenceTransformersConfig(dir, options.pooling, hiddenSize, maxPositionEmbeddings);
  }

  return {
    dir,
    onnxPath,
    hiddenSize,
    layers,
    heads,
    intermediateSize,
    maxPositionEmbeddings,
    vocabulary,
    pooling: options.pooling,
    hiddenStates: options.hiddenStates ?? false,
    onnxBytes: onnxBytes.byteLength,
  };
}

async function writeSentenceTransformersConfig(
  dir: string,
  pooling: 'cls' | 'mean',
  hiddenSize: number,
  maxSequenceLength: number,
): Promise<void> {
  if (pooling !== 'cls' && pooling !== 'mean') {
    throw new InvalidArgumentError({
      argument: 'pooling',
      value: pooling,
      message: "expected 'cls' or 'mean'.",
    });
  }
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(
    path.join(dir, 'modules.json'),
    json([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]),
  );
  await mkdir(path.join(dir, '1_Pooling'), { recursive: true });
  await writeFile(
    path.join(dir, '1_Pooling', 'config.json'),
    json({
      word_embedding_dimension: hiddenSize,
      pooling_mode_cls_token: pooling === 'cls',
      pooling_mode_mean_tokens: pooling === 'mean',
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: false,
      include_prompt: true,
    }),
  );
  await writeFile(
    path.join(dir, 'sentence_bert_config.json'),
    json({ max_seq_length: maxSequenceLength, do_lower_case: false }),
  );
}

function positiveInteger(argument: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `expected a positive integer, got ${value}.`,
    });
  }
  return value;
}

interface BertOnnxOptions {
  random: SeededRandom;
  vocabularySize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  hiddenStates: boolean;
}

function buildBertOnnx(options: BertOnnxOptions): Uint8Array {
  const {
    random,
    vocabularySize,
    hiddenSize: hidden,
    layers,
    heads,
    intermediateSize,
    maxPositionEmbeddings,
    hiddenStates: exposeHiddenStates,
  } = options;
  const headSize = hidden / heads;
  const graph = new OnnxGraphBuilder();

  // Weights scaled by 1/√fan_in keep activations near unit variance, so attention actually mixes tokens
  // (BERT's 0.02 would leave a random model nearly the identity, and every [CLS] vector alike).
  const linear = (name: string, inputs: number, outputs: number) => ({
    weight: graph.float(
      `${name}.weight`,
      [inputs, outputs],
      random.normalArray(inputs * outputs, 1 / Math.sqrt(inputs)),
    ),
    bias: graph.float(`${name}.bias`, [outputs], random.normalArray(outputs, 0.02)),
  });
  const layerNorm = (name: string, input: string, output?: string) =>
    graph.node(
      'LayerNormalization',
      [
        input,
        graph.float(`${name}.weight`, [hidden], random.normalArray(hidden, 0.1, 1)),
        graph.float(`${name}.bias`, [hidden], random.normalArray(hidden, 0.1)),
      ],
      { axis: { int: -1 }, epsilon: { float: layerNormEpsilon } },
      output,
    );
  const applyLinear = (input: string, weights: { weight: string; bias: string }) =>
    graph.node('Add', [graph.node('MatMul', [input, weights.weight]), weights.bias]);

  // Embeddings: word + position (0 … sequence − 1) + token type, then LayerNorm.
  const wordEmbeddings = graph.float(
    'embeddings.word_embeddings.weight',
    [vocabularySize, hidden],
    random.normalArray(vocabularySize * hidden, 1),
  );
  const positionEmbeddings = graph.float(
    'embeddings.position_embeddings.weight',
    [maxPositionEmbeddings, hidden],
    random.normalArray(maxPositionEmbeddings * hidden, 1),
  );
  const tokenTypeEmbeddings = graph.float(
    'embeddings.token_type_embeddings.weight',
    [2, hidden],
    random.normalArray(2 * hidden, 1),
  );
  const zero = graph.int64('const.zero', [], [0]);
  const one = graph.int64('const.one', [], [1]);
  const sequenceLength = graph.node('Gather', [graph.node('Shape', ['input_ids']), one], {
    axis: { int: 0 },
  });
  const positionIds = graph.node('Range', [zero, sequenceLength, one]);
  const embedded = graph.node('Add', [
    graph.node('Add', [
      graph.node('Gather', [wordEmbeddings, 'input_ids'], { axis: { int: 0 } }),
      graph.node('Gather', [positionEmbeddings, positionIds], { axis: { int: 0 } }),
    ]),
    graph.node('Gather', [tokenTypeEmbeddings, 'token_type_ids'], { axis: { int: 0 } }),
  ]);
  let hiddenStates = layerNorm('embeddings.LayerNorm', embedded);
  // Identity nodes give intermediate tensors stable output names without changing the computation.
  const layerOutputs: string[] = [];
  const exposeLayer = (index: number, tensor: string) => {
    if (exposeHiddenStates) layerOutputs.push(graph.node('Identity', [tensor], {}, `hidden_states.${index}`));
  };
  exposeLayer(0, hiddenStates);

  // Additive mask: 0 where attention_mask is 1, −1e9 where it is 0, shaped [batch, 1, 1, sequence] to
  // broadcast over heads and query positions.
  const maskFloat = graph.node('Cast', ['attention_mask'], { to: { int: 1 } });
  const maskBias = graph.node('Mul', [
    graph.node('Sub', [graph.floatScalar('const.one_float', 1), maskFloat]),
    graph.floatScalar('const.mask_value', -1e9),
  ]);
  const extendedMask = graph.node('Unsqueeze', [maskBias, graph.int64('const.mask_axes', [2], [1, 2])]);

  const splitHeadsShape = graph.int64('const.split_heads_shape', [4], [0, 0, heads, headSize]);
  const mergeHeadsShape = graph.int64('const.merge_heads_shape', [3], [0, 0, hidden]);
  const scale = graph.floatScalar('const.attention_scale', 1 / Math.sqrt(headSize));
  const sqrtTwo = graph.floatScalar('const.sqrt_two', Math.SQRT2);
  const half = graph.floatScalar('const.half', 0.5);
  const oneFloat = 'const.one_float';

  for (let layer = 0; layer < layers; layer++) {
    const prefix = `encoder.layer.${layer}`;
    const query = linear(`${prefix}.attention.self.query`, hidden, hidden);
    const key = linear(`${prefix}.attention.self.key`, hidden, hidden);
    const value = linear(`${prefix}.attention.self.value`, hidden, hidden);
    const output = linear(`${prefix}.attention.output.dense`, hidden, hidden);
    const intermediate = linear(`${prefix}.intermediate.dense`, hidden, intermediateSize);
    const ffnOutput = linear(`${prefix}.output.dense`, intermediateSize, hidden);

    const heads4d = (input: string, perm: number[]) =>
      graph.node('Transpose', [graph.node('Reshape', [input, splitHeadsShape])], { perm: { ints: perm } });
    const q = heads4d(applyLinear(hiddenStates, query), [0, 2, 1, 3]); // [b, h, s, d]
    const kT = heads4d(applyLinear(hiddenStates, key), [0, 2, 3, 1]); // [b, h, d, s]
    const v = heads4d(applyLinear(hiddenStates, value), [0, 2, 1, 3]); // [b, h, s, d]
    const scores = graph.node('Add', [
      graph.node('Mul', [graph.node('MatMul', [q, kT]), scale]),
      extendedMask,
    ]);
    const probabilities = graph.node('Softmax', [scores], { axis: { int: -1 } });
    const context = graph.node('Reshape', [
      graph.node('Transpose', [graph.node('MatMul', [probabilities, v])], { perm: { ints: [0, 2, 1, 3] } }),
      mergeHeadsShape,
    ]);
    const attended = layerNorm(
      `${prefix}.attention.output.LayerNorm`,
      graph.node('Add', [applyLinear(context, output), hiddenStates]),
    );

    // Exact GELU, 0.5·x·(1 + erf(x/√2)), as BERT's "gelu" and PyTorch's ONNX export compute it.
    const pre = applyLinear(attended, intermediate);
    const gelu = graph.node('Mul', [
      graph.node('Mul', [pre, half]),
      graph.node('Add', [graph.node('Erf', [graph.node('Div', [pre, sqrtTwo])]), oneFloat]),
    ]);
    hiddenStates = layerNorm(
      `${prefix}.output.LayerNorm`,
      graph.node('Add', [applyLinear(gelu, ffnOutput), attended]),
      layer === layers - 1 ? 'last_hidden_state' : undefined,
    );
    exposeLayer(layer + 1, hiddenStates);
  }

  return encodeOnnxModel({
    graphName: 'tiny_bert',
    builder: graph,
    docString: 'Randomly initialized BERT encoder written by @tonekit/test-kit for tests and benchmarks.',
    inputs: [
      tensorValueInfo('input_ids', 'int64', ['batch_size', 'sequence_length']),
      tensorValueInfo('attention_mask', 'int64', ['batch_size', 'sequence_length']),
      tensorValueInfo('token_type_ids', 'int64', ['batch_size', 'sequence_length']),
    ],
    outputs: [
      tensorValueInfo('last_hidden_state', 'float', ['batch_size', 'sequence_length', hidden]),
      ...layerOutputs.map((name) =>
        tensorValueInfo(name, 'float', ['batch_size', 'sequence_length', hidden]),
      ),
    ],
  });
}
