import {
  asyncDispose,
  CancelledError,
  type ChatGenerateOptions,
  type ChatGenerateResult,
  type ChatMessage,
  type ChatModel,
  type ChatStreamPart,
  createConcurrencyLimiter,
  type FinishReason,
  InvalidArgumentError,
  ModelLoadError,
  type TokenUsage,
  TonekitError,
} from '@tonekit/core';
import type {
  ChatHistoryItem,
  Llama,
  LlamaChatResponse,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp';
import {
  acquireLlamaModel,
  checkLocalGgufFiles,
  type LlamaCppGpu,
  type LlamaCppLoraAdapter,
  type LlamaModelLease,
} from './acquire-llama-model.js';

export interface LlamaCppChatModelSettings {
  /** A local `.gguf` file. Download models yourself (e.g. `npx node-llama-cpp pull <url>`); nothing is fetched here. */
  modelPath: string;
  loraAdapters?: readonly LlamaCppLoraAdapter[];
  /** Tokens of the context of each sequence. Defaults to the smaller of 4096 and the model's training context. */
  contextSize?: number;
  /** CPU threads for evaluation. Defaults to node-llama-cpp's choice (all cores); pass 1–2 on small machines. */
  threads?: number;
  /** `auto` (default) uses CUDA, Vulkan or Metal when available; `'cpu'` or `false` forces the CPU. */
  gpu?: LlamaCppGpu;
  /** Layers offloaded to the GPU. Defaults to node-llama-cpp's fit-to-memory choice. */
  gpuLayers?: number | 'auto' | 'max';
  /** Generations run in parallel, one context sequence each, batched by llama.cpp. Default 1. */
  parallelSequences?: number;
  /** `ChatModel.modelId`; defaults to the file name. */
  modelId?: string;
  /**
   * Output limit of calls that set no `maxTokens`. Without one a small model that never emits its
   * end-of-turn token generates until the context is full. Default 2048.
   */
  defaultMaxTokens?: number;
}

/** A `ChatModel` on a local GGUF model; it holds native memory until `dispose()`. */
export interface LlamaCppChatModel extends ChatModel, AsyncDisposable {
  doStream(options: ChatGenerateOptions): AsyncIterable<ChatStreamPart>;
  /** Loads the model now (it loads on the first call otherwise) so load errors surface early. */
  load(): Promise<void>;
  /** Frees the context, the model and the llama.cpp backend. Idempotent; later calls reject. */
  dispose(): Promise<void>;
}

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  lease: LlamaModelLease;
  context: LlamaContext;
  freeSequences: LlamaContextSequence[];
  LlamaChat: typeof import('node-llama-cpp').LlamaChat;
}

/**
 * A `ChatModel` on node-llama-cpp: the model's own chat template (read from the GGUF, resolved by
 * node-llama-cpp), JSON output constrained by a grammar generated from the JSON schema (so a small
 * model cannot answer with broken JSON), LoRA adapters, and `parallelSequences` generations batched in
 * one context. The native addon is imported on first use. Usage counts the tokens llama.cpp actually
 * evaluated: a prompt prefix still in the sequence's cache is not counted again. Cost is zero.
 */
export function createLlamaCppChatModel(settings: LlamaCppChatModelSettings): LlamaCppChatModel {
  const parallelSequences = settings.parallelSequences ?? 1;
  if (!Number.isInteger(parallelSequences) || parallelSequences < 1) {
    throw new InvalidArgumentError({
      argument: 'parallelSequences',
      message: `parallelSequences must be a positive integer, got ${parallelSequences}.`,
    });
  }
  const modelId = settings.modelId ?? settings.modelPath.split(/[\\/]/).pop() ?? settings.modelPath;
  const defaultMaxTokens = settings.defaultMaxTokens ?? 2048;
  const limiter = createConcurrencyLimiter(parallelSequences);
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  let loading: Promise<Loaded> | undefined;
  let disposed = false;

  const load = (): Promise<Loaded> => {
    if (disposed)
      return Promise.reject(new TonekitError({ message: `llama.cpp model ${modelId} was disposed.` }));
    loading ??= loadModel(settings, parallelSequences, modelId);
    return loading;
  };

  const grammarFor = async (
    loaded: Loaded,
    options: ChatGenerateOptions,
  ): Promise<LlamaGrammar | undefined> => {
    const format = options.responseFormat;
    if (format === undefined || format.type === 'text') return undefined;
    const key = JSON.stringify(format.schema ?? null);
    let grammar = grammars.get(key);
    if (grammar === undefined) {
      grammar =
        format.schema === undefined
          ? loaded.llama.getGrammarFor('json')
          : // node-llama-cpp validates the schema subset it supports and throws a clear error otherwise.
            loaded.llama.createGrammarForJsonSchema(format.schema as never);
      grammars.set(key, grammar);
      grammar.catch(() => grammars.delete(key));
    }
    return grammar;
  };

  const generate = (
    options: ChatGenerateOptions,
    onTextChunk?: (text: string) => void,
  ): Promise<ChatGenerateResult> =>
    limiter.run(
      async () => {
        const loaded = await load();
        const sequence = loaded.freeSequences.pop();
        if (sequence === undefined)
          throw new TonekitError({ message: 'No free llama.cpp context sequence.' });
        const chat = new loaded.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
        try {
          const grammar = await grammarFor(loaded, options);
          const maxTokens = fitMaxTokens(loaded, options, defaultMaxTokens, modelId);
          const before = sequence.tokenMeter.getState();
          let response: LlamaChatResponse;
          try {
            response = await chat.generateResponse(toChatHistory(options.messages), {
              maxTokens,
              ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
              ...(options.topP === undefined ? {} : { topP: options.topP }),
              ...(options.seed === undefined ? {} : { seed: options.seed }),
              ...(options.stop === undefined || options.stop.length === 0
                ? {}
                : { customStopTriggers: options.stop }),
              ...(grammar === undefined ? {} : { grammar }),
              ...(options.abortSignal === undefined ? {} : { signal: options.abortSignal }),
              ...(onTextChunk === undefined ? {} : { onTextChunk }),
            });
          } catch (error) {
            if (options.abortSignal?.aborted) throw CancelledError.fromSignal(options.abortSignal);
            throw new TonekitError({
              message: `llama.cpp generation failed (${modelId}): ${error instanceof Error ? error.message : String(error)}`,
              cause: error,
            });
          }
          const after = sequence.tokenMeter.getState();
          const usage: TokenUsage = {
            inputTokens: after.usedInputTokens - before.usedInputTokens,
            outputTokens: after.usedOutputTokens - before.usedOutputTokens,
            totalTokens: 0,
            costUsd: 0,
          };
          usage.totalTokens = usage.inputTokens + usage.outputTokens;
          return { text: response.response, finishReason: toFinishReason(response), usage };
        } finally {
          chat.dispose({ disposeSequence: false });
          loaded.freeSequences.push(sequence);
        }
      },
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );

  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    const pending = loading;
    loading = undefined;
    if (pending === undefined) return;
    const loaded = await pending.catch(() => undefined);
    if (loaded === undefined) return;
    await limiter.onIdle();
    await loaded.context.dispose();
    await loaded.lease.release();
  };

  return {
    specificationVersion: 'v1',
    provider: 'llama-cpp',
    modelId,
    async load() {
      await load();
    },
    doGenerate: (options) => generate(options),
    async *doStream(options) {
      const deltas: string[] = [];
      let wake: (() => void) | undefined;
      let settled = false;
      const result = generate(options, (text) => {
        if (text.length === 0) return;
        deltas.push(text);
        wake?.();
      }).finally(() => {
        settled = true;
        wake?.();
      });
      // Keep a rejection from being reported as unhandled while the loop below is still draining.
      result.catch(() => undefined);
      while (true) {
        while (deltas.length > 0) yield { type: 'text-delta', delta: deltas.shift() ?? '' };
        if (settled) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const final = await result;
      yield { type: 'finish', finishReason: final.finishReason, usage: final.usage };
    },
    dispose,
    [asyncDispose]: dispose,
  };
}

async function loadModel(
  settings: LlamaCppChatModelSettings,
  sequences: number,
  modelId: string,
): Promise<Loaded> {
  await checkLocalGgufFiles(settings.modelPath, settings.loraAdapters);
  const lease = await acquireLlamaModel(settings, modelId);
  const { llama, model } = lease;
  try {
    const contextSize = settings.contextSize ?? Math.min(4096, model.trainContextSize);
    const context = await model.createContext({
      contextSize,
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
    const freeSequences = Array.from({ length: sequences }, () => context.getSequence());
    return { llama, model, lease, context, freeSequences, LlamaChat: lease.nodeLlamaCpp.LlamaChat };
  } catch (error) {
    await lease.release().catch(() => undefined);
    throw new ModelLoadError({
      message: `llama.cpp could not load ${modelId}: ${error instanceof Error ? error.message : String(error)}`,
      path: settings.modelPath,
      cause: error,
    });
  }
}

/** Template tokens per message and for the generation prompt, generously: role markers and newlines. */
const templateTokensPerMessage = 16;

/**
 * The output limit, lowered so that prompt plus answer fit the context: past its end node-llama-cpp
 * would shift the context (dropping the start of the prompt) or fail, and an answer cut at the limit
 * is the honest `length` finish instead.
 */
function fitMaxTokens(
  loaded: Loaded,
  options: ChatGenerateOptions,
  defaultMaxTokens: number,
  modelId: string,
): number {
  const promptTokens =
    loaded.model.tokenize(options.messages.map((message) => message.content).join('\n')).length +
    templateTokensPerMessage * (options.messages.length + 1);
  const room = loaded.context.contextSize - promptTokens;
  if (room < 1) {
    throw new InvalidArgumentError({
      argument: 'messages',
      message: `the prompt (about ${promptTokens} tokens) does not fit the context of ${loaded.context.contextSize} tokens of ${modelId}; raise contextSize.`,
    });
  }
  return Math.min(options.maxTokens ?? defaultMaxTokens, room);
}

/** Our messages in node-llama-cpp's history shape, ending with the empty model turn to complete. */
function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) =>
    message.role === 'assistant'
      ? { type: 'model', response: [message.content] }
      : { type: message.role, text: message.content },
  );
  history.push({ type: 'model', response: [] });
  return history;
}

function toFinishReason(response: LlamaChatResponse): FinishReason {
  switch (response.metadata.stopReason) {
    case 'maxTokens':
      return 'length';
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    default:
      return 'other';
  }
}
