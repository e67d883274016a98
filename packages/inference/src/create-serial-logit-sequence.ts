import {
  asyncDispose,
  CancelledError,
  InvalidArgumentError,
  type LogitSequence,
  type NextLogProbsOptions,
  TonekitError,
} from '@tonekit/core';

/** What a backend does for one sequence; `createSerialLogitSequence` adds the shared contract around it. */
export interface LogitSequenceBackend {
  /**
   * Appends `tokens` (validated, at least one) to the sequence's state and returns the next-token
   * log-probabilities. When `keep()` is false once the result is computed (the caller aborted), the
   * backend restores the state it had before the call and returns `undefined`. On failure it leaves the
   * state as before the call as well.
   */
  append(tokens: readonly number[], keep: () => boolean): Promise<Float32Array | undefined>;
  /** Frees the state. Called once, after the last `append` settled. */
  release(): Promise<void>;
}

export interface SerialLogitSequenceOptions {
  vocabularySize: number;
  /** Most tokens the sequence can hold (its context); longer histories are rejected, never shifted. */
  maxTokens: number;
  /** Names the model in error messages. */
  modelId: string;
  backend: LogitSequenceBackend;
  /** Called once the sequence is released, so the source can reuse its slot. */
  onReleased?: () => void;
}

/**
 * A `LogitSequence` over a backend: token ids validated before anything is appended, calls run one
 * after another (a KV cache has one history), an abort rejects at once while the backend finishes and
 * rolls the call back (so a cancelled call changes nothing), an empty `tokens` after the first call
 * returns the last distribution again, and `dispose()` waits for the call in flight, then releases.
 */
export function createSerialLogitSequence(options: SerialLogitSequenceOptions): LogitSequence {
  const { vocabularySize, maxTokens, modelId, backend } = options;
  let queue: Promise<unknown> = Promise.resolve();
  let length = 0;
  let last: Float32Array | undefined;
  let disposed = false;
  let disposing: Promise<void> | undefined;

  const doNextLogProbs = ({ tokens, abortSignal }: NextLogProbsOptions): Promise<Float32Array> => {
    if (disposed)
      return Promise.reject(new TonekitError({ message: `The logit sequence of ${modelId} was disposed.` }));
    if (abortSignal?.aborted) return Promise.reject(CancelledError.fromSignal(abortSignal));
    try {
      validateTokens(tokens, vocabularySize);
    } catch (error) {
      return Promise.reject(error);
    }
    const ids = [...tokens];
    const operation = queue.then(async (): Promise<Float32Array> => {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      if (disposed) throw new TonekitError({ message: `The logit sequence of ${modelId} was disposed.` });
      if (ids.length === 0) {
        if (last === undefined) {
          throw new InvalidArgumentError({
            argument: 'tokens',
            value: tokens,
            message: 'the first doNextLogProbs call must append at least one token.',
          });
        }
        return last.slice();
      }
      if (length + ids.length > maxTokens) {
        throw new InvalidArgumentError({
          argument: 'tokens',
          value: ids.length,
          message: `appending ${ids.length} tokens to the ${length} already in the sequence exceeds the context of ${maxTokens} tokens of ${modelId}; raise contextSize.`,
        });
      }
      const result = await backend.append(ids, () => !abortSignal?.aborted);
      if (result === undefined) throw CancelledError.fromSignal(abortSignal ?? AbortSignal.abort());
      length += ids.length;
      last = result;
      return result.slice();
    });
    queue = operation.catch(() => undefined);
    return abortSignal === undefined ? operation : rejectOnAbort(operation, abortSignal);
  };

  const dispose = (): Promise<void> => {
    disposed = true;
    disposing ??= queue.then(async () => {
      try {
        await backend.release();
      } finally {
        options.onReleased?.();
      }
    });
    return disposing;
  };

  return { doNextLogProbs, dispose, [asyncDispose]: dispose };
}

/** Throws `InvalidArgumentError` unless `tokens` is an array of ids of a vocabulary of `vocabularySize`. */
export function validateTokens(tokens: unknown, vocabularySize: number): void {
  if (!Array.isArray(tokens)) {
    throw new InvalidArgumentError({
      argument: 'tokens',
      value: tokens,
      message: 'must be an array of token ids.',
    });
  }
  for (const token of tokens) {
    if (!Number.isInteger(token) || token < 0 || token >= vocabularySize) {
      throw new InvalidArgumentError({
        argument: 'tokens',
        value: token,
        message: `${String(token)} is not a token id of this vocabulary (0–${vocabularySize - 1}).`,
      });
    }
  }
}

/** Settles with `operation`, or rejects with a CancelledError as soon as `signal` fires. */
function rejectOnAbort<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(CancelledError.fromSignal(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
