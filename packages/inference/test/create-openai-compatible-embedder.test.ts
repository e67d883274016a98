import { ApiCallError, CancelledError, InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { createOpenAICompatibleEmbedder } from '../src/index.js';

interface Call {
  url: string;
  headers: Headers;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

/** Answers `POST /embeddings` like the API: one vector per input, [length, index, 0.5, ...]. */
function fakeEmbeddingsFetch(
  options: { dimensions: number; reverse?: boolean; failures?: Response[]; vectorLength?: number } = {
    dimensions: 4,
  },
) {
  const calls: Call[] = [];
  const failures = [...(options.failures ?? [])];
  const fetchImpl: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body)) as Call['body'];
    calls.push({
      url: String(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
      body,
    });
    const failure = failures.shift();
    if (failure !== undefined) return failure;
    const length = options.vectorLength ?? options.dimensions;
    const data = body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: Array.from({ length }, (_, at) => (at === 0 ? text.length : at === 1 ? index : 0.5)),
    }));
    if (options.reverse) data.reverse();
    return new Response(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data,
        usage: { prompt_tokens: 7, total_tokens: 7 },
      }),
      { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'req_embed' } },
    );
  };
  return { calls, fetch: fetchImpl };
}

const base = { baseURL: 'http://embed.test/v1', apiKey: 'sk-e', model: 'embed-model' };

describe('createOpenAICompatibleEmbedder', () => {
  it('embeds a batch as Float32Arrays in input order', async () => {
    const fake = fakeEmbeddingsFetch({ dimensions: 4, reverse: true });
    const embedder = createOpenAICompatibleEmbedder({ ...base, dimensions: 4, fetch: fake.fetch });
    expect(embedder).toMatchObject({
      specificationVersion: 'v1',
      modelId: 'embed-model',
      dimensions: 4,
      maxBatchSize: 256,
    });
    const result = await embedder.doEmbed({ values: ['a', 'bbb'] });
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(result.embeddings[0]!)).toEqual([1, 0, 0.5, 0.5]);
    expect(Array.from(result.embeddings[1]!)).toEqual([3, 1, 0.5, 0.5]);
    expect(result.usage).toEqual({ tokens: 7 });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.url).toBe('http://embed.test/v1/embeddings');
    expect(fake.calls[0]!.headers.get('authorization')).toBe('Bearer sk-e');
    expect(fake.calls[0]!.body).toEqual({
      model: 'embed-model',
      input: ['a', 'bbb'],
      encoding_format: 'float',
    });
  });

  it('sends dimensions only when asked to', async () => {
    const fake = fakeEmbeddingsFetch({ dimensions: 4 });
    await createOpenAICompatibleEmbedder({
      ...base,
      dimensions: 4,
      requestDimensions: true,
      fetch: fake.fetch,
    }).doEmbed({
      values: ['x'],
    });
    expect(fake.calls[0]!.body.dimensions).toBe(4);
  });

  it('rejects vectors of the wrong length', async () => {
    const fake = fakeEmbeddingsFetch({ dimensions: 4, vectorLength: 3 });
    const error = await createOpenAICompatibleEmbedder({ ...base, dimensions: 4, fetch: fake.fetch })
      .doEmbed({ values: ['x'] })
      .catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).message).toMatch(/3 dimensions, expected 4/);
    expect((error as ApiCallError).isRetryable).toBe(false);
  });

  it('rejects batches over maxBatchSize without a request, and skips empty ones', async () => {
    const fake = fakeEmbeddingsFetch({ dimensions: 2 });
    const embedder = createOpenAICompatibleEmbedder({
      ...base,
      dimensions: 2,
      maxBatchSize: 2,
      fetch: fake.fetch,
    });
    await expect(embedder.doEmbed({ values: ['a', 'b', 'c'] })).rejects.toThrow(InvalidArgumentError);
    expect(await embedder.doEmbed({ values: [] })).toEqual({ embeddings: [] });
    expect(fake.calls).toHaveLength(0);
    expect(() => createOpenAICompatibleEmbedder({ ...base, dimensions: 0 })).toThrow(/dimensions/);
  });

  it('retries 429 with retry-after-ms and does not retry 400', async () => {
    const sleeps: number[] = [];
    const retry = {
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      jitter: false,
      initialDelayMs: 1,
    };
    const limited = fakeEmbeddingsFetch({
      dimensions: 2,
      failures: [
        new Response(JSON.stringify({ error: { message: 'slow down', type: 'requests' } }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after-ms': '250' },
        }),
      ],
    });
    const ok = await createOpenAICompatibleEmbedder({
      ...base,
      dimensions: 2,
      fetch: limited.fetch,
      retry,
    }).doEmbed({
      values: ['a'],
    });
    expect(ok.embeddings).toHaveLength(1);
    expect(limited.calls).toHaveLength(2);
    expect(sleeps).toEqual([250]);

    const bad = fakeEmbeddingsFetch({
      dimensions: 2,
      failures: [
        new Response(
          JSON.stringify({ error: { message: 'input too long', type: 'invalid_request_error' } }),
          {
            status: 400,
            headers: { 'content-type': 'application/json', 'x-request-id': 'req_bad' },
          },
        ),
      ],
    });
    const error = await createOpenAICompatibleEmbedder({ ...base, dimensions: 2, fetch: bad.fetch, retry })
      .doEmbed({ values: ['a'] })
      .catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(400);
    expect((error as ApiCallError).requestId).toBe('req_bad');
    expect((error as ApiCallError).responseBody).toContain('input too long');
    expect(bad.calls).toHaveLength(1);
  });

  it('rejects with CancelledError when aborted', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await createOpenAICompatibleEmbedder({ ...base, dimensions: 2, fetch: hanging })
      .doEmbed({ values: ['a'], abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
  });
});
