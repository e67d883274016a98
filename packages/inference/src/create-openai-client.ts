import OpenAI from 'openai';

export interface OpenAIClientSettings {
  baseURL: string;
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  timeoutMs: number;
}

/**
 * Builds an SDK client that never looks at `process.env` and never retries: every option the SDK would
 * otherwise read from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
 * `OPENAI_PROJECT_ID`, `OPENAI_WEBHOOK_SECRET`, `OPENAI_LOG`) is passed explicitly, and retries are left
 * to core's `retryWithBackoff` so that one policy, with our error mapping, is in force.
 */
export function createOpenAIClient({
  baseURL,
  apiKey,
  headers,
  fetch,
  timeoutMs,
}: OpenAIClientSettings): OpenAI {
  return new OpenAI({
    baseURL,
    // Local servers need no key; an empty one keeps the SDK from falling back to OPENAI_API_KEY.
    apiKey: apiKey ?? '',
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: 'warn',
    maxRetries: 0,
    timeout: timeoutMs,
    ...(headers === undefined ? {} : { defaultHeaders: headers }),
    ...(fetch === undefined ? {} : { fetch }),
  });
}
