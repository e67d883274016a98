import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  asyncDispose,
  CancelledError,
  type Embedder,
  type EmbedOptions,
  type EmbedResult,
  InvalidArgumentError,
  ModelLoadError,
  type OnEvent,
  TonekitError,
} from '@tonekit/core';
import type { TransformersEmbedderEvent } from './embedding-events.js';
import { loadEncoder, type PreTrainedTokenizer } from './load-encoder.js';
import {
  defaultPoolingForModel,
  type EmbeddingPooling,
  type PoolingSource,
  type ReadModelJson,
  readSentenceTransformersPooling,
} from './sentence-transformers-pooling.js';
import { transformersDefaultPaths } from './transformers-runtime.js';

type Transformers = typeof import('@huggingface/transformers');
type Tensor = InstanceType<Transformers['Tensor']>;

/** Weight formats transformers.js finds as `onnx/model{suffix}.onnx` in a model repository. */
export type TransformersDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

const onnxFileSuffix: Record<TransformersDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

export const DEFAULT_EMBEDDING_MODEL = 'Alibaba-NLP/gte-modernbert-base';

export interface TransformersEmbedderSettings {
  /**
   * Hugging Face Hub id, also the reported `modelId`. Defaults to `Alibaba-NLP/gte-modernbert-base`, or to
   * the folder name when `localPath` is given. The repository must contain ONNX weights
   * (`onnx/model.onnx`, as the onnx-community and Xenova conversions do).
   */
  model?: string;
  /** A local model folder (`config.json`, `tokenizer.json`, `onnx/model*.onnx`); no Hub lookup at all. */
  localPath?: string;
  /** Download from the Hub when the model is not cached. Defaults to false: nothing leaves the machine. */
  allowRemote?: boolean;
  /** Where downloaded Hub models are cached. Defaults to transformers.js's `env.cacheDir`. */
  cacheDir?: string;
  /** Hub revision (branch, tag or commit). Defaults to `main`. */
  revision?: string;
  /** Which ONNX weights to load. Defaults to `fp32`; `q8` is about 4× smaller and faster on CPU. */
  dtype?: TransformersDtype;
  /**
   * Overrides the pooling read from the model's sentence-transformers config (`modules.json` →
   * `1_Pooling/config.json`). Without either, CLS for known CLS-trained models (gte-modernbert, bge,
   * arctic-embed, mxbai-embed) and mean otherwise.
   */
  pooling?: EmbeddingPooling;
  /** L2-normalize every vector, so a dot product is the cosine. Defaults to true. */
  normalize?: boolean;
  /** Texts per ONNX run. Defaults to 32. */
  batchSize?: number;
  /**
   * Largest rows × padded length of one ONNX run, which bounds its memory (attention grows with the
   * square of the length): 32 short questions share a run, 512-token passages run 8 at a time. Defaults
   * to 4096.
   */
  maxBatchTokens?: number;
  /**
   * Largest number of values one `doEmbed` call accepts. Defaults to max(256, batchSize). A call is
   * tokenized at once, sorted by token count and run `batchSize` at a time, so a larger call pads less.
   */
  maxBatchSize?: number;
  /** Longest input in tokens, special tokens included; longer inputs are truncated. Defaults to the model's limit. */
  maxLength?: number;
  /** onnxruntime intra-op threads. Defaults to onnxruntime's choice (all cores). */
  threads?: number;
  /** Fetch for the sentence-transformers metadata of Hub models (transformers.js fetches the model itself). */
  fetch?: typeof globalThis.fetch;
  onEvent?: OnEvent<TransformersEmbedderEvent>;
  /** Cancels loading between steps (a file being read or downloaded finishes first). */
  abortSignal?: AbortSignal;
}

/** A local sentence-embedding model. Holds an ONNX session: `dispose()` it or use `await using`. */
export interface TransformersEmbedder extends Embedder, AsyncDisposable {
  readonly pooling: EmbeddingPooling;
  readonly poolingSource: PoolingSource;
  readonly normalize: boolean;
  readonly batchSize: number;
  readonly maxBatchTokens: number;
  readonly maxLength: number;
  readonly dtype: TransformersDtype;
  /** The local folder the model was loaded from, or undefined for a Hub model. */
  readonly path: string | undefined;
  /** Releases the ONNX session. Idempotent; `doEmbed` rejects afterwards. */
  dispose(): Promise<void>;
}

/**
 * Loads a sentence-embedding model with transformers.js (onnxruntime-node underneath) and returns an
 * `Embedder`. Tokenization, ONNX inference, pooling and normalization all run in-process; no Python.
 *
 * ```ts
 * await using embedder = await createTransformersEmbedder({ allowRemote: true, cacheDir: './models' });
 * const { embeddings } = await embedder.doEmbed({ values: ['What is the capital of France?'] });
 * ```
 */
export async function createTransformersEmbedder(
  settings: TransformersEmbedderSettings = {},
): Promise<TransformersEmbedder> {
  const started = performance.now();
  const {
    allowRemote = false,
    revision = 'main',
    dtype = 'fp32',
    normalize = true,
    batchSize = 32,
    maxBatchTokens = 4096,
    onEvent,
    abortSignal,
  } = settings;
  validateSettings(settings);
  const maxBatchSize = settings.maxBatchSize ?? Math.max(256, batchSize);
  const localPath = settings.localPath === undefined ? undefined : path.resolve(settings.localPath);
  const modelId =
    settings.model ?? (localPath === undefined ? DEFAULT_EMBEDDING_MODEL : path.basename(localPath));
  const source = localPath ?? modelId;
  const throwIfAborted = () => {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  };
  throwIfAborted();

  let readJson: ReadModelJson;
  let cacheDir = settings.cacheDir === undefined ? undefined : path.resolve(settings.cacheDir);
  if (localPath !== undefined) {
    await checkLocalModelFolder(localPath, modelId, dtype);
    readJson = (file) => readJsonFile(path.join(localPath, file));
  } else {
    const defaults = await transformersDefaultPaths();
    cacheDir ??= defaults.cacheDir ?? undefined;
    const cachedFolder =
      cacheDir === undefined
        ? undefined
        : revision === 'main'
          ? path.join(cacheDir, modelId)
          : path.join(cacheDir, modelId, revision);
    const candidates = [cachedFolder, path.join(defaults.localModelPath, modelId)].filter(
      (folder): folder is string => folder !== undefined,
    );
    if (!allowRemote && !(await someFileExists(candidates, 'config.json'))) {
      throw new ModelLoadError({
        message:
          `Model "${modelId}" is not available locally and allowRemote is false. Looked for config.json in ` +
          `${candidates.map((folder) => `"${folder}"`).join(' and ')}. Either download it once with ` +
          `createTransformersEmbedder({ model: '${modelId}', allowRemote: true${settings.cacheDir === undefined ? '' : ', cacheDir'} }) ` +
          `(it is cached for later offline use), or download the repository yourself ` +
          `(\`hf download ${modelId} --local-dir ./models/${path.basename(modelId)}\`) and pass localPath.`,
        modelId,
      });
    }
    const fetchJson = allowRemote
      ? createHubJsonFetcher(modelId, revision, settings.fetch, cachedFolder)
      : undefined;
    readJson = async (file) => {
      for (const folder of candidates) {
        const value = await readJsonFile(path.join(folder, file));
        if (value !== undefined) return value;
      }
      return fetchJson?.(file);
    };
  }

  let pooling: EmbeddingPooling;
  let poolingSource: PoolingSource;
  // An explicit pooling wins, also over a declared mode we could not reproduce.
  const readDeclared = () =>
    readSentenceTransformersPooling(readJson, { modelId, path: localPath }).catch((error: unknown) => {
      if (ModelLoadError.isInstance(error)) throw error;
      throw new ModelLoadError({
        message: `Could not read the sentence-transformers config (modules.json) of ${source}: ${errorMessage(error)}`,
        modelId,
        path: localPath,
        cause: error,
      });
    });
  const declared =
    settings.pooling === undefined ? await readDeclared() : await readDeclared().catch(() => undefined);
  if (settings.pooling !== undefined) {
    pooling = settings.pooling;
    poolingSource = 'option';
  } else if (declared !== undefined) {
    pooling = declared.pooling;
    poolingSource = 'sentence-transformers-config';
  } else {
    pooling = defaultPoolingForModel(modelId);
    poolingSource = 'model-name-default';
  }
  const ignoredModules = declared?.ignoredModules ?? [];
  throwIfAborted();

  const encoder = await loadEncoder({
    source,
    modelId,
    localPath,
    allowRemote,
    cacheDir,
    revision,
    dtype,
    threads: settings.threads,
    onEvent,
    abortSignal,
  });
  const { tokenizer, model } = encoder;

  const config = model.config as unknown as Record<string, unknown>;
  const dimensions = firstPositiveInteger(config.hidden_size, config.d_model, config.dim, config.n_embd);
  if (dimensions === undefined) {
    await model.dispose();
    throw new ModelLoadError({
      message: `The config.json of ${source} has no hidden_size, so the embedding dimensions are unknown.`,
      modelId,
      path: localPath,
    });
  }
  const modelLimit = Math.min(
    positiveOrInfinity(tokenizer.model_max_length),
    positiveOrInfinity(config.max_position_embeddings),
  );
  const maxLength = settings.maxLength ?? (Number.isFinite(modelLimit) ? modelLimit : 512);
  if (maxLength > modelLimit) {
    await model.dispose();
    throw new InvalidArgumentError({
      argument: 'maxLength',
      value: maxLength,
      message: `the model accepts at most ${modelLimit} tokens.`,
    });
  }
  const padId = tokenizer.pad_token_id ?? 0;
  const suffixLength = countTrailingSpecialTokens(tokenizer);

  const truncate = (ids: number[]): number[] => {
    if (ids.length <= maxLength) return ids;
    // Keep the closing special tokens ([SEP], </s>) as Hugging Face's truncation does; transformers.js
    // would cut them off with the text.
    return suffixLength === 0
      ? ids.slice(0, maxLength)
      : [...ids.slice(0, maxLength - suffixLength), ...ids.slice(ids.length - suffixLength)];
  };

  const embedRun = (sequences: number[][]): Promise<Float32Array[]> =>
    encoder.runBatch(sequences, padId, (outputs) => {
      const rows = sequences.length;
      const hidden = pickHiddenState(outputs);
      if (hidden.dims.length !== 3 || hidden.dims[0] !== rows || hidden.dims[2] !== dimensions) {
        const width = Math.max(...sequences.map((ids) => ids.length));
        throw new TonekitError({
          message: `Expected the model's hidden states as [${rows}, ${width}, ${dimensions}], got [${hidden.dims.join(', ')}].`,
        });
      }
      const data = (hidden.type === 'float32' ? hidden : hidden.to('float32')).data as Float32Array;
      const sequenceWidth = hidden.dims[1]!;
      return sequences.map((ids, row) =>
        poolRow(data, row * sequenceWidth * dimensions, ids.length, dimensions, pooling, normalize),
      );
    });
  const dispose = () => encoder.dispose();

  const embedder: TransformersEmbedder = {
    specificationVersion: 'v1',
    provider: 'transformers.js',
    modelId,
    dimensions,
    maxBatchSize,
    pooling,
    poolingSource,
    normalize,
    batchSize,
    maxBatchTokens,
    maxLength,
    dtype,
    path: localPath,
    async doEmbed({ values, abortSignal: signal }: EmbedOptions): Promise<EmbedResult> {
      validateValues(values, maxBatchSize);
      if (encoder.disposed) throw new TonekitError({ message: `The embedder for ${source} was disposed.` });
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      if (values.length === 0) return { embeddings: [], usage: { tokens: 0 } };

      const sequences = values.map((value) => truncate(tokenizer.encode(value)));
      // Sorting by token count before cutting runs keeps each run's padding small; results go back to
      // input order below. Stable sort, so equal lengths keep their order.
      const order = sequences
        .map((_, index) => index)
        .sort((a, b) => sequences[a]!.length - sequences[b]!.length);
      const embeddings = new Array<Float32Array>(values.length);
      for (const indices of planRuns(order, (index) => sequences[index]!.length, batchSize, maxBatchTokens)) {
        if (signal?.aborted) throw CancelledError.fromSignal(signal);
        if (encoder.disposed) throw new TonekitError({ message: `The embedder for ${source} was disposed.` });
        const vectors = await embedRun(indices.map((index) => sequences[index]!));
        indices.forEach((index, position) => {
          embeddings[index] = vectors[position]!;
        });
      }
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      return { embeddings, usage: { tokens: sequences.reduce((sum, ids) => sum + ids.length, 0) } };
    },
    dispose,
    [asyncDispose]: dispose,
  };

  onEvent?.({
    type: 'model-loaded',
    modelId,
    path: localPath,
    dimensions,
    pooling,
    poolingSource,
    ignoredModules,
    durationMs: performance.now() - started,
    timestamp: Date.now(),
  });
  return embedder;
}

/**
 * Cuts `order` (sorted by ascending length) into runs of at most `batchSize` items whose padded size,
 * rows × longest length, stays within `maxTokens` (a single longer item still runs alone).
 */
export function planRuns(
  order: number[],
  lengthOf: (index: number) => number,
  batchSize: number,
  maxTokens: number,
): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let width = 0;
  for (const index of order) {
    const nextWidth = Math.max(width, lengthOf(index));
    if (run.length > 0 && (run.length >= batchSize || (run.length + 1) * nextWidth > maxTokens)) {
      runs.push(run);
      run = [];
      width = 0;
    }
    run.push(index);
    width = Math.max(width, lengthOf(index));
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function poolRow(
  data: Float32Array,
  offset: number,
  length: number,
  dimensions: number,
  pooling: EmbeddingPooling,
  normalize: boolean,
): Float32Array {
  let vector: Float32Array;
  if (pooling === 'cls') {
    vector = data.slice(offset, offset + dimensions);
  } else {
    // Accumulate in float64: the reference (PyTorch) sums in float32 but over far fewer roundings.
    const sums = new Float64Array(dimensions);
    for (let token = 0; token < length; token++) {
      const base = offset + token * dimensions;
      for (let dimension = 0; dimension < dimensions; dimension++)
        sums[dimension]! += data[base + dimension]!;
    }
    vector = new Float32Array(dimensions);
    for (let dimension = 0; dimension < dimensions; dimension++)
      vector[dimension] = sums[dimension]! / length;
  }
  if (normalize) {
    let squares = 0;
    for (const value of vector) squares += value * value;
    // Same floor as torch.nn.functional.normalize, so an all-zero vector stays zero instead of NaN.
    const scale = 1 / Math.max(Math.sqrt(squares), 1e-12);
    for (let dimension = 0; dimension < dimensions; dimension++) vector[dimension]! *= scale;
  }
  return vector;
}

/** How many special tokens the tokenizer appends after the text (1 for BERT's [SEP]). */
function countTrailingSpecialTokens(tokenizer: PreTrainedTokenizer): number {
  const probe = 'hello world';
  const withSpecial = tokenizer.encode(probe);
  const bare = tokenizer.encode(probe, { add_special_tokens: false });
  for (let start = 0; start + bare.length <= withSpecial.length; start++) {
    if (bare.every((id, index) => withSpecial[start + index] === id)) {
      return withSpecial.length - start - bare.length;
    }
  }
  return 0;
}

function pickHiddenState(outputs: Record<string, unknown>): Tensor {
  const isTensor = (value: unknown): value is Tensor =>
    typeof value === 'object' && value !== null && 'dims' in value && 'data' in value;
  const named = outputs.last_hidden_state ?? outputs.token_embeddings;
  if (isTensor(named)) return named;
  const threeDimensional = Object.values(outputs).find((value) => isTensor(value) && value.dims.length === 3);
  if (isTensor(threeDimensional)) return threeDimensional;
  throw new TonekitError({
    message: `The model returned no token hidden states (outputs: ${Object.keys(outputs).join(', ')}); expected last_hidden_state.`,
  });
}

function validateSettings(settings: TransformersEmbedderSettings): void {
  const positiveIntegers = ['batchSize', 'maxBatchSize', 'maxBatchTokens', 'maxLength', 'threads'] as const;
  for (const argument of positiveIntegers) {
    const value = settings[argument];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError({
        argument,
        value,
        message: `expected a positive integer, got ${value}.`,
      });
    }
  }
  if (settings.maxLength !== undefined && settings.maxLength < 2) {
    throw new InvalidArgumentError({
      argument: 'maxLength',
      value: settings.maxLength,
      message: 'expected at least 2 tokens (the special tokens alone take two).',
    });
  }
  if (settings.maxBatchSize !== undefined && settings.maxBatchSize < (settings.batchSize ?? 32)) {
    throw new InvalidArgumentError({
      argument: 'maxBatchSize',
      value: settings.maxBatchSize,
      message: `must be at least batchSize (${settings.batchSize ?? 32}).`,
    });
  }
  if (settings.pooling !== undefined && settings.pooling !== 'cls' && settings.pooling !== 'mean') {
    throw new InvalidArgumentError({
      argument: 'pooling',
      value: settings.pooling,
      message: "expected 'cls' or 'mean'.",
    });
  }
  if (settings.dtype !== undefined && !Object.hasOwn(onnxFileSuffix, settings.dtype)) {
    throw new InvalidArgumentError({
      argument: 'dtype',
      value: settings.dtype,
      message: `expected one of ${Object.keys(onnxFileSuffix).join(', ')}.`,
    });
  }
  for (const argument of ['model', 'localPath', 'cacheDir', 'revision'] as const) {
    const value = settings[argument];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidArgumentError({ argument, value, message: 'expected a non-empty string.' });
    }
  }
}

function validateValues(values: unknown, maxBatchSize: number): asserts values is string[] {
  if (!Array.isArray(values)) {
    throw new InvalidArgumentError({
      argument: 'values',
      value: values,
      message: 'expected an array of strings.',
    });
  }
  if (values.length > maxBatchSize) {
    throw new InvalidArgumentError({
      argument: 'values',
      value: values.length,
      message: `got ${values.length} values, more than maxBatchSize (${maxBatchSize}); split them, e.g. with embedMany().`,
    });
  }
  const index = values.findIndex((value) => typeof value !== 'string');
  if (index !== -1) {
    throw new InvalidArgumentError({
      argument: `values[${index}]`,
      value: values[index],
      message: `expected a string, got ${typeof values[index]}.`,
    });
  }
}

async function checkLocalModelFolder(
  folder: string,
  modelId: string,
  dtype: TransformersDtype,
): Promise<void> {
  const howToGet =
    'A model folder holds config.json, tokenizer.json and onnx/model.onnx (or model_quantized.onnx, ' +
    `model_fp16.onnx, ... per dtype). Download one with \`hf download ${DEFAULT_EMBEDDING_MODEL} --local-dir <folder>\`, ` +
    'or give a Hub id as `model` with allowRemote: true.';
  const folderStat = await stat(folder).catch(() => undefined);
  if (folderStat === undefined || !folderStat.isDirectory()) {
    throw new ModelLoadError({
      message: `Model folder "${folder}" does not exist (localPath). ${howToGet}`,
      modelId,
      path: folder,
    });
  }
  const onnxFile = `onnx/model${onnxFileSuffix[dtype]}.onnx`;
  const missing: string[] = [];
  for (const file of ['config.json', 'tokenizer.json', onnxFile]) {
    if ((await stat(path.join(folder, file)).catch(() => undefined)) === undefined) missing.push(file);
  }
  if (missing.length > 0) {
    throw new ModelLoadError({
      message: `Model folder "${folder}" lacks ${missing.join(', ')} (dtype ${dtype}). ${howToGet}`,
      modelId,
      path: folder,
    });
  }
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return JSON.parse(text) as unknown;
}

async function someFileExists(folders: string[], file: string): Promise<boolean> {
  for (const folder of folders) {
    if ((await stat(path.join(folder, file)).catch(() => undefined)) !== undefined) return true;
  }
  return false;
}

/**
 * transformers.js downloads only what inference needs, never `modules.json`; fetch the small
 * sentence-transformers files ourselves from the same host and cache them beside the model.
 */
function createHubJsonFetcher(
  modelId: string,
  revision: string,
  injectedFetch: typeof globalThis.fetch | undefined,
  cacheFolder: string | undefined,
): (file: string) => Promise<unknown> {
  return async (file) => {
    const { remoteHost, remotePathTemplate } = await transformersDefaultPaths();
    const prefix = remotePathTemplate
      .replaceAll('{model}', modelId)
      .replaceAll('{revision}', encodeURIComponent(revision));
    const url = new URL(`${prefix.replace(/\/?$/, '/')}${file}`, remoteHost.replace(/\/?$/, '/')).href;
    let response: Response;
    try {
      response = await (injectedFetch ?? globalThis.fetch)(url);
    } catch {
      return undefined;
    }
    if (!response.ok) return undefined;
    const text = await response.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (cacheFolder !== undefined) {
      const target = path.join(cacheFolder, file);
      await mkdir(path.dirname(target), { recursive: true })
        .then(() => writeFile(target, text))
        .catch(() => undefined);
    }
    return value;
  };
}

function firstPositiveInteger(...values: unknown[]): number | undefined {
  return values.find(
    (value): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0,
  );
}

function positiveOrInfinity(value: unknown): number {
  // Tokenizers without a limit report a huge sentinel (1e30) instead of leaving the field out.
  return typeof value === 'number' && value > 0 && value < 1e9 ? value : Number.POSITIVE_INFINITY;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
