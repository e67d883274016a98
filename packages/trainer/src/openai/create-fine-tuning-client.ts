import OpenAI from 'openai';
import type { ResolvedOpenAITrainOptions } from './resolve-openai-train-options.js';

/**
 * An SDK client that never looks at `process.env`: every option the SDK would read from it
 * (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, `OPENAI_WEBHOOK_SECRET`,
 * `OPENAI_LOG`) is passed. The SDK's own retries (429, 408, 409, 5xx, connection errors, honoring
 * `Retry-After`) are kept: fine-tuning calls are few and idempotent, except job creation, which
 * `createFineTuningJob` retries itself.
 */
export function createFineTuningClient(
  options: Pick<ResolvedOpenAITrainOptions, 'apiKey' | 'baseURL' | 'maxRetries'>,
  fetch?: typeof globalThis.fetch,
): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: 'warn',
    maxRetries: options.maxRetries,
    ...(fetch === undefined ? {} : { fetch }),
  });
}
