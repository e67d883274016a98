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
import type {
  ControlledEvaluateInputItem,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import { createSerialLogitSequence, validateTokens } from '../create-serial-logit-sequence.js';
import {
  acquireLlamaModel,
  checkLocalGgufFiles,
  type LlamaCppGpu,
  type LlamaCppLoraAdapter,
  type LlamaModelLease,
} from './acquire-llama-model.js';
import { type ChatTemplateRenderer, compileChatTemplate } from './render-chat-template.js';

export interface LlamaCppLogitSourceSettings {
  /** A local `.gguf` file. Nothing is downloaded here (`hf:` and URLs are rejected). */
  modelPath: string;
  /**
   * LoRA adapters (GGUF) applied in this source's context. Sources on one base file share its weights,
   * whatever their adapters, so blending a base with its fine-tunes holds the weights once.
   */
  loraAdapters?: readonly LlamaCppLoraAdapter[];
  /** Tokens each sequence can hold. Defaults to the smaller of 4096 and the model's training context. */
  contextSize?: number;
  /** CPU threads for evaluation. Defaults to node-llama-cpp's choice (all cores); pass 1–2 on small machines. */
  threads?: number;
  /** `auto` (default) uses CUDA, Vulkan or Metal when available; `'cpu'` or `false` forces the CPU. */
  gpu?: LlamaCppGpu;
  /** Layers offloaded to the GPU. Defaults to node-llama-cpp's fit-to-memory choice. */
  gpuLayers?: number | 'auto' | 'max';
  /**
   * Sequences that can be open at once, each with its own KV cache in one context (llama.cpp batches
   * them). `createSequence` waits while all are in use. Default 1.
   */
  sequences?: number;
  /** `LogitSource.modelId`; defaults to the file name. */
  modelId?: string;
  /** Cancels loading (checked before and after the native load, which cannot be interrupted). */
  abortSignal?: AbortSignal;
}

/** A `LogitSource` on a local GGUF model; it holds native memory until `dispose()`. */
export interface LlamaCppLogitSource extends LogitSource, AsyncDisposable {
  /** Disposes the open sequences, the context, and the model once no other source or chat model uses it. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * The natural log of the smallest positive float32 (2^-149). llama.cpp hands out probabilities, not
 * logits, as float32; a token more than ~103 nats below the most likely one underflows to probability 0
 * and gets this floor instead of `-Infinity`, so weighted sums of log-probabilities stay finite.
 */
export const llamaCppLogProbabilityFloor = Math.log(2 ** -149);

/**
 * Sampling options under which node-llama-cpp reports the untouched distribution: its defaults
 * (`topK` 40, `topP` 0.95) would cut the tail off, `topK` 0 means the whole vocabulary, `topP` 1 and
 * `minP` 0 disable those filters, and temperature 1 leaves the logits as they are.
 */
const fullDistribution = { temperature: 1, topK: 0, topP: 1, minP: 0 } as const;

/**
 * A `LogitSource` on node-llama-cpp: one context sequence (KV cache) per `LogitSequence`, the full
 * next-token distribution from `controlledEvaluate`, log-probabilities of llama.cpp's float32
 * probabilities (llama.cpp does not expose raw logits; see `llamaCppLogProbabilityFloor`). The tokenizer
 * info hashes the GGUF's token strings (`tokenizer.ggml.tokens`) with the BOS token (when the model
 * prepends one) and every token llama.cpp treats as end of generation (`<|im_end|>`, `<|eot_id|>`, …), so
 * the same vocabulary on the ONNX backend gives the same hash. `applyChatTemplate` renders the GGUF's
 * `tokenizer.chat_template` exactly as transformers does. The native addon loads on first use.
 */
export async function createLlamaCppLogitSource(
  settings: LlamaCppLogitSourceSettings,
): Promise<LlamaCppLogitSource> {
  const sequences = settings.sequences ?? 1;
  if (!Number.isInteger(sequences) || sequences < 1) {
    throw new InvalidArgumentError({
      argument: 'sequences',
      value: sequences,
      message: `must be a positive integer, got ${sequences}.`,
    });
  }
  if (
    settings.contextSize !== undefined &&
    !(Number.isInteger(settings.contextSize) && settings.contextSize > 0)
  ) {
    throw new InvalidArgumentError({
      argument: 'contextSize',
      value: settings.contextSize,
      message: `must be a positive integer, got ${settings.contextSize}.`,
    });
  }
  const { abortSignal } = settings;
  const modelId = settings.modelId ?? path.basename(settings.modelPath);
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  await checkLocalGgufFiles(settings.modelPath, settings.loraAdapters);
  const lease = await acquireLlamaModel(settings, modelId);
  let context: LlamaContext | undefined;
  try {
    const { model } = lease;
    context = await model.createContext({
      contextSize: settings.contextSize ?? Math.min(4096, model.trainContextSize),
      sequences,
      ...(settings.threads === undefined ? {} : { threads: settings.threads }),
      ...(settings.loraAdapters === undefined || settings.loraAdapters.length === 0
        ? {}
        : {
            lora: {
              adapters: settings.loraAdapters.map((adapter) => ({
                filePath: adapter.path,
                ...(adapter.scale === undefined ? {} : { scale: adapter.scale }),
              })),
            },
          }),
    });
    const { tokenizer, vocabulary } = readTokenizerInfo(model, modelId, settings.modelPath);
    const chatTemplate = model.fileInfo.metadata.tokenizer?.chat_template;
    const renderer =
      chatTemplate === undefined
        ? undefined
        : await compileChatTemplate(chatTemplate, {
            bos_token: tokenText(vocabulary, model.fileInfo.metadata.tokenizer?.ggml.bos_token_id),
            eos_token: tokenText(vocabulary, model.fileInfo.metadata.tokenizer?.ggml.eos_token_id),
            unk_token: tokenText(vocabulary, model.fileInfo.metadata.tokenizer?.ggml.unknown_token_id),
            pad_token: tokenText(vocabulary, model.fileInfo.metadata.tokenizer?.ggml.padding_token_id),
          });
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    return buildSource({ lease, context, tokenizer, renderer, modelId });
  } catch (error) {
    await context?.dispose().catch(() => undefined);
    await lease.release().catch(() => undefined);
    if (TonekitError.isInstance(error)) throw error;
    throw new ModelLoadError({
      message: `llama.cpp could not load ${modelId}: ${error instanceof Error ? error.message : String(error)}`,
      path: settings.modelPath,
      cause: error,
    });
  }
}

interface SourceParts {
  lease: LlamaModelLease;
  context: LlamaContext;
  tokenizer: TokenizerInfo;
  renderer: ChatTemplateRenderer | undefined;
  modelId: string;
}

function buildSource({ lease, context, tokenizer, renderer, modelId }: SourceParts): LlamaCppLogitSource {
  const { model } = lease;
  const bos = tokenizer.specialTokens.bos;
  const open = new Set<LogitSequence>();
  const waiting: Array<{ take: () => void; reject: (error: unknown) => void }> = [];
  let disposed = false;
  let disposing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (disposed) throw new TonekitError({ message: `llama.cpp logit source ${modelId} was disposed.` });
  };

  // Hands free context sequences to waiters in arrival order; taking one is synchronous, so two callers
  // can never both see the last free sequence.
  const serveWaiters = () => {
    while (waiting.length > 0 && context.sequencesLeft > 0 && !disposed) waiting.shift()?.take();
  };

  const acquireContextSequence = (abortSignal: AbortSignal | undefined): Promise<LlamaContextSequence> => {
    if (context.sequencesLeft > 0 && waiting.length === 0) return Promise.resolve(context.getSequence());
    return new Promise<LlamaContextSequence>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(waiter);
        if (index >= 0) waiting.splice(index, 1);
        reject(CancelledError.fromSignal(abortSignal as AbortSignal));
      };
      const waiter = {
        take: () => {
          abortSignal?.removeEventListener('abort', onAbort);
          try {
            resolve(context.getSequence());
          } catch (error) {
            reject(error);
          }
        },
        reject: (error: unknown) => {
          abortSignal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(waiter);
    });
  };

  const createSequence = async (options: CreateSequenceOptions = {}): Promise<LogitSequence> => {
    ensureOpen();
    const { abortSignal } = options;
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    const contextSequence = await acquireContextSequence(abortSignal);
    if (disposed) {
      await contextSequence.dispose();
      ensureOpen();
    }
    const sequence = createSerialLogitSequence({
      vocabularySize: tokenizer.vocabularySize,
      maxTokens: contextSequence.contextSize,
      modelId,
      backend: llamaCppSequenceBackend(contextSequence, tokenizer.vocabularySize, modelId),
      onReleased: () => {
        open.delete(sequence);
        serveWaiters();
      },
    });
    open.add(sequence);
    return sequence;
  };

  const dispose = (): Promise<void> => {
    disposed = true;
    disposing ??= (async () => {
      for (const waiter of waiting.splice(0)) {
        waiter.reject(new TonekitError({ message: `llama.cpp logit source ${modelId} was disposed.` }));
      }
      await Promise.allSettled([...open].map((sequence) => sequence.dispose()));
      await context.dispose();
      await lease.release();
    })();
    return disposing;
  };

  const source: LlamaCppLogitSource = {
    specificationVersion: 'v1',
    provider: 'llama-cpp',
    modelId,
    tokenizer,
    async tokenize(text: string, options: TokenizeOptions = {}) {
      ensureOpen();
      // Special-token text (`<|im_start|>`) becomes the special token, as Hugging Face tokenizers do, so
      // a rendered chat template tokenizes to the prompt the model was trained on.
      const tokens = model.tokenize(text, true) as number[];
      return options.addSpecialTokens === true && bos !== undefined ? [bos, ...tokens] : [...tokens];
    },
    async detokenize(tokens: number[]) {
      ensureOpen();
      // Out-of-range ids would reach llama.cpp's vocabulary lookup unchecked.
      validateTokens(tokens, tokenizer.vocabularySize);
      // Special tokens are left out (as with `skip_special_tokens`), and filtered before decoding so that
      // llama.cpp drops the SentencePiece leading space of the first text piece as Hugging Face does.
      const text = tokens.filter((token) => !model.isSpecialToken(token as Token)) as Token[];
      return text.length === 0 ? '' : model.detokenize(text, false);
    },
    createSequence,
    dispose,
    [asyncDispose]: dispose,
  };
  if (renderer !== undefined) {
    source.applyChatTemplate = async (messages: ChatMessage[], options: ApplyChatTemplateOptions = {}) => {
      ensureOpen();
      return renderer.render(messages, options.addGenerationPrompt ?? true);
    };
  }
  return source;
}

function llamaCppSequenceBackend(sequence: LlamaContextSequence, vocabularySize: number, modelId: string) {
  const rollBackTo = async (start: number) => {
    if (sequence.nextTokenIndex > start) {
      await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
    }
  };
  return {
    async append(tokens: readonly number[], keep: () => boolean): Promise<Float32Array | undefined> {
      const start = sequence.nextTokenIndex;
      const input: ControlledEvaluateInputItem[] = tokens.map((token, index) =>
        index === tokens.length - 1
          ? [token as Token, { generateNext: { probabilities: true, options: fullDistribution } }]
          : (token as Token),
      );
      let probabilities: Map<Token, number> | undefined;
      try {
        const results = await sequence.controlledEvaluate(input);
        probabilities = results[tokens.length - 1]?.next.probabilities;
      } catch (error) {
        await rollBackTo(start).catch(() => undefined);
        throw new TonekitError({
          message: `llama.cpp evaluation failed (${modelId}): ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
      if (!keep()) {
        await rollBackTo(start);
        return undefined;
      }
      if (probabilities === undefined) {
        await rollBackTo(start);
        throw new TonekitError({ message: `llama.cpp returned no distribution for ${modelId}.` });
      }
      return toLogProbabilities(probabilities, vocabularySize);
    },
    async release() {
      await sequence.dispose();
    },
  };
}

function toLogProbabilities(probabilities: ReadonlyMap<Token, number>, vocabularySize: number): Float32Array {
  const logProbabilities = new Float32Array(vocabularySize).fill(llamaCppLogProbabilityFloor);
  for (const [token, probability] of probabilities) {
    if (token < vocabularySize && probability > 0) logProbabilities[token] = Math.log(probability);
  }
  return logProbabilities;
}

function readTokenizerInfo(
  model: LlamaModel,
  modelId: string,
  modelPath: string,
): { tokenizer: TokenizerInfo; vocabulary: readonly string[] } {
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml.tokens;
  if (vocabulary === undefined || vocabulary.length === 0) {
    throw new ModelLoadError({
      message: `${modelId} has no vocabulary (tokenizer.ggml.tokens); a LogitSource needs a model with a tokenizer.`,
      path: modelPath,
    });
  }
  const eos: number[] = [];
  for (let token = 0; token < vocabulary.length; token++) {
    if (model.isEogToken(token as Token)) eos.push(token);
  }
  const specialTokens: SpecialTokens = { eos };
  const bos = model.tokens.bos;
  // Reported only when the model prepends it, which is also when Hugging Face tokenizers add it.
  if (bos !== null && model.tokens.shouldPrependBosToken) specialTokens.bos = bos;
  return {
    vocabulary,
    tokenizer: {
      vocabularyHash: computeVocabularyHash(vocabulary, specialTokens),
      vocabularySize: vocabulary.length,
      specialTokens,
    },
  };
}

function tokenText(vocabulary: readonly string[], id: number | undefined): string | undefined {
  return id === undefined ? undefined : vocabulary[id];
}
