import { CancelledError, ModelLoadError, type OnEvent, TonekitError } from '@tonekit/core';
import type { ModelLoadProgressEvent } from './embedding-events.js';
import { withTransformers } from './transformers-runtime.js';

type Transformers = typeof import('@huggingface/transformers');
export type PreTrainedModel = Awaited<ReturnType<Transformers['AutoModel']['from_pretrained']>>;
export type PreTrainedTokenizer = Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
type Tensor = InstanceType<Transformers['Tensor']>;

export interface LoadEncoderOptions {
  /** The local folder, or the Hub id. */
  source: string;
  modelId: string;
  localPath: string | undefined;
  allowRemote: boolean;
  cacheDir: string | undefined;
  revision: string;
  dtype: string;
  threads: number | undefined;
  onEvent: OnEvent<ModelLoadProgressEvent> | undefined;
  abortSignal: AbortSignal | undefined;
}

/** An encoder loaded on the CPU, with the means to run padded batches and release it safely. */
export interface LoadedEncoder {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  /**
   * Runs one batch of token id sequences (padded with `padId`, with an attention mask) and passes the
   * model's outputs to `read`; the output tensors are released afterwards. Calls after `dispose` reject.
   */
  runBatch<T>(
    sequences: number[][],
    padId: number,
    read: (outputs: Record<string, unknown>) => T,
  ): Promise<T>;
  readonly disposed: boolean;
  /** Waits for runs in flight, then releases the session. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Loads a tokenizer and an encoder model with transformers.js on the CPU, reporting file progress as
 * `model-load-progress` events. Shared by the sentence embedder and the token embedder, so both load,
 * run and release models the same way.
 */
export async function loadEncoder(options: LoadEncoderOptions): Promise<LoadedEncoder> {
  const {
    source,
    modelId,
    localPath,
    allowRemote,
    cacheDir,
    revision,
    dtype,
    threads,
    onEvent,
    abortSignal,
  } = options;
  const throwIfAborted = () => {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  };
  const { tokenizer, model, TensorClass } = await withTransformers(
    { allowRemote, cacheDir },
    async (transformers) => {
      const loadOptions = {
        local_files_only: !allowRemote,
        revision,
        ...(cacheDir === undefined ? {} : { cache_dir: cacheDir }),
        progress_callback: (info: {
          status: string;
          file?: string;
          loaded?: number;
          total?: number;
          progress?: number;
        }) => {
          if (onEvent === undefined || info.file === undefined) return;
          if (!['initiate', 'download', 'progress', 'done'].includes(info.status)) return;
          onEvent({
            type: 'model-load-progress',
            model: source,
            file: info.file,
            status: info.status as ModelLoadProgressEvent['status'],
            ...(info.loaded === undefined ? {} : { loaded: info.loaded }),
            ...(info.total === undefined ? {} : { total: info.total }),
            ...(info.progress === undefined ? {} : { progress: info.progress }),
            timestamp: Date.now(),
          });
        },
      };
      try {
        const tokenizer: PreTrainedTokenizer = await transformers.AutoTokenizer.from_pretrained(
          source,
          loadOptions,
        );
        throwIfAborted();
        const model: PreTrainedModel = await transformers.AutoModel.from_pretrained(source, {
          ...loadOptions,
          dtype: dtype as never,
          device: 'cpu',
          ...(threads === undefined
            ? {}
            : { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } }),
        });
        return { tokenizer, model, TensorClass: transformers.Tensor };
      } catch (error) {
        if (CancelledError.isInstance(error)) throw error;
        throw new ModelLoadError({
          message: `Could not load ${localPath === undefined ? `model "${modelId}"` : `the model in "${localPath}"`} with transformers.js (dtype ${dtype}): ${error instanceof Error ? error.message : String(error)}`,
          modelId,
          path: localPath,
          cause: error,
        });
      }
    },
  );
  if (abortSignal?.aborted) {
    await model.dispose();
    throw CancelledError.fromSignal(abortSignal);
  }

  let disposed = false;
  let disposing: Promise<void> | undefined;
  // Runs in flight finish before the session is released: releasing it under a running session is
  // undefined behavior in onnxruntime.
  const running = new Set<Promise<unknown>>();
  const run = async <T>(
    sequences: number[][],
    padId: number,
    read: (outputs: Record<string, unknown>) => T,
  ) => {
    const rows = sequences.length;
    const width = Math.max(...sequences.map((ids) => ids.length));
    const inputIds = new BigInt64Array(rows * width).fill(BigInt(padId));
    const attentionMask = new BigInt64Array(rows * width);
    sequences.forEach((ids, row) => {
      for (let column = 0; column < ids.length; column++) {
        inputIds[row * width + column] = BigInt(ids[column] ?? padId);
        attentionMask[row * width + column] = 1n;
      }
    });
    const outputs = (await model({
      input_ids: new TensorClass('int64', inputIds, [rows, width]),
      attention_mask: new TensorClass('int64', attentionMask, [rows, width]),
    })) as Record<string, unknown>;
    try {
      return read(outputs);
    } finally {
      for (const value of Object.values(outputs)) {
        if (value instanceof TensorClass) (value as Tensor).dispose();
      }
    }
  };
  return {
    tokenizer,
    model,
    get disposed() {
      return disposed;
    },
    runBatch(sequences, padId, read) {
      if (disposed) return Promise.reject(new TonekitError({ message: `The model ${source} was disposed.` }));
      const pending = run(sequences, padId, read);
      running.add(pending);
      return pending.finally(() => running.delete(pending));
    },
    dispose() {
      disposed = true;
      disposing ??= Promise.allSettled([...running]).then(async () => {
        await model.dispose();
      });
      return disposing;
    },
  };
}
