import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import {
  type ApplyChatTemplateOptions,
  asyncDispose,
  CancelledError,
  type ChatMessage,
  type CreateSequenceOptions,
  computeVocabularyHash,
  InvalidArgumentError,
  type LogitSequence,
  type LogitSource,
  ModelLoadError,
  type SpecialTokens,
  type TokenizeOptions,
  type TokenizerInfo,
  TonekitError,
} from '@tonekit/core';
import {
  createSerialLogitSequence,
  type LogitSequenceBackend,
  validateTokens,
} from '../create-serial-logit-sequence.js';
import { logSoftmax } from './log-softmax.js';
import { readHuggingFaceVocabulary } from './read-hugging-face-vocabulary.js';
import { withTransformers } from './with-transformers.js';

type Transformers = typeof import('@huggingface/transformers');
type CausalLm = Awaited<ReturnType<Transformers['AutoModelForCausalLM']['from_pretrained']>>;
type Tokenizer = Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
type Tensor = InstanceType<Transformers['Tensor']>;

export interface OnnxLogitSourceSettings {
  /**
   * A local model folder as exported for transformers.js (`config.json`, `tokenizer.json`,
   * `tokenizer_config.json`, `onnx/model.onnx` or the `dtype`'s file). Nothing is downloaded: fetch a
   * Hub model first, e.g. `hf download onnx-community/Qwen2.5-0.5B-Instruct --local-dir ./models/qwen`.
   */
  modelPath: string;
  /** `LogitSource.modelId`; defaults to the folder name. */
  modelId?: string;
  /**
   * Which weights file to load, by transformers.js's names: `fp32` (default, `onnx/model.onnx`), `fp16`,
   * `q8`, `int8`, `uint8`, `q4`, `q4f16`, `bnb4`.
   */
  dtype?: string;
  /** onnxruntime intra-op threads. Defaults to onnxruntime's choice (all cores). */
  threads?: number;
  /** Most tokens a sequence may hold. Defaults to `max_position_embeddings` of `config.json`. */
  contextSize?: number;
  /**
   * Prompt tokens per forward pass. A pass returns the logits of every token it is fed unless the
   * export has `num_logits_to_keep`, so this bounds memory on long prompts (chunk × vocabulary floats).
   * Default 256.
   */
  prefillChunkSize?: number;
  /** Cancels loading (checked between the tokenizer and the model). */
  abortSignal?: AbortSignal;
}

/** A `LogitSource` on an ONNX causal LM; it holds an onnxruntime session until `dispose()`. */
export interface OnnxLogitSource extends LogitSource, AsyncDisposable {
  /** Disposes the open sequences' caches and the session. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * A `LogitSource` on an ONNX causal LM through transformers.js (`AutoModelForCausalLM`, CPU): each
 * `LogitSequence` keeps its own KV cache (`past_key_values`), and each `doNextLogProbs` feeds only the
 * new tokens plus that cache, returning the log-softmax of the last position in float32 (computed in
 * float64). The tokenizer info hashes `tokenizer.json`'s token strings with the BOS token (when the
 * tokenizer adds one) and the end-of-generation tokens, as the llama.cpp source does for a GGUF, so a
 * GGUF and an ONNX export of one model blend. transformers.js (and onnxruntime-node) load on first use.
 */
export async function createOnnxLogitSource(settings: OnnxLogitSourceSettings): Promise<OnnxLogitSource> {
  const { abortSignal } = settings;
  const prefillChunkSize = settings.prefillChunkSize ?? 256;
  for (const [argument, value] of [
    ['prefillChunkSize', prefillChunkSize],
    ['contextSize', settings.contextSize],
    ['threads', settings.threads],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new InvalidArgumentError({
        argument,
        value,
        message: `must be a positive integer, got ${value}.`,
      });
    }
  }
  if (/^(hf|https?):/.test(settings.modelPath)) {
    throw new InvalidArgumentError({
      argument: 'modelPath',
      value: settings.modelPath,
      message:
        'must be a local model folder; download the model first (e.g. `hf download <repo> --local-dir <folder>`).',
    });
  }
  const folder = path.resolve(settings.modelPath);
  const modelId = settings.modelId ?? path.basename(folder);
  const dtype = settings.dtype ?? 'fp32';
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  const isFolder = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    throw new ModelLoadError({
      message: `No such model folder: ${folder}. Download the model first (e.g. \`hf download <repo> --local-dir ${settings.modelPath}\`).`,
      modelId,
      path: folder,
    });
  }
  const vocabulary = await readHuggingFaceVocabulary(folder, modelId);

  const { tokenizer, model, TensorClass, DynamicCacheClass } = await withTransformers(
    async (transformers) => {
      const options = { local_files_only: true };
      let tokenizer: Tokenizer | undefined;
      let model: CausalLm | undefined;
      try {
        tokenizer = await transformers.AutoTokenizer.from_pretrained(folder, options);
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        model = await transformers.AutoModelForCausalLM.from_pretrained(folder, {
          ...options,
          dtype: dtype as never,
          device: 'cpu',
          ...(settings.threads === undefined
            ? {}
            : { session_options: { intraOpNumThreads: settings.threads, interOpNumThreads: 1 } }),
        });
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        return {
          tokenizer,
          model,
          TensorClass: transformers.Tensor,
          DynamicCacheClass: transformers.DynamicCache,
        };
      } catch (error) {
        await model?.dispose().catch(() => undefined);
        if (CancelledError.isInstance(error)) throw error;
        throw new ModelLoadError({
          message: `transformers.js could not load ${modelId} from ${folder} (dtype ${dtype}): ${error instanceof Error ? error.message : String(error)}`,
          modelId,
          path: folder,
          cause: error,
        });
      }
    },
  );

  const specialTokens: SpecialTokens = { eos: vocabulary.eos };
  const bos = tokenizer.bos_token_id;
  // Reported only when the tokenizer adds it, which is also when llama.cpp prepends it for the GGUF.
  if (typeof bos === 'number' && tokenizer.encode('a', { add_special_tokens: true })[0] === bos) {
    specialTokens.bos = bos;
  }
  const tokenizerInfo: TokenizerInfo = {
    vocabularyHash: computeVocabularyHash(vocabulary.tokens, specialTokens),
    vocabularySize: vocabulary.tokens.length,
    specialTokens,
  };
  const configuredContext = (model.config as { max_position_embeddings?: unknown }).max_position_embeddings;
  const contextSize =
    settings.contextSize ??
    (typeof configuredContext === 'number' && configuredContext > 0
      ? configuredContext
      : Number.MAX_SAFE_INTEGER);
  const session = (model.sessions as Record<string, { inputNames: string[] } | undefined>).model;
  const keepsLastLogitsOnly = session?.inputNames.includes('num_logits_to_keep') ?? false;

  const runner: ForwardRunner = {
    vocabularySize: tokenizerInfo.vocabularySize,
    prefillChunkSize,
    modelId,
    keepsLastLogitsOnly,
    model,
    TensorClass,
    DynamicCacheClass,
  };
  const open = new Set<LogitSequence>();
  const running = new Set<Promise<unknown>>();
  let disposed = false;
  let disposing: Promise<void> | undefined;
  const ensureOpen = () => {
    if (disposed) throw new TonekitError({ message: `ONNX logit source ${modelId} was disposed.` });
  };

  const dispose = (): Promise<void> => {
    disposed = true;
    disposing ??= (async () => {
      await Promise.allSettled([...open].map((sequence) => sequence.dispose()));
      await Promise.allSettled([...running]);
      await model.dispose();
    })();
    return disposing;
  };

  const source: OnnxLogitSource = {
    specificationVersion: 'v1',
    provider: 'onnx',
    modelId,
    tokenizer: tokenizerInfo,
    async tokenize(text: string, options: TokenizeOptions = {}) {
      ensureOpen();
      const tokens = tokenizer.encode(text, { add_special_tokens: false });
      return options.addSpecialTokens === true && specialTokens.bos !== undefined
        ? [specialTokens.bos, ...tokens]
        : tokens;
    },
    async detokenize(tokens: number[]) {
      ensureOpen();
      validateTokens(tokens, tokenizerInfo.vocabularySize);
      return tokens.length === 0 ? '' : tokenizer.decode(tokens, { skip_special_tokens: true });
    },
    async createSequence(options: CreateSequenceOptions = {}) {
      ensureOpen();
      if (options.abortSignal?.aborted) throw CancelledError.fromSignal(options.abortSignal);
      const backend = onnxSequenceBackend(runner, running);
      const sequence = createSerialLogitSequence({
        vocabularySize: tokenizerInfo.vocabularySize,
        maxTokens: contextSize,
        modelId,
        backend,
        onReleased: () => open.delete(sequence),
      });
      open.add(sequence);
      return sequence;
    },
    dispose,
    [asyncDispose]: dispose,
  };
  if (tokenizer.chat_template !== null && tokenizer.chat_template !== undefined) {
    source.applyChatTemplate = async (messages: ChatMessage[], options: ApplyChatTemplateOptions = {}) => {
      ensureOpen();
      try {
        return tokenizer.apply_chat_template(
          messages.map(({ role, content }) => ({ role, content })),
          { tokenize: false, add_generation_prompt: options.addGenerationPrompt ?? true },
        ) as string;
      } catch (error) {
        throw new InvalidArgumentError({
          argument: 'messages',
          message: `the model's chat template rejected them: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
    };
  }
  return source;
}

interface ForwardRunner {
  vocabularySize: number;
  prefillChunkSize: number;
  modelId: string;
  keepsLastLogitsOnly: boolean;
  model: CausalLm;
  TensorClass: Transformers['Tensor'];
  DynamicCacheClass: Transformers['DynamicCache'];
}

type Cache = Record<string, Tensor>;

/** One sequence's KV cache and the forward passes that grow it. */
function onnxSequenceBackend(runner: ForwardRunner, running: Set<Promise<unknown>>): LogitSequenceBackend {
  const { TensorClass, DynamicCacheClass, model, vocabularySize, modelId } = runner;
  let cache: Cache | undefined;
  let length = 0;

  const disposeCache = (value: Cache | undefined, keep?: Cache) => {
    for (const [name, tensor] of Object.entries(value ?? {})) if (keep?.[name] !== tensor) tensor.dispose();
  };

  /** Feeds `tokens` after `past` (`pastLength` tokens); returns the new cache and the last logits. */
  const forward = async (
    tokens: readonly number[],
    past: Cache | undefined,
    pastLength: number,
  ): Promise<{ cache: Cache; logits: Float32Array | undefined }> => {
    const total = pastLength + tokens.length;
    const inputs: Record<string, unknown> = {
      input_ids: new TensorClass('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      attention_mask: new TensorClass('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (past !== undefined) inputs.past_key_values = new DynamicCacheClass(past);
    if (runner.keepsLastLogitsOnly) inputs.num_logits_to_keep = new TensorClass('int64', [1n], []);
    const pending = model.forward(inputs) as Promise<Record<string, unknown>>;
    running.add(pending);
    let outputs: Record<string, unknown>;
    try {
      outputs = await pending;
    } finally {
      running.delete(pending);
    }
    const next: Cache = {};
    for (const [name, value] of Object.entries(outputs)) {
      if (name.startsWith('present') && value instanceof TensorClass)
        next[toPastName(name)] = value as Tensor;
    }
    let logits: Float32Array | undefined;
    const output = outputs.logits;
    try {
      if (!(output instanceof TensorClass)) {
        throw new TonekitError({ message: `${modelId} returned no logits; is it a causal LM export?` });
      }
      const tensor = output as Tensor;
      const [, positions = 0, width = 0] = tensor.dims;
      if (width !== vocabularySize) {
        throw new TonekitError({
          message: `${modelId} returned ${width} logits per token, but its vocabulary (tokenizer.json, config.json vocab_size) has ${vocabularySize}.`,
        });
      }
      const values = (tensor.type === 'float32' ? tensor : tensor.to('float32')).data as Float32Array;
      // A copy: the row must outlive the output tensor, which is released below.
      logits = values.slice((positions - 1) * width, positions * width);
    } catch (error) {
      disposeCache(next);
      throw error;
    } finally {
      if (output instanceof TensorClass) (output as Tensor).dispose();
    }
    return { cache: next, logits };
  };

  return {
    async append(tokens, keep) {
      let draft = cache;
      let draftLength = length;
      let logits: Float32Array | undefined;
      try {
        for (let start = 0; start < tokens.length; start += runner.prefillChunkSize) {
          const chunk = tokens.slice(start, start + runner.prefillChunkSize);
          const result = await forward(chunk, draft, draftLength);
          // The committed cache stays until the whole call succeeds; drafts of this call are freed as we go.
          if (draft !== cache) disposeCache(draft);
          draft = result.cache;
          draftLength += chunk.length;
          logits = result.logits;
        }
      } catch (error) {
        if (draft !== cache) disposeCache(draft);
        if (TonekitError.isInstance(error)) throw error;
        throw new TonekitError({
          message: `ONNX forward pass failed (${modelId}): ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
      if (!keep() || logits === undefined) {
        if (draft !== cache) disposeCache(draft);
        return undefined;
      }
      disposeCache(cache);
      cache = draft;
      length = draftLength;
      return logSoftmax(logits);
    },
    async release() {
      disposeCache(cache);
      cache = undefined;
    },
  };
}

/** transformers.js's own mapping of output cache names to input names (`present.0.key` → `past_key_values.0.key`). */
function toPastName(name: string): string {
  return name
    .replace('present_ssm', 'past_ssm')
    .replace('present_conv', 'past_conv')
    .replace('present_recurrent', 'past_recurrent')
    .replace('present', 'past_key_values');
}
