import { ApiCallError, CancelledError, RetryError } from '@tonekit/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@tonekit/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleChatModel,
  createRateLimiter,
  type OpenAICompatibleChatModelSettings,
  openRouterPreset,
} from '../src/index.js';

let server: FakeOpenAIServer;
let sleeps: number[];

beforeEach(async () => {
  server = await startFakeOpenAIServer({ hangTimeoutMs: 5_000 });
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

function model(overrides: Partial<OpenAICompatibleChatModelSettings> = {}) {
  return createOpenAICompatibleChatModel({
    baseURL: server.url,
    apiKey: 'sk-test',
    model: 'fake-chat-model',
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      jitter: false,
      initialDelayMs: 5,
    },
    ...overrides,
  });
}

const user = (content: string) => [{ role: 'user' as const, content }];

describe('doGenerate', () => {
  it('returns text, usage, finish reason stop and the request id', async () => {
    const result = await model().doGenerate({ messages: user('one two three') });
    expect(result.text).toBe('one two three');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 3, totalTokens: 6 });
    expect(result.requestId).toBe('req_fake_0');
  });

  it('reports finish reason length when maxTokens cuts the answer', async () => {
    const result = await model().doGenerate({ messages: user('a b c d e'), maxTokens: 2 });
    expect(result.text).toBe('a b');
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBe(2);
  });

  it('maps content_filter and unknown finish reasons', async () => {
    server.setChatHandler(() => ({ content: 'no', finishReason: 'content_filter' }));
    expect((await model().doGenerate({ messages: user('x') })).finishReason).toBe('content-filter');
    server.setChatHandler(() => ({ content: '', finishReason: 'tool_calls' }));
    expect((await model().doGenerate({ messages: user('x') })).finishReason).toBe('other');
  });

  it('sends messages and sampling parameters', async () => {
    await model({ headers: { 'x-extra': 'yes' } }).doGenerate({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi there' },
      ],
      maxTokens: 50,
      temperature: 0.3,
      topP: 0.9,
      seed: 713,
      stop: ['END'],
    });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.headers['x-extra']).toBe('yes');
    expect(request.body).toMatchObject({
      model: 'fake-chat-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi there' },
      ],
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      seed: 713,
      stop: ['END'],
    });
    expect(request.body).not.toHaveProperty('response_format');
  });

  it('uses max_completion_tokens when configured', async () => {
    await model({ maxTokensParameter: 'max_completion_tokens' }).doGenerate({
      messages: user('a'),
      maxTokens: 7,
    });
    expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 7 });
    expect(server.requests[0]!.body).not.toHaveProperty('max_tokens');
  });

  it('computes cost from prices when given, and leaves it out otherwise', async () => {
    const priced = model({ prices: { inputPerMillion: 1, outputPerMillion: 2 } });
    const result = await priced.doGenerate({ messages: user('one two three') });
    expect(result.usage.costUsd).toBeCloseTo((3 * 1 + 3 * 2) / 1e6, 12);
    expect((await model().doGenerate({ messages: user('x') })).usage.costUsd).toBeUndefined();
  });

  it('prefers a cost reported by the provider (OpenRouter usage accounting)', async () => {
    const fetchWithCost: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { usage: Record<string, unknown> };
      body.usage.cost = 0.0042;
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
    };
    const result = await model({
      fetch: fetchWithCost,
      prices: { inputPerMillion: 1, outputPerMillion: 1 },
    }).doGenerate({ messages: user('hello') });
    expect(result.usage.costUsd).toBe(0.0042);
  });
});

describe('doStream', () => {
  it('streams the same text as doGenerate and ends with usage', async () => {
    const parts = [];
    for await (const part of model().doStream({ messages: user('the quick brown fox') })) parts.push(part);
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((part) => part.delta).join('')).toBe('the quick brown fox');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 4, outputTokens: 4, totalTokens: 8 },
      requestId: 'req_fake_0',
    });
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('throws a retryable ApiCallError when the stream ends without a finish', async () => {
    server.setFault({ kind: 'truncated-stream', afterChunks: 2 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const part of model().doStream({ messages: user('a b c d e f') })) {
        if (part.type === 'text-delta') deltas.push(part.delta);
      }
    })().catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).isRetryable).toBe(true);
    expect((error as ApiCallError).message).toMatch(/without a finish reason/);
    expect(deltas.join('')).toBe('a');
  });
});

describe('structured output', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

  it('requests a strict json_schema', async () => {
    server.setChatHandler(() => '{"answer":"yes"}');
    const result = await model().doGenerate({
      messages: user('q'),
      responseFormat: { type: 'json', schema, name: 'qa' },
    });
    expect(JSON.parse(result.text)).toEqual({ answer: 'yes' });
    expect(server.requests[0]!.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'qa', schema, strict: true } },
    });
  });

  it('falls back to json_object with the schema in the system prompt, once, and remembers', async () => {
    await server.close();
    server = await startFakeOpenAIServer({ supportsJsonSchema: false, chat: () => '{"answer":"ok"}' });
    const chat = model();
    const options = {
      messages: [
        { role: 'system' as const, content: 'You are helpful.' },
        { role: 'user' as const, content: 'q' },
      ],
      responseFormat: { type: 'json' as const, schema, name: 'qa' },
    };
    expect(chat.usesJsonObjectFallback).toBe(false);
    const first = await chat.doGenerate(options);
    expect(first.text).toBe('{"answer":"ok"}');
    expect(chat.usesJsonObjectFallback).toBe(true);
    expect(server.requests.map((request) => request.status)).toEqual([400, 200]);
    const fallbackBody = server.requests[1]!.body as {
      response_format: unknown;
      messages: { content: string }[];
    };
    expect(fallbackBody.response_format).toEqual({ type: 'json_object' });
    expect(fallbackBody.messages).toHaveLength(2);
    expect(fallbackBody.messages[0]!.content).toContain('You are helpful.');
    expect(fallbackBody.messages[0]!.content).toContain(JSON.stringify(schema));

    await chat.doGenerate(options);
    expect(server.requests.map((request) => request.status)).toEqual([400, 200, 200]);
    expect(server.requests[2]!.body).toMatchObject({ response_format: { type: 'json_object' } });
    // No retries were spent on the 400.
    expect(sleeps).toEqual([]);
  });

  it('does not fall back on unrelated 400s', async () => {
    server.setFault({ kind: 'status', status: 400, message: 'Invalid messages' });
    const chat = model();
    await expect(
      chat.doGenerate({ messages: user('q'), responseFormat: { type: 'json', schema } }),
    ).rejects.toSatisfy((error: unknown) => ApiCallError.isInstance(error) && error.status === 400);
    expect(chat.usesJsonObjectFallback).toBe(false);
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries and errors', () => {
  it('honors Retry-After on 429 and retries', async () => {
    server.setFault({ kind: 'status', status: 429, retryAfterSeconds: 2, times: 1 });
    const result = await model().doGenerate({ messages: user('ok') });
    expect(result.text).toBe('ok');
    expect(server.requests.map((request) => request.status)).toEqual([429, 200]);
    expect(sleeps).toEqual([2000]);
  });

  it('prefers retry-after-ms', async () => {
    server.setFault({ kind: 'status', status: 429, retryAfterSeconds: 2, retryAfterMs: 150, times: 1 });
    await model().doGenerate({ messages: user('ok') });
    expect(sleeps).toEqual([150]);
  });

  it('retries 500 and dropped connections, then succeeds', async () => {
    server.setFault([
      { kind: 'status', status: 500, times: 1 },
      { kind: 'drop-connection', times: 1 },
    ]);
    const result = await model().doGenerate({ messages: user('fine') });
    expect(result.text).toBe('fine');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([5, 10]);
  });

  it('gives up after maxRetries with a RetryError holding every ApiCallError', async () => {
    server.setFault({ kind: 'status', status: 503 });
    const error = await model({ maxRetries: 1 })
      .doGenerate({ messages: user('x') })
      .catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error)).toBe(true);
    const retryError = error as RetryError;
    expect(retryError.attempts).toBe(2);
    expect(ApiCallError.isInstance(retryError.lastError)).toBe(true);
    expect((retryError.lastError as ApiCallError).status).toBe(503);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry 401 and reports status, body and request id', async () => {
    await server.close();
    server = await startFakeOpenAIServer({ apiKey: 'sk-right' });
    const error = await model({ apiKey: 'sk-wrong-key-123' })
      .doGenerate({ messages: user('x') })
      .catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    const apiError = error as ApiCallError;
    expect(apiError.status).toBe(401);
    expect(apiError.isRetryable).toBe(false);
    expect(apiError.requestId).toBe('req_fake_0');
    expect(apiError.url).toBe(`${server.url}/chat/completions`);
    expect(apiError.responseBody).toContain('invalid_api_key');
    expect(apiError.cause).toBeDefined();
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry 400', async () => {
    server.setFault({ kind: 'status', status: 400, message: 'bad thing' });
    const error = await model()
      .doGenerate({ messages: user('x') })
      .catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error) && error.status === 400).toBe(true);
    expect((error as ApiCallError).responseBody).toContain('bad thing');
    expect(server.requests).toHaveLength(1);
  });

  it('turns a hang into a retryable timeout error', async () => {
    server.setFault({ kind: 'hang' });
    const started = Date.now();
    const error = await model({ timeoutMs: 200, maxRetries: 0 })
      .doGenerate({ messages: user('x') })
      .catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).isRetryable).toBe(true);
    expect((error as ApiCallError).status).toBeUndefined();
    expect((error as ApiCallError).message).toMatch(/timed out/);
  });

  it('retries after a timeout', async () => {
    server.setFault({ kind: 'hang', times: 1 });
    const result = await model({ timeoutMs: 200 }).doGenerate({ messages: user('later') });
    expect(result.text).toBe('later');
    expect(server.requests).toHaveLength(2);
  });

  it('rejects promptly with CancelledError when the signal fires', async () => {
    server.setFault({ kind: 'hang' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user stop')), 50);
    const error = await model({ timeoutMs: 30_000 })
      .doGenerate({ messages: user('x'), abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect((error as CancelledError).cause).toEqual(new Error('user stop'));
    expect(server.requests).toHaveLength(1);
  });

  it('cancels a stream in progress', async () => {
    server.setFault({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await (async () => {
      for await (const _part of model().doStream({ messages: user('x'), abortSignal: controller.signal })) {
        // nothing arrives
      }
    })().catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
  });
});

describe('rate limits and presets', () => {
  it('waits for the request bucket between calls', async () => {
    let now = 0;
    const waits: number[] = [];
    const rateLimiter = createRateLimiter({
      requestsPerMinute: 1,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    const chat = model({ rateLimiter });
    await chat.doGenerate({ messages: user('a') });
    await chat.doGenerate({ messages: user('b') });
    expect(waits).toEqual([60_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('openRouterPreset sends attribution headers and usage accounting', async () => {
    const settings = openRouterPreset({
      apiKey: 'sk-or',
      siteUrl: 'https://example.org',
      siteName: 'tonekit',
    });
    expect(settings.model).toBe('google/gemini-2.0-flash-001');
    expect(settings.baseURL).toBe('https://openrouter.ai/api/v1');
    await createOpenAICompatibleChatModel({ ...settings, baseURL: server.url }).doGenerate({
      messages: user('x'),
    });
    const request = server.requests[0]!;
    expect(request.headers['http-referer']).toBe('https://example.org');
    expect(request.headers['x-title']).toBe('tonekit');
    expect(request.headers.authorization).toBe('Bearer sk-or');
    expect(request.body).toMatchObject({ model: 'google/gemini-2.0-flash-001', usage: { include: true } });
  });
});
