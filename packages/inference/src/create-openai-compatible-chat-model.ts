import {
  ApiCallError,
  type ChatGenerateOptions,
  type ChatGenerateResult,
  type ChatMessage,
  type ChatModel,
  type ChatStreamPart,
  type FinishReason,
  InvalidArgumentError,
  type JSONSchema,
  RetryError,
  type RetryWithBackoffOptions,
  retryWithBackoff,
  type TokenUsage,
} from '@tonekit/core';
import type OpenAI from 'openai';
import { createOpenAIClient } from './create-openai-client.js';
import { createRateLimiter, type RateLimiter } from './create-rate-limiter.js';
import type { ModelPrices } from './model-prices.js';
import { toApiCallError } from './to-api-call-error.js';

/** Retry knobs passed through to core's `retryWithBackoff` (tests inject `sleep`; apps log with `onRetry`). */
export type OpenAICompatibleRetryOptions = Pick<
  RetryWithBackoffOptions,
  | 'initialDelayMs'
  | 'maxDelayMs'
  | 'backoffFactor'
  | 'jitter'
  | 'maxRetryAfterMs'
  | 'onRetry'
  | 'random'
  | 'sleep'
>;

export interface OpenAICompatibleChatModelSettings {
  /** The API root including `/v1`, e.g. `https://openrouter.ai/api/v1` or `http://127.0.0.1:8080/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer`; leave out for local servers without authentication. */
  apiKey?: string;
  model: string;
  /** Extra headers on every request (OpenRouter's attribution headers, proxies' auth). */
  headers?: Record<string, string>;
  /** Replaces the global `fetch`: proxies, tests, instrumentation. */
  fetch?: typeof globalThis.fetch;
  /** Per attempt, until the response headers arrive. Defaults to 60000. */
  timeoutMs?: number;
  /** Attempts after the first for retryable failures (408, 409, 429, 5xx, connection errors, timeouts). Defaults to 2. */
  maxRetries?: number;
  retry?: OpenAICompatibleRetryOptions;
  /** `ChatModel.provider`. Defaults to `openai-compatible`. */
  provider?: string;
  /** When set, `usage.costUsd` is computed from them unless the provider reports the cost itself. */
  prices?: ModelPrices;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** A limiter shared by several models (or with a fake clock); overrides `requestsPerMinute` / `tokensPerMinute`. */
  rateLimiter?: RateLimiter;
  /** Name of the output limit in the request. Defaults to `max_tokens`, which every compatible server knows; OpenAI's reasoning models need `max_completion_tokens`. */
  maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
  /** Provider-specific fields merged into every request body (OpenRouter's `usage: {include: true}`). */
  extraBody?: Record<string, unknown>;
}

/** A `ChatModel` that always streams, and tells whether structured output fell back to JSON mode. */
export interface OpenAICompatibleChatModel extends ChatModel {
  doStream(options: ChatGenerateOptions): AsyncIterable<ChatStreamPart>;
  /** True once the endpoint rejected `json_schema` and this instance switched to `json_object` for good. */
  readonly usesJsonObjectFallback: boolean;
}

type ChatBody = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/**
 * A `ChatModel` for any OpenAI-compatible chat completions endpoint (OpenAI, OpenRouter, vLLM, llama.cpp
 * server, Ollama's `/v1`), built on the official `openai` SDK with the SDK's own retries off: retries go
 * through core's `retryWithBackoff`, honoring `Retry-After` / `retry-after-ms`, and every failure is an
 * `ApiCallError` (or `RetryError` wrapping them after retries, or `CancelledError` on abort).
 *
 * Structured output (`responseFormat: {type: 'json', schema}`) is requested as a strict `json_schema`.
 * When the endpoint answers 400 about `response_format` / `json_schema`, the request is sent once more
 * with `json_object` and the schema in the system prompt, and the instance keeps doing so afterwards.
 */
export function createOpenAICompatibleChatModel(
  settings: OpenAICompatibleChatModelSettings,
): OpenAICompatibleChatModel {
  const {
    baseURL,
    model,
    timeoutMs = 60_000,
    maxRetries = 2,
    provider = 'openai-compatible',
    prices,
    maxTokensParameter = 'max_tokens',
    extraBody,
    retry,
  } = settings;
  if (typeof baseURL !== 'string' || baseURL === '') {
    throw new InvalidArgumentError({
      argument: 'baseURL',
      value: baseURL,
      message: 'expected the API root URL.',
    });
  }
  if (typeof model !== 'string' || model === '') {
    throw new InvalidArgumentError({ argument: 'model', value: model, message: 'expected a model id.' });
  }
  const client = createOpenAIClient({ ...settings, timeoutMs });
  const url = `${baseURL.replace(/\/+$/, '')}/chat/completions`;
  const limiter =
    settings.rateLimiter ??
    (settings.requestsPerMinute !== undefined || settings.tokensPerMinute !== undefined
      ? createRateLimiter({
          requestsPerMinute: settings.requestsPerMinute,
          tokensPerMinute: settings.tokensPerMinute,
        })
      : undefined);
  let jsonObjectFallback = false;

  const buildBody = (options: ChatGenerateOptions, fallback: boolean): ChatBody => {
    const format = options.responseFormat;
    let messages: ChatMessage[] = options.messages;
    let responseFormat: ChatBody['response_format'];
    if (format?.type === 'json') {
      if (format.schema !== undefined && !fallback) {
        responseFormat = {
          type: 'json_schema',
          json_schema: { name: format.name ?? 'response', schema: format.schema, strict: true },
        };
      } else {
        responseFormat = { type: 'json_object' };
        if (format.schema !== undefined) messages = withSchemaInstruction(messages, format.schema);
      }
    }
    return {
      ...extraBody,
      model,
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      ...(options.maxTokens === undefined ? {} : { [maxTokensParameter]: options.maxTokens }),
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.topP === undefined ? {} : { top_p: options.topP }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.stop === undefined ? {} : { stop: options.stop }),
      ...(responseFormat === undefined ? {} : { response_format: responseFormat }),
    } as ChatBody;
  };

  /** One logical call: rate limit, retries and error mapping around `send`. */
  const callWithRetries = <T>(
    options: ChatGenerateOptions,
    estimatedTokens: number,
    send: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> =>
    retryWithBackoff(
      async (_attempt, signal) => {
        await limiter?.acquire({ tokens: estimatedTokens, abortSignal: signal });
        try {
          return await send(signal);
        } catch (error) {
          throw toApiCallError(error, url, signal);
        }
      },
      { ...retry, maxRetries, abortSignal: options.abortSignal },
    );

  /** Sends with `json_schema` unless fallen back, and falls back once when the endpoint rejects it. */
  const withFormatFallback = async <T>(
    options: ChatGenerateOptions,
    estimatedTokens: number,
    send: (body: ChatBody, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> => {
    const wantsSchema =
      options.responseFormat?.type === 'json' && options.responseFormat.schema !== undefined;
    const usedFallback = jsonObjectFallback;
    try {
      return await callWithRetries(options, estimatedTokens, (signal) =>
        send(buildBody(options, usedFallback), signal),
      );
    } catch (error) {
      if (!wantsSchema || usedFallback || !rejectsJsonSchema(error)) throw error;
      jsonObjectFallback = true;
      return callWithRetries(options, estimatedTokens, (signal) => send(buildBody(options, true), signal));
    }
  };

  const toUsage = (usage: OpenAI.CompletionUsage | null | undefined): TokenUsage => {
    const inputTokens = usage?.prompt_tokens ?? 0;
    const outputTokens = usage?.completion_tokens ?? 0;
    const result: TokenUsage = {
      inputTokens,
      outputTokens,
      totalTokens: usage?.total_tokens ?? inputTokens + outputTokens,
    };
    const reported = (usage as { cost?: unknown } | null | undefined)?.cost;
    if (typeof reported === 'number' && Number.isFinite(reported)) result.costUsd = reported;
    else if (prices !== undefined && usage != null) {
      result.costUsd = (inputTokens * prices.inputPerMillion + outputTokens * prices.outputPerMillion) / 1e6;
    }
    return result;
  };

  const reconcile = (estimatedTokens: number, usage: TokenUsage) => {
    if (usage.totalTokens > 0) limiter?.adjustTokens(usage.totalTokens - estimatedTokens);
  };

  return {
    specificationVersion: 'v1',
    provider,
    modelId: model,
    get usesJsonObjectFallback() {
      return jsonObjectFallback;
    },

    async doGenerate(options: ChatGenerateOptions): Promise<ChatGenerateResult> {
      const estimatedTokens = estimateTokens(options);
      const { data, request_id } = await withFormatFallback(options, estimatedTokens, (body, signal) =>
        client.chat.completions.create(body, { signal: signal ?? null }).withResponse(),
      );
      const choice = data.choices?.[0];
      if (choice === undefined) {
        throw new ApiCallError({
          message: `${url} answered without a choice.`,
          url,
          status: 200,
          isRetryable: true,
          requestId: request_id ?? undefined,
          responseBody: JSON.stringify(data),
        });
      }
      const usage = toUsage(data.usage);
      reconcile(estimatedTokens, usage);
      return {
        text: choice.message?.content ?? '',
        finishReason: mapFinishReason(choice.finish_reason),
        usage,
        ...(request_id ? { requestId: request_id } : {}),
        rawResponse: data,
      };
    },

    async *doStream(options: ChatGenerateOptions): AsyncIterable<ChatStreamPart> {
      const estimatedTokens = estimateTokens(options);
      const { data: stream, request_id } = await withFormatFallback(
        options,
        estimatedTokens,
        (body, signal) =>
          client.chat.completions
            .create(
              { ...body, stream: true, stream_options: { include_usage: true } },
              { signal: signal ?? null },
            )
            .withResponse(),
      );
      let finishReason: string | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      try {
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices?.[0];
          const delta = choice?.delta?.content;
          if (typeof delta === 'string' && delta !== '') yield { type: 'text-delta', delta };
          if (choice?.finish_reason) finishReason = choice.finish_reason;
        }
      } catch (error) {
        throw toApiCallError(error, url, options.abortSignal);
      }
      if (finishReason === undefined) {
        // A connection cut between chunks can look like a clean end; passing the text on as complete
        // would silently truncate answers.
        throw new ApiCallError({
          message: `The stream from ${url} ended without a finish reason: the answer is incomplete.`,
          url,
          status: 200,
          isRetryable: true,
          requestId: request_id ?? undefined,
        });
      }
      const tokenUsage = toUsage(usage);
      reconcile(estimatedTokens, tokenUsage);
      yield {
        type: 'finish',
        finishReason: mapFinishReason(finishReason),
        usage: tokenUsage,
        ...(request_id ? { requestId: request_id } : {}),
      };
    },
  };
}

function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Whether an error is an endpoint refusing `response_format: json_schema` (checked after retries too). */
function rejectsJsonSchema(error: unknown): boolean {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  if (!ApiCallError.isInstance(last) || last.status !== 400) return false;
  return /response_format|json_schema/i.test(`${last.message} ${last.responseBody ?? ''}`);
}

function withSchemaInstruction(messages: ChatMessage[], schema: JSONSchema): ChatMessage[] {
  const instruction = `Answer with a single JSON object that conforms to this JSON Schema, and nothing else:\n${JSON.stringify(schema)}`;
  const index = messages.findIndex((message) => message.role === 'system');
  if (index === -1) return [{ role: 'system', content: instruction }, ...messages];
  return messages.map((message, at) =>
    at === index ? { ...message, content: `${message.content}\n\n${instruction}` } : message,
  );
}

/** About four characters per token for the prompt, plus the output cap; reconciled with the real usage. */
function estimateTokens(options: ChatGenerateOptions): number {
  const characters = options.messages.reduce((sum, message) => sum + message.content.length, 0);
  return Math.ceil(characters / 4) + (options.maxTokens ?? 0);
}
