import { type FakeOpenAIServer, startFakeOpenAIServer } from '@tonekit/test-kit';
import { afterEach, describe, expect, it } from 'vitest';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(settings: Parameters<typeof startFakeOpenAIServer>[0] = {}) {
  server = await startFakeOpenAIServer(settings);
  return server;
}

function chat(url: string, body: Record<string, unknown>, init: RequestInit = {}) {
  return fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'fake-chat-model', ...body }),
    ...init,
  });
}

const hello = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'say hello to the world' },
];

/** The JSON payloads of an SSE body's `data:` lines, with `[DONE]` kept as the string. */
function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

interface Chunk {
  choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[];
  usage?: unknown;
}

describe('startFakeOpenAIServer', () => {
  it('lists models in OpenAI shape on 127.0.0.1', async () => {
    const { url } = await start({ models: ['gpt-fake-a', 'gpt-fake-b'] });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const response = await fetch(`${url}/models`);
    expect(response.status).toBe(200);
    const list = (await response.json()) as { object: string; data: { id: string; object: string }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((model) => [model.id, model.object])).toEqual([
      ['gpt-fake-a', 'model'],
      ['gpt-fake-b', 'model'],
    ]);
    const unknown = await chat(url, { model: 'gpt-other', messages: hello });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });

  it('answers a chat completion with word-count usage, echoing the last user message by default', async () => {
    const { url } = await start();
    const response = await chat(url, { messages: hello, temperature: 0 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_fake_\d+$/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: 'chatcmpl-fake-0',
      object: 'chat.completion',
      model: 'fake-chat-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'say hello to the world' },
          finish_reason: 'stop',
        },
      ],
      // 2 words of system prompt + 5 of user prompt; 5 words answered.
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    });
    expect(typeof body.created).toBe('number');
  });

  it('passes the parsed request and call index to the handler, and takes its reply and usage', async () => {
    const seen: { model: string; seed: unknown; callIndex: number }[] = [];
    const { url, setChatHandler } = await start({
      chat: (request, { callIndex }) => {
        seen.push({ model: request.model, seed: request.seed, callIndex });
        return { content: `answer ${callIndex}`, usage: { promptTokens: 100 } };
      },
    });
    const first = (await (await chat(url, { messages: hello, seed: 42 })).json()) as {
      choices: { message: { content: string } }[];
      usage: unknown;
    };
    expect(first.choices[0]!.message.content).toBe('answer 0');
    expect(first.usage).toEqual({ prompt_tokens: 100, completion_tokens: 2, total_tokens: 102 });
    setChatHandler(() => 'replaced');
    const second = (await (await chat(url, { messages: hello })).json()) as {
      id: string;
      choices: { message: { content: string } }[];
    };
    expect(second.choices[0]!.message.content).toBe('replaced');
    expect(second.id).toBe('chatcmpl-fake-1');
    expect(seen).toEqual([{ model: 'fake-chat-model', seed: 42, callIndex: 0 }]);
  });

  it('applies stop, then max_tokens with finish_reason length', async () => {
    const { url } = await start({ chat: () => 'one two three four. five six' });
    const stopped = (await (await chat(url, { messages: hello, stop: ['.', 'zzz'] })).json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
    };
    expect(stopped.choices[0]).toMatchObject({
      message: { content: 'one two three four' },
      finish_reason: 'stop',
    });
    const cut = (await (await chat(url, { messages: hello, stop: '.', max_tokens: 2 })).json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    expect(cut.choices[0]).toMatchObject({ message: { content: 'one two' }, finish_reason: 'length' });
    expect(cut.usage.completion_tokens).toBe(2);
  });

  it('rejects n other than 1 with an OpenAI error body', async () => {
    const { url } = await start();
    const response = await chat(url, { messages: hello, n: 2 });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'n', code: null });
    expect(error.message).toContain('n = 1');
  });

  it('streams chunks that assemble to the same text, then the usage chunk and [DONE]', async () => {
    const { url } = await start({ chat: () => 'The quick brown fox jumps' });
    const plain = (await (await chat(url, { messages: hello })).json()) as {
      choices: { message: { content: string } }[];
      usage: unknown;
    };
    const response = await chat(url, {
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual(plain.usage);
    const contentChunks = chunks.slice(0, -1);
    expect(contentChunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(contentChunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(contentChunks.every((chunk) => chunk.usage === null)).toBe(true);
    const text = contentChunks.map((chunk) => chunk.choices[0]!.delta.content ?? '').join('');
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(text).toBe('The quick brown fox jumps');
    expect(contentChunks.length).toBe(1 + 5 + 1);
  });

  it('streams without a usage chunk unless asked, and ends a max_tokens stream with length', async () => {
    const { url } = await start({ chat: () => 'a b c d' });
    const events = sseData(await (await chat(url, { messages: hello, stream: true, max_tokens: 3 })).text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content ?? '').join('')).toBe('a b c');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('passes json_schema and json_object replies through as-is', async () => {
    const reply = '{"name":"Ada","age":36}';
    const formats: unknown[] = [];
    const { url } = await start({
      chat: (request) => {
        formats.push(request.response_format);
        return reply;
      },
    });
    const jsonSchema = {
      type: 'json_schema',
      json_schema: { name: 'person', strict: true, schema: { type: 'object', properties: {} } },
    };
    for (const responseFormat of [jsonSchema, { type: 'json_object' }]) {
      const response = await chat(url, { messages: hello, response_format: responseFormat });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(JSON.parse(body.choices[0]!.message.content)).toEqual({ name: 'Ada', age: 36 });
    }
    expect(formats).toEqual([jsonSchema, { type: 'json_object' }]);
  });

  it('answers json_schema with 400 when configured without structured outputs', async () => {
    const { url } = await start({ supportsJsonSchema: false });
    const response = await chat(url, {
      messages: hello,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'response_format' });
    const jsonObject = await chat(url, { messages: hello, response_format: { type: 'json_object' } });
    expect(jsonObject.status).toBe(200);
  });

  it('injects a 429 with Retry-After and retry-after-ms for the next request only', async () => {
    const { url, requests } = await start({
      faults: { kind: 'status', status: 429, retryAfterSeconds: 2, retryAfterMs: 1500, times: 1 },
    });
    const limited = await chat(url, { messages: hello });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('retry-after-ms')).toBe('1500');
    expect(await limited.json()).toEqual({
      error: {
        message: 'Injected fault: HTTP 429.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    const retried = await chat(url, { messages: hello });
    expect(retried.status).toBe(200);
    expect(requests.map((request) => [request.status, request.fault])).toEqual([
      [429, 'status'],
      [200, undefined],
    ]);
  });

  it('counts times down across requests and keeps faults without times until cleared', async () => {
    const { url, setFault } = await start();
    setFault({ kind: 'status', status: 500, times: 2 });
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await chat(url, { messages: hello })).status);
    expect(statuses).toEqual([500, 500, 200]);
    setFault({ kind: 'status', status: 503, on: 'models' });
    expect((await fetch(`${url}/models`)).status).toBe(503);
    expect((await fetch(`${url}/models`)).status).toBe(503);
    expect((await chat(url, { messages: hello })).status).toBe(200);
    setFault(null);
    expect((await fetch(`${url}/models`)).status).toBe(200);
  });

  it('sends a 500 with a server_error body', async () => {
    const { url } = await start({ faults: { kind: 'status', status: 500, message: 'boom' } });
    const response = await chat(url, { messages: hello });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { message: 'boom', type: 'server_error', param: null, code: null },
    });
  });

  it('sends malformed JSON with status 200', async () => {
    const { url } = await start({ faults: { kind: 'malformed-json', times: 1 } });
    const response = await chat(url, { messages: hello });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(text.startsWith('{"id":')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('truncates a stream without the finish chunk or [DONE]', async () => {
    const { url } = await start({
      chat: () => 'one two three four five six',
      faults: { kind: 'truncated-stream', afterChunks: 3 },
    });
    // A non-streaming request is not affected by a stream fault.
    expect((await chat(url, { messages: hello })).status).toBe(200);
    const response = await chat(url, { messages: hello, stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const chunks = sseData(text) as Chunk[];
    expect(chunks).toHaveLength(3);
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content).join('')).toBe('one two');
    expect(chunks.every((chunk) => chunk.choices[0]!.finish_reason === null)).toBe(true);
  });

  it('hangs until the client times out, and close() ends hung requests', async () => {
    const fake = await start({ faults: { kind: 'hang' } });
    const started = Date.now();
    const aborted = chat(fake.url, { messages: hello }, { signal: AbortSignal.timeout(150) });
    await expect(aborted).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    const pending = chat(fake.url, { messages: hello }).then(
      () => 'answered',
      () => 'rejected',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests).toHaveLength(2);
    await fake.close();
    expect(await pending).toBe('rejected');
    expect(fake.requests.map((request) => request.status)).toEqual([undefined, undefined]);
  });

  it('ends a hang after the safety timeout', async () => {
    const { url } = await start({ faults: { kind: 'hang' }, hangTimeoutMs: 50 });
    await expect(chat(url, { messages: hello })).rejects.toThrow(TypeError);
  });

  it('drops the connection so fetch rejects', async () => {
    const { url, requests } = await start({ faults: { kind: 'drop-connection', times: 1 } });
    await expect(chat(url, { messages: hello })).rejects.toThrow(TypeError);
    expect(requests[0]!.fault).toBe('drop-connection');
    expect((await chat(url, { messages: hello })).status).toBe(200);
  });

  it('adds latency per request, from settings and from latency faults', async () => {
    const { url } = await start({ latencyMs: 60, faults: { kind: 'latency', ms: 60, times: 1 } });
    let started = Date.now();
    expect((await chat(url, { messages: hello })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    started = Date.now();
    expect((await chat(url, { messages: hello })).status).toBe(200);
    const second = Date.now() - started;
    expect(second).toBeGreaterThanOrEqual(55);
    expect(second).toBeLessThan(110);
  });

  it('answers 401 with an OpenAI error body when the API key differs', async () => {
    const { url } = await start({ apiKey: 'sk-right-key-123456' });
    const wrong = await chat(
      url,
      { messages: hello },
      { headers: { authorization: 'Bearer sk-wrong-key-000000' } },
    );
    expect(wrong.status).toBe(401);
    const { error } = (await wrong.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(error.message).not.toContain('sk-wrong-key-000000');
    const missing = await fetch(`${url}/models`);
    expect(missing.status).toBe(401);
    const right = await fetch(`${url}/models`, { headers: { authorization: 'Bearer sk-right-key-123456' } });
    expect(right.status).toBe(200);
  });

  it('logs method, path, headers and parsed body', async () => {
    const { url, requests } = await start();
    await chat(url, { messages: hello, temperature: 0.5, seed: 7 });
    await fetch(`${url}/models?limit=1`);
    await fetch(`${url}/nothing-here`, { method: 'DELETE' });
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      endpoint: 'chat-completions',
      status: 200,
      body: { model: 'fake-chat-model', messages: hello, temperature: 0.5, seed: 7 },
    });
    expect(requests[0]!.headers['authorization']).toBe('Bearer sk-test');
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(requests[1]).toMatchObject({
      method: 'GET',
      path: '/v1/models?limit=1',
      endpoint: 'models',
      body: undefined,
    });
    expect(requests[2]).toMatchObject({ method: 'DELETE', endpoint: 'unknown', status: 404 });
  });

  it('answers 503 after maxRequests', async () => {
    const { url, requests } = await start({ maxRequests: 2 });
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await fetch(`${url}/models`)).status);
    expect(statuses).toEqual([200, 200, 503]);
    expect(requests).toHaveLength(2);
  });

  it('answers 400 to a body that is not JSON and 500 when the handler throws', async () => {
    const { url } = await start({
      chat: () => {
        throw new Error('handler exploded');
      },
    });
    const notJson = await fetch(`${url}/chat/completions`, { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    const failed = await chat(url, { messages: hello });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toContain(
      'handler exploded',
    );
  });
});
