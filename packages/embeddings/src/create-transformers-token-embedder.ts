import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import {
  asyncDispose,
  CancelledError,
  type EmbedTokensOptions,
  type EmbedTokensResult,
  InvalidArgumentError,
  ModelLoadError,
  type OnEvent,
  type TokenEmbedder,
  type TokenEmbedding,
  TonekitError,
} from '@tonekit/core';
import { planRuns, type TransformersDtype } from './create-transformers-embedder.js';
import type { ModelLoadProgressEvent } from './embedding-events.js';
import { loadEncoder, type PreTrainedModel, type PreTrainedTokenizer } from './load-encoder.js';
import { transformersDefaultPaths } from './transformers-runtime.js';

type Transformers = typeof import('@huggingface/transformers');
type Tensor = InstanceType<Transformers['Tensor']>;

export interface TransformersTokenEmbedderSettings {
  /**
   * Hugging Face Hub id, or a local folder when it starts with `/`, `./` or `../`. Also the reported
   * `modelId` (the folder name for a local folder); with `localPath`, a Hub id here only names the model.
   */
  model?: string;
  /** A local model folder (`config.json`, `tokenizer.json`, `onnx/model*.onnx`); no Hub lookup at all. */
  localPath?: string;
  /**
   * The encoder layer whose output is returned, counted as bert_score's `num_layers` (0 = the embedding
   * output, n = after n transformer layers). Served from a graph output named `hidden_states.{layer}`
   * when the ONNX graph has one; otherwise the model must end at that layer (`num_hidden_layers` in its
   * config.json equals `layer`, as in an encoder truncated by `export-bertscore-encoder.py`) and its
   * `last_hidden_state` is used. Any other model is rejected rather than silently scored on another
   * layer. Defaults to the model's last layer.
   */
  layer?: number;
  /** Download from the Hub when the model is not cached. Defaults to false: nothing leaves the machine. */
  allowRemote?: boolean;
  /** Where downloaded Hub models are cached. Defaults to transformers.js's `env.cacheDir`. */
  cacheDir?: string;
  /** Hub revision (branch, tag or commit). Defaults to `main`. */
  revision?: string;
  /** Which ONNX weights to load. Defaults to `fp32`, the precision bert_score computes in. */
  dtype?: TransformersDtype;
  /**
   * Tokenize `' ' + text` as bert_score does for byte-level BPE tokenizers (RoBERTa, GPT-2, BART:
   * `add_prefix_space=True`), so the first word gets the same token as every other word. Defaults to
   * true exactly when the tokenizer's pre-tokenizer is ByteLevel.
   */
  addPrefixSpace?: boolean;
  /** Strip leading and trailing whitespace (Python's `str.strip()` set) first, as bert_score does. Defaults to true. */
  strip?: boolean;
  /** Texts per ONNX run. Defaults to 32. */
  batchSize?: number;
  /** Largest rows × padded length of one ONNX run; bounds its memory. Defaults to 4096. */
  maxBatchTokens?: number;
  /** Largest number of values one `doEmbedTokens` call accepts. Defaults to max(256, batchSize). */
  maxBatchSize?: number;
  /**
   * Longest input in tokens, special tokens included; longer inputs are truncated keeping the closing
   * special token, as Hugging Face's `truncation=True` does. Defaults to the model's limit (512 for RoBERTa).
   */
  maxLength?: number;
  /** onnxruntime intra-op threads. Defaults to onnxruntime's choice (all cores). */
  threads?: number;
  onEvent?: OnEvent<ModelLoadProgressEvent>;
  /** Cancels loading between steps (a file being read or downloaded finishes first). */
  abortSignal?: AbortSignal;
}

/** A local contextual token-embedding model. Holds an ONNX session: `dispose()` it or use `await using`. */
export interface TransformersTokenEmbedder extends TokenEmbedder, AsyncDisposable {
  /** The layer the vectors come from (see `TransformersTokenEmbedderSettings.layer`). */
  readonly layer: number;
  /** `hidden_states.{layer}` or `last_hidden_state`: where the vectors are read from. */
  readonly outputName: string;
  readonly addPrefixSpace: boolean;
  readonly strip: boolean;
  readonly batchSize: number;
  readonly maxBatchTokens: number;
  readonly maxLength: number;
  readonly dtype: TransformersDtype;
  /** The local folder the model was loaded from, or undefined for a Hub model. */
  readonly path: string | undefined;
  /** Releases the ONNX session. Idempotent; `doEmbedTokens` rejects afterwards. */
  dispose(): Promise<void>;
}

// Python's str.isspace() set, which differs from JS `\s` (no U+FEFF; adds U+001C–U+001F and U+0085):
// bert_score strips with Python, and a stray character would become a token of its own.
const pythonWhitespace =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const leadingOrTrailingWhitespace = new RegExp(`^[${pythonWhitespace}]+|[${pythonWhitespace}]+$`, 'g');

/**
 * Loads an encoder with transformers.js (onnxruntime-node underneath) and returns a `TokenEmbedder`: the
 * hidden state of every token, as BERTScore consumes them. Tokenization follows bert_score's
 * `sent_encode` (strip, prefix space for byte-level BPE, truncation to the model's limit).
 *
 * ```ts
 * // roberta-large cut after layer 17 by packages/evaluator/scripts/export-bertscore-encoder.py:
 * await using embedder = await createTransformersTokenEmbedder({ localPath: './models/roberta-large-L17', layer: 17 });
 * const { embeddings } = await embedder.doEmbedTokens({ values: ['The cat sat.'] });
 * ```
 */
export async function createTransformersTokenEmbedder(
  settings: TransformersTokenEmbedderSettings,
): Promise<TransformersTokenEmbedder> {
  validateSettings(settings);
  const {
    allowRemote = false,
    revision = 'main',
    dtype = 'fp32',
    strip = true,
    batchSize = 32,
    maxBatchTokens = 4096,
    onEvent,
    abortSignal,
  } = settings;
  const maxBatchSize = settings.maxBatchSize ?? Math.max(256, batchSize);
  const modelIsPath =
    settings.model !== undefined && (path.isAbsolute(settings.model) || /^\.\.?[\\/]/.test(settings.model));
  const localInput = settings.localPath ?? (modelIsPath ? settings.model : undefined);
  const localPath = localInput === undefined ? undefined : path.resolve(localInput);
  // With localPath, `model` (when not itself a path) names the model in reports, as in createTransformersEmbedder.
  const modelId =
    settings.model !== undefined && !modelIsPath
      ? settings.model
      : path.basename(localPath ?? settings.model!);
  const source = localPath ?? modelId;
  const throwIfAborted = () => {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  };
  throwIfAborted();

  let cacheDir = settings.cacheDir === undefined ? undefined : path.resolve(settings.cacheDir);
  if (localPath !== undefined) {
    await checkLocalModelFolder(localPath, modelId);
  } else {
    const defaults = await transformersDefaultPaths();
    cacheDir ??= defaults.cacheDir ?? undefined;
    const candidates = [
      cacheDir === undefined
        ? undefined
        : revision === 'main'
          ? path.join(cacheDir, modelId)
          : path.join(cacheDir, modelId, revision),
      path.join(defaults.localModelPath, modelId),
    ].filter((folder): folder is string => folder !== undefined);
    if (!allowRemote && !(await someFileExists(candidates, 'config.json'))) {
      throw new ModelLoadError({
        message:
          `Model "${modelId}" is not available locally and allowRemote is false. Looked for config.json in ` +
          `${candidates.map((folder) => `"${folder}"`).join(' and ')}. Pass allowRemote: true to download ` +
          'it once (it is cached for later offline use), or pass localPath. For BERTScore with roberta-large, ' +
          'export the encoder with packages/evaluator/scripts/export-bertscore-encoder.py and pass its folder.',
        modelId,
      });
    }
  }
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
  const fail = async (error: Error): Promise<never> => {
    await encoder.dispose();
    throw error;
  };

  const config = model.config as unknown as Record<string, unknown>;
  const dimensions = firstPositiveInteger(config.hidden_size, config.d_model, config.dim, config.n_embd);
  if (dimensions === undefined) {
    return fail(
      new ModelLoadError({
        message: `The config.json of ${source} has no hidden_size, so the vector dimensions are unknown.`,
        modelId,
        path: localPath,
      }),
    );
  }
  const configLayers = firstNonNegativeInteger(config.num_hidden_layers, config.n_layers, config.n_layer);
  const outputNames = sessionOutputNames(model);
  const layer = settings.layer ?? configLayers;
  let outputName: string;
  if (settings.layer !== undefined && outputNames.includes(`hidden_states.${settings.layer}`)) {
    outputName = `hidden_states.${settings.layer}`;
  } else if (settings.layer === undefined || settings.layer === configLayers) {
    // An encoder whose single output has another name (`token_embeddings`) still gives the last layer.
    outputName =
      outputNames.length === 0 || outputNames.includes('last_hidden_state')
        ? 'last_hidden_state'
        : outputNames[0]!;
  } else {
    return fail(
      new ModelLoadError({
        message:
          `The model in ${source} has ${configLayers ?? 'an unknown number of'} layers and no graph output ` +
          `"hidden_states.${settings.layer}", so layer ${settings.layer} cannot be read from it. Export the ` +
          `encoder truncated to ${settings.layer} layers (packages/evaluator/scripts/export-bertscore-encoder.py ` +
          `--layers ${settings.layer}), or export it with --all-hidden-states.`,
        modelId,
        path: localPath,
      }),
    );
  }
  if (layer === undefined) {
    return fail(
      new ModelLoadError({
        message: `The config.json of ${source} has no num_hidden_layers; pass \`layer\` to say which layer the model ends at.`,
        modelId,
        path: localPath,
      }),
    );
  }

  const modelLimit = Math.min(
    positiveOrInfinity(tokenizer.model_max_length),
    positiveOrInfinity(config.max_position_embeddings),
  );
  const maxLength = settings.maxLength ?? (Number.isFinite(modelLimit) ? modelLimit : 512);
  if (maxLength > modelLimit) {
    return fail(
      new InvalidArgumentError({
        argument: 'maxLength',
        value: maxLength,
        message: `the model accepts at most ${modelLimit} tokens.`,
      }),
    );
  }
  const addPrefixSpace = settings.addPrefixSpace ?? isByteLevel(tokenizer._tokenizerJSON?.pre_tokenizer);
  const framing = specialTokenFraming(tokenizer);
  const specialIds = new Set([...framing.prefix, ...framing.suffix]);
  const padId = tokenizer.pad_token_id ?? 0;

  const encode = (value: string): number[] => {
    const text = strip ? value.replace(leadingOrTrailingWhitespace, '') : value;
    // bert_score encodes an empty text as the special tokens alone; a prefix space would add a token.
    const ids = tokenizer.encode(text === '' || !addPrefixSpace ? text : ` ${text}`);
    if (ids.length <= maxLength) return ids;
    const keepAtEnd = framing.suffix.length;
    return [...ids.slice(0, maxLength - keepAtEnd), ...ids.slice(ids.length - keepAtEnd)];
  };

  const embedRun = (sequences: number[][]): Promise<Float32Array[]> =>
    encoder.runBatch(sequences, padId, (outputs) => {
      const rows = sequences.length;
      const hidden = outputs[outputName] as Tensor | undefined;
      if (
        hidden === undefined ||
        hidden.dims.length !== 3 ||
        hidden.dims[0] !== rows ||
        hidden.dims[2] !== dimensions
      ) {
        const width = Math.max(...sequences.map((ids) => ids.length));
        throw new TonekitError({
          message: `Expected output "${outputName}" of ${source} as [${rows}, ${width}, ${dimensions}], got ${hidden === undefined ? 'no such output' : `[${hidden.dims.join(', ')}]`}.`,
        });
      }
      const data = (hidden.type === 'float32' ? hidden : hidden.to('float32')).data as Float32Array;
      const rowStride = hidden.dims[1]! * dimensions;
      return sequences.map((ids, row) =>
        data.slice(row * rowStride, row * rowStride + ids.length * dimensions),
      );
    });
  const dispose = () => encoder.dispose();

  return {
    specificationVersion: 'v1',
    provider: 'transformers.js',
    modelId,
    dimensions,
    maxBatchSize,
    layer,
    outputName,
    addPrefixSpace,
    strip,
    batchSize,
    maxBatchTokens,
    maxLength,
    dtype,
    path: localPath,
    async doEmbedTokens({ values, abortSignal: signal }: EmbedTokensOptions): Promise<EmbedTokensResult> {
      validateValues(values, maxBatchSize);
      if (encoder.disposed)
        throw new TonekitError({ message: `The token embedder for ${source} was disposed.` });
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      if (values.length === 0) return { embeddings: [], usage: { tokens: 0 } };

      const sequences = values.map(encode);
      // Sorted by token count so each run pads little; results go back to input order below.
      const order = sequences
        .map((_, index) => index)
        .sort((a, b) => sequences[a]!.length - sequences[b]!.length);
      const embeddings = new Array<TokenEmbedding>(values.length);
      for (const indices of planRuns(order, (index) => sequences[index]!.length, batchSize, maxBatchTokens)) {
        if (signal?.aborted) throw CancelledError.fromSignal(signal);
        if (encoder.disposed)
          throw new TonekitError({ message: `The token embedder for ${source} was disposed.` });
        const vectors = await embedRun(indices.map((index) => sequences[index]!));
        indices.forEach((index, position) => {
          const tokenIds = sequences[index]!;
          embeddings[index] = {
            tokenIds,
            vectors: vectors[position]!,
            special: tokenIds.map((id) => specialIds.has(id)),
          };
        });
      }
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      return { embeddings, usage: { tokens: sequences.reduce((sum, ids) => sum + ids.length, 0) } };
    },
    dispose,
    [asyncDispose]: dispose,
  };
}

/**
 * The ids the tokenizer puts before and after a text ([CLS] … [SEP], `<s>` … `</s>`). bert_score gives
 * weight 0 to the tokenizer's CLS and SEP ids; for BERT- and RoBERTa-style tokenizers these are exactly
 * the framing ids, which transformers.js can tell us even when tokenizer_config.json does not name them.
 */
function specialTokenFraming(tokenizer: PreTrainedTokenizer): { prefix: number[]; suffix: number[] } {
  const probe = 'hello world';
  const withSpecial = tokenizer.encode(probe);
  const bare = tokenizer.encode(probe, { add_special_tokens: false });
  for (let start = 0; start + bare.length <= withSpecial.length; start++) {
    if (bare.every((id, index) => withSpecial[start + index] === id)) {
      return { prefix: withSpecial.slice(0, start), suffix: withSpecial.slice(start + bare.length) };
    }
  }
  return { prefix: [], suffix: [] };
}

function isByteLevel(preTokenizer: unknown): boolean {
  if (typeof preTokenizer !== 'object' || preTokenizer === null) return false;
  const { type, pretokenizers } = preTokenizer as { type?: unknown; pretokenizers?: unknown };
  if (type === 'ByteLevel') return true;
  return type === 'Sequence' && Array.isArray(pretokenizers) && pretokenizers.some(isByteLevel);
}

function sessionOutputNames(model: PreTrainedModel): string[] {
  const sessions = (model as unknown as { sessions?: Record<string, { outputNames?: unknown }> }).sessions;
  const names = sessions?.model?.outputNames;
  return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : [];
}

function validateSettings(settings: TransformersTokenEmbedderSettings): void {
  if (typeof settings !== 'object' || settings === null) {
    throw new InvalidArgumentError({
      argument: 'settings',
      value: settings,
      message: 'expected an object with `model` or `localPath`.',
    });
  }
  if (settings.model === undefined && settings.localPath === undefined) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: undefined,
      message: 'pass a Hub id or a local folder as `model`, or a folder as `localPath`.',
    });
  }
  for (const argument of ['model', 'localPath', 'cacheDir', 'revision'] as const) {
    const value = settings[argument];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new InvalidArgumentError({ argument, value, message: 'expected a non-empty string.' });
    }
  }
  for (const argument of ['batchSize', 'maxBatchSize', 'maxBatchTokens', 'maxLength', 'threads'] as const) {
    const value = settings[argument];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError({
        argument,
        value,
        message: `expected a positive integer, got ${value}.`,
      });
    }
  }
  if (settings.layer !== undefined && !(Number.isInteger(settings.layer) && settings.layer >= 0)) {
    throw new InvalidArgumentError({
      argument: 'layer',
      value: settings.layer,
      message: `expected a non-negative integer, got ${settings.layer}.`,
    });
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
      message: `got ${values.length} values, more than maxBatchSize (${maxBatchSize}); split them into smaller calls.`,
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

async function checkLocalModelFolder(folder: string, modelId: string): Promise<void> {
  const howToGet =
    'A model folder holds config.json, tokenizer.json and onnx/model.onnx; ' +
    'packages/evaluator/scripts/export-bertscore-encoder.py writes one for BERTScore.';
  const folderStat = await stat(folder).catch(() => undefined);
  if (folderStat === undefined || !folderStat.isDirectory()) {
    throw new ModelLoadError({
      message: `Model folder "${folder}" does not exist. ${howToGet}`,
      modelId,
      path: folder,
    });
  }
  const missing: string[] = [];
  for (const file of ['config.json', 'tokenizer.json', 'onnx']) {
    if ((await stat(path.join(folder, file)).catch(() => undefined)) === undefined) missing.push(file);
  }
  if (missing.length > 0) {
    throw new ModelLoadError({
      message: `Model folder "${folder}" lacks ${missing.join(', ')}. ${howToGet}`,
      modelId,
      path: folder,
    });
  }
}

async function someFileExists(folders: string[], file: string): Promise<boolean> {
  for (const folder of folders) {
    if ((await stat(path.join(folder, file)).catch(() => undefined)) !== undefined) return true;
  }
  return false;
}

function firstPositiveInteger(...values: unknown[]): number | undefined {
  return values.find(
    (value): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0,
  );
}

function firstNonNegativeInteger(...values: unknown[]): number | undefined {
  return values.find(
    (value): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0,
  );
}

function positiveOrInfinity(value: unknown): number {
  // Tokenizers without a limit report a huge sentinel (1e30) instead of leaving the field out.
  return typeof value === 'number' && value > 0 && value < 1e9 ? value : Number.POSITIVE_INFINITY;
}

function _errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
