import {
  asyncDispose,
  CancelledError,
  type ChatMessage,
  createConcurrencyLimiter,
  InvalidArgumentError,
  type LogitSource,
  ModelLoadError,
  type SpecialTokens,
  type TokenizerInfo,
  TonekitError,
  WorkerCrashedError,
  WorkerError,
} from '@tonekit/core';
import { PythonWorker } from '../worker/python-worker.js';
import { SequenceBatcher } from './sequence-batcher.js';

/** A LoRA adapter folder (peft's `adapter_config.json` + weights) and the name its source goes by. */
export interface WorkerLogitSourceAdapter {
  name: string;
  path: string;
}

export interface WorkerLogitSourcesOptions {
  /** A running worker to load the model into; it stays open on `dispose()`. Default: start one. */
  worker?: PythonWorker;
  /** Interpreter of the worker started when `worker` is absent (see `resolvePython`). */
  python?: string;
  /** The base model: a local folder, or a Hugging Face id (transformers downloads it when not cached). */
  model: string;
  /** One source per adapter, in this order. */
  adapters: WorkerLogitSourceAdapter[];
  /** Add a source for the base model without adapters, after the adapters' sources. Default false. */
  includeBase?: boolean;
  /** Weights of the base model in the worker. Default `fp32` (exact on CPU); `bf16` halves GPU memory. */
  precision?: 'fp32' | 'bf16';
  /** Default `auto`: CUDA when the worker sees a device, else the CPU. */
  device?: 'auto' | 'cpu' | 'cuda';
  /** Aborts the start of the worker and the model load. */
  signal?: AbortSignal;
}

export interface WorkerLogitSources extends AsyncDisposable {
  /** One source per adapter, in the order given, then the base model when `includeBase`. */
  sources: LogitSource[];
  /** Closes every sequence group, unloads the model, and closes the worker if it was started here. Idempotent. */
  dispose(): Promise<void>;
}

interface LoadModelResult {
  handle: string;
  vocabulary_size: number;
  vocabulary_hash: string;
  bos: number | null;
  eos: number[];
  pad: number | null;
  has_chat_template: boolean;
}

/**
 * Logit sources for n LoRA adapters of one base model, served by the Python worker (transformers +
 * peft) from ONE copy of the base weights. Sequences created by these sources and stepped in the same
 * tick (a blend calls every source's `doNextLogProbs` through `Promise.all`) are advanced together in
 * one batched forward per step, each row with its own adapter: blending n adapters costs about one
 * forward pass, not n. The batching rule is documented on `SequenceBatcher`.
 *
 * Every source reports the same tokenizer (one vocabulary hash), so they blend with each other and with
 * any other source of the same vocabulary.
 */
export async function createWorkerLogitSources(
  options: WorkerLogitSourcesOptions,
): Promise<WorkerLogitSources> {
  const { model, adapters, includeBase = false, precision = 'fp32', device = 'auto', signal } = options;
  validateOptions(options);
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  const ownsWorker = options.worker === undefined;
  const worker = options.worker ?? (await PythonWorker.start({ python: options.python, signal }));
  // One request at a time: the worker computes on one thread, and the order of `step`/`close_sequences`
  // must be the order the batcher decided.
  const limiter = createConcurrencyLimiter(1);
  const call = <T>(method: string, params: Record<string, unknown>): Promise<T> =>
    limiter.run(() => worker.request<T>(method, params));

  let loaded: LoadModelResult;
  try {
    loaded = parseLoadModelResult(
      await worker.request(
        'load_model',
        {
          model,
          adapters: adapters.map(({ name, path }) => ({ name, path })),
          precision,
          device,
        },
        { signal, cancelOnAbort: false },
      ),
    );
  } catch (error) {
    if (ownsWorker) await worker.close();
    if (WorkerError.isInstance(error) && error.code !== 'missing_dependency') {
      throw new ModelLoadError({
        message: `Could not load ${model} with adapters [${adapters.map((adapter) => adapter.name).join(', ')}] in the worker: ${error.message}`,
        modelId: model,
        cause: error,
      });
    }
    throw error;
  }
  const { handle } = loaded;
  const specialTokens: SpecialTokens = { eos: loaded.eos };
  if (loaded.bos !== null) specialTokens.bos = loaded.bos;
  if (loaded.pad !== null) specialTokens.pad = loaded.pad;
  const tokenizer: TokenizerInfo = {
    vocabularyHash: loaded.vocabulary_hash,
    vocabularySize: loaded.vocabulary_size,
    specialTokens,
  };
  const batcher = new SequenceBatcher({ handle, vocabularySize: loaded.vocabulary_size, call });
  let disposing: Promise<void> | undefined;
  const checkOpen = () => {
    if (disposing !== undefined)
      throw new TonekitError({ message: 'The worker logit sources have been disposed.' });
  };

  const createSource = (adapter: string | null): LogitSource => {
    const source: LogitSource = {
      specificationVersion: 'v1',
      provider: 'tonekit-worker',
      modelId: adapter === null ? model : `${model}#${adapter}`,
      tokenizer,
      async tokenize(text, { addSpecialTokens = false } = {}) {
        checkOpen();
        const result = await call<{ tokens: number[] }>('tokenize', {
          handle,
          text,
          add_special_tokens: addSpecialTokens,
        });
        return result.tokens;
      },
      async detokenize(tokens) {
        checkOpen();
        const result = await call<{ text: string }>('detokenize', { handle, tokens });
        return result.text;
      },
      async createSequence({ abortSignal } = {}) {
        checkOpen();
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        return batcher.createSequence(adapter);
      },
    };
    if (loaded.has_chat_template) {
      source.applyChatTemplate = async (messages: ChatMessage[], { addGenerationPrompt = true } = {}) => {
        checkOpen();
        const result = await call<{ text: string }>('apply_chat_template', {
          handle,
          messages: messages.map(({ role, content }) => ({ role, content })),
          add_generation_prompt: addGenerationPrompt,
        });
        return result.text;
      };
    }
    return source;
  };

  const sources = adapters.map((adapter) => createSource(adapter.name));
  if (includeBase) sources.push(createSource(null));

  const dispose = (): Promise<void> => {
    disposing ??= (async () => {
      try {
        await batcher.close();
        await call('unload_model', { handle }).catch((error: unknown) => {
          // A worker that is gone holds nothing any more.
          if (!WorkerCrashedError.isInstance(error)) throw error;
        });
      } finally {
        if (ownsWorker) await worker.close();
      }
    })();
    return disposing;
  };
  return { sources, dispose, [asyncDispose]: dispose };
}

function validateOptions(options: WorkerLogitSourcesOptions): void {
  if (typeof options.model !== 'string' || options.model.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'model',
      value: options.model,
      message: 'expected a model folder or Hugging Face id.',
    });
  }
  if (!Array.isArray(options.adapters)) {
    throw new InvalidArgumentError({
      argument: 'adapters',
      value: options.adapters,
      message: 'expected an array of { name, path } (it may be empty with `includeBase: true`).',
    });
  }
  const names = new Set<string>();
  for (const adapter of options.adapters) {
    if (
      typeof adapter?.name !== 'string' ||
      adapter.name === '' ||
      typeof adapter.path !== 'string' ||
      adapter.path === ''
    ) {
      throw new InvalidArgumentError({
        argument: 'adapters',
        value: adapter,
        message: 'every adapter needs a non-empty `name` and `path`.',
      });
    }
    if (names.has(adapter.name)) {
      throw new InvalidArgumentError({
        argument: 'adapters',
        value: adapter.name,
        message: `the adapter name "${adapter.name}" is used twice; names identify adapters in the worker.`,
      });
    }
    names.add(adapter.name);
  }
  if (options.adapters.length === 0 && options.includeBase !== true) {
    throw new InvalidArgumentError({
      argument: 'adapters',
      value: options.adapters,
      message: 'no adapters and `includeBase` is not set: there would be no source.',
    });
  }
}

function parseLoadModelResult(result: unknown): LoadModelResult {
  const record = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const isId = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
  const valid =
    typeof record.handle === 'string' &&
    isId(record.vocabulary_size) &&
    record.vocabulary_size > 0 &&
    typeof record.vocabulary_hash === 'string' &&
    Array.isArray(record.eos) &&
    record.eos.every(isId) &&
    (record.bos === null || record.bos === undefined || isId(record.bos)) &&
    (record.pad === null || record.pad === undefined || isId(record.pad));
  if (!valid) {
    throw new TonekitError({
      message: `The worker answered \`load_model\` with an unexpected result: ${JSON.stringify(result).slice(0, 300)}`,
    });
  }
  return {
    handle: record.handle as string,
    vocabulary_size: record.vocabulary_size as number,
    vocabulary_hash: record.vocabulary_hash as string,
    bos: (record.bos as number | null | undefined) ?? null,
    eos: record.eos as number[],
    pad: (record.pad as number | null | undefined) ?? null,
    has_chat_template: record.has_chat_template === true,
  };
}
