import {
  ApiCallError,
  type Embedder,
  type EmbedOptions,
  type EmbedResult,
  InvalidArgumentError,
  retryWithBackoff,
} from '@tonekit/core';
import { createOpenAIClient } from './create-openai-client.js';
import type { OpenAICompatibleRetryOptions } from './create-openai-compatible-chat-model.js';
import { toApiCallError } from './to-api-call-error.js';

export interface OpenAICompatibleEmbedderSettings {
  /** The API root including `/v1`. */
  baseURL: string;
  apiKey?: string;
  model: string;
  /** Length of every vector the model returns; answers of another length are rejected. */
  dimensions: number;
  /** Largest batch per request. Defaults to 256. */
  maxBatchSize?: number;
  /**
   * Send `dimensions` in the request, for models that shorten their vectors on demand (OpenAI's
   * `text-embedding-3-*`). Off by default: most servers reject the field.
   */
  requestDimensions?: boolean;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Per attempt. Defaults to 60000. */
  timeoutMs?: number;
  /** Defaults to 2. */
  maxRetries?: number;
  retry?: OpenAICompatibleRetryOptions;
  /** `Embedder.provider`. Defaults to `openai-compatible`. */
  provider?: string;
}

/**
 * A core `Embedder` over an OpenAI-compatible `POST /embeddings`, with the same retry and error mapping
 * as the chat model. Asks for `encoding_format: 'float'` explicitly: the SDK otherwise requests base64,
 * which several local servers do not implement.
 */
export function createOpenAICompatibleEmbedder(settings: OpenAICompatibleEmbedderSettings): Embedder {
  const {
    baseURL,
    model,
    dimensions,
    maxBatchSize = 256,
    requestDimensions = false,
    timeoutMs = 60_000,
    maxRetries = 2,
    retry,
    provider = 'openai-compatible',
  } = settings;
  for (const [argument, value] of [
    ['dimensions', dimensions],
    ['maxBatchSize', maxBatchSize],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError({
        argument,
        value,
        message: `expected a positive integer, got ${value}.`,
      });
    }
  }
  const client = createOpenAIClient({ ...settings, timeoutMs });
  const url = `${baseURL.replace(/\/+$/, '')}/embeddings`;

  return {
    specificationVersion: 'v1',
    provider,
    modelId: model,
    dimensions,
    maxBatchSize,
    async doEmbed({ values, abortSignal }: EmbedOptions): Promise<EmbedResult> {
      if (values.length > maxBatchSize) {
        throw new InvalidArgumentError({
          argument: 'values',
          value: values.length,
          message: `got ${values.length} values, more than maxBatchSize (${maxBatchSize}); split the batch.`,
        });
      }
      if (values.length === 0) return { embeddings: [] };
      const { data, request_id } = await retryWithBackoff(
        async (_attempt, signal) => {
          try {
            return await client.embeddings
              .create(
                {
                  model,
                  input: values,
                  encoding_format: 'float',
                  ...(requestDimensions ? { dimensions } : {}),
                },
                { signal: signal ?? null },
              )
              .withResponse();
          } catch (error) {
            throw toApiCallError(error, url, signal);
          }
        },
        { ...retry, maxRetries, abortSignal },
      );
      const invalid = (message: string) =>
        new ApiCallError({
          message: `${url} answered with unusable embeddings: ${message}`,
          url,
          status: 200,
          isRetryable: false,
          requestId: request_id ?? undefined,
        });
      const items = Array.isArray(data?.data) ? [...data.data] : [];
      if (items.length !== values.length) {
        throw invalid(`expected ${values.length} vectors, got ${items.length}.`);
      }
      // The API documents `index`; order by it rather than trusting the array order.
      items.sort((a, b) => a.index - b.index);
      const embeddings = items.map((item, position) => {
        if (item.index !== position) throw invalid(`indexes are not 0..${values.length - 1}.`);
        const vector = item.embedding as unknown;
        if (!Array.isArray(vector)) throw invalid(`vector ${position} is not an array of numbers.`);
        if (vector.length !== dimensions) {
          throw invalid(`vector ${position} has ${vector.length} dimensions, expected ${dimensions}.`);
        }
        return Float32Array.from(vector as number[]);
      });
      const tokens = data.usage?.prompt_tokens;
      return { embeddings, ...(typeof tokens === 'number' ? { usage: { tokens } } : {}) };
    },
  };
}
