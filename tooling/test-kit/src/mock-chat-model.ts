import {
  CancelledError,
  type ChatGenerateOptions,
  type ChatGenerateResult,
  type ChatModel,
  type ChatStreamPart,
  InvalidArgumentError,
  sleep,
} from '@tonekit/core';
import { countWords } from './count-words.js';

/** A canned answer: its text, or a partial result whose missing fields the mock fills in. */
export type MockChatResponse = string | Partial<ChatGenerateResult>;

/** One recorded call. */
export interface MockChatModelCall {
  method: 'doGenerate' | 'doStream';
  /** Position among all calls to the model, starting at 0. */
  callIndex: number;
  options: ChatGenerateOptions;
}

export interface MockChatModelSettings {
  provider?: string;
  modelId?: string;
  /** Answers used in call order, starting over after the last one. Exclusive with `generate`. */
  responses?: MockChatResponse[];
  /**
   * Computes the answer of each call. Exclusive with `responses`; without either, the model answers
   * `Mock reply to: <last user message>`. Whatever it throws, the call rejects with.
   */
  generate?: (
    options: ChatGenerateOptions,
    callIndex: number,
  ) => MockChatResponse | Promise<MockChatResponse>;
  /** Wait before answering, to exercise timeouts, concurrency and cancellation. Defaults to 0. */
  latencyMs?: number;
  /**
   * Errors to reject with instead of answering, by call index (`{ 0: new ApiCallError(...) }`) or
   * computed per call (return `undefined` to answer normally).
   */
  failures?: Record<number, unknown> | ((callIndex: number, options: ChatGenerateOptions) => unknown);
  /** Whether the model has `doStream`. Defaults to true; false exercises callers' fallback path. */
  streaming?: boolean;
}

/** A `ChatModel` that answers from a script and remembers how it was called. */
export interface MockChatModel extends ChatModel {
  readonly calls: MockChatModelCall[];
}

/**
 * Creates a deterministic chat model for tests.
 *
 * It behaves like a well-behaved provider, so code under test meets the contract rather than a
 * shortcut: usage counts whitespace-separated words as tokens (input: every message's content; output:
 * the answer); `stop` cuts the answer before the first stop sequence; `maxTokens` keeps that many words
 * and reports `finishReason: 'length'`; a fired `abortSignal` rejects with `CancelledError`, also during
 * `latencyMs` and between stream parts. Streams send one word (with its trailing space) per part.
 * Fields given in a partial response (`usage`, `finishReason`, ...) are used as they are.
 */
export function createMockChatModel(settings: MockChatModelSettings = {}): MockChatModel {
  const {
    provider = 'mock',
    modelId = 'mock-chat-model',
    responses,
    generate,
    latencyMs = 0,
    failures,
    streaming = true,
  } = settings;
  if (responses !== undefined && generate !== undefined) {
    throw new InvalidArgumentError({
      argument: 'responses',
      value: responses,
      message: 'pass either `responses` or `generate`, not both.',
    });
  }
  if (responses?.length === 0) {
    throw new InvalidArgumentError({
      argument: 'responses',
      value: responses,
      message: 'expected at least one response.',
    });
  }
  const answer =
    generate ??
    (responses === undefined
      ? defaultGenerate
      : (_options: ChatGenerateOptions, callIndex: number) => responses[callIndex % responses.length]!);

  const calls: MockChatModelCall[] = [];
  const record = (method: MockChatModelCall['method'], options: ChatGenerateOptions): number => {
    const callIndex = calls.length;
    calls.push({ method, callIndex, options });
    return callIndex;
  };

  const produce = async (options: ChatGenerateOptions, callIndex: number): Promise<ChatGenerateResult> => {
    const { abortSignal } = options;
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    if (latencyMs > 0) await sleep(latencyMs, abortSignal);
    const failure = typeof failures === 'function' ? failures(callIndex, options) : failures?.[callIndex];
    if (failure !== undefined) throw failure;
    const response = await answer(options, callIndex);
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    return completeResult(response, options, callIndex);
  };

  const model: MockChatModel = {
    specificationVersion: 'v1',
    provider,
    modelId,
    calls,
    doGenerate(options) {
      return produce(options, record('doGenerate', options));
    },
  };
  if (streaming) {
    model.doStream = (options) => {
      const callIndex = record('doStream', options);
      // Lazy, like a real stream: nothing happens (and nothing can reject unobserved) until iteration.
      return streamResult(() => produce(options, callIndex), options.abortSignal);
    };
  }
  return model;
}

function defaultGenerate(options: ChatGenerateOptions): string {
  const lastUser = options.messages.findLast((message) => message.role === 'user');
  return `Mock reply to: ${lastUser?.content ?? ''}`;
}

function completeResult(
  response: MockChatResponse,
  options: ChatGenerateOptions,
  callIndex: number,
): ChatGenerateResult {
  const partial = typeof response === 'string' ? { text: response } : response;
  let text = partial.text ?? '';
  let finishReason: ChatGenerateResult['finishReason'] = 'stop';
  if (partial.finishReason === undefined) {
    for (const stop of options.stop ?? []) {
      const at = stop === '' ? -1 : text.indexOf(stop);
      if (at !== -1) text = text.slice(0, at);
    }
    const words = text.match(/\s*\S+/g) ?? [];
    if (options.maxTokens !== undefined && words.length > options.maxTokens) {
      text = words.slice(0, options.maxTokens).join('');
      finishReason = 'length';
    }
  }
  const inputTokens = options.messages.reduce((sum, message) => sum + countWords(message.content), 0);
  const outputTokens = countWords(text);
  return {
    text,
    finishReason: partial.finishReason ?? finishReason,
    usage: partial.usage ?? { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    requestId: partial.requestId ?? `mock-request-${callIndex}`,
    ...(partial.rawResponse === undefined ? {} : { rawResponse: partial.rawResponse }),
  };
}

async function* streamResult(
  produce: () => Promise<ChatGenerateResult>,
  abortSignal: AbortSignal | undefined,
): AsyncGenerator<ChatStreamPart> {
  const { text, finishReason, usage, requestId } = await produce();
  for (const delta of text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text])) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    yield { type: 'text-delta', delta };
  }
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  yield { type: 'finish', finishReason, usage, ...(requestId === undefined ? {} : { requestId }) };
}
