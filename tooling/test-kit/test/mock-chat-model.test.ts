import { ApiCallError, CancelledError, type ChatStreamPart, retryWithBackoff } from '@tonekit/core';
import { createMockChatModel, createScriptedChatModel } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';

const user = (content: string) => [{ role: 'user' as const, content }];

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const collected: ChatStreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

describe('createMockChatModel', () => {
  it('is a v1 ChatModel that echoes the last user message by default', async () => {
    const model = createMockChatModel();
    expect([model.specificationVersion, model.provider, model.modelId]).toEqual([
      'v1',
      'mock',
      'mock-chat-model',
    ]);
    const result = await model.doGenerate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is tone?' },
      ],
    });
    expect(result).toEqual({
      text: 'Mock reply to: What is tone?',
      finishReason: 'stop',
      // Input: "Be brief." (2) + "What is tone?" (3); output: 6 words.
      usage: { inputTokens: 5, outputTokens: 6, totalTokens: 11 },
      requestId: 'mock-request-0',
    });
  });

  it('cycles through responses and records every call', async () => {
    const model = createMockChatModel({
      responses: ['one', { text: 'two', finishReason: 'content-filter' }],
    });
    const texts: string[] = [];
    for (let index = 0; index < 3; index++) {
      const result = await model.doGenerate({ messages: user(`q${index}`), temperature: index });
      texts.push(`${result.text}/${result.finishReason}`);
    }
    expect(texts).toEqual(['one/stop', 'two/content-filter', 'one/stop']);
    expect(
      model.calls.map(({ method, callIndex, options }) => [method, callIndex, options.temperature]),
    ).toEqual([
      ['doGenerate', 0, 0],
      ['doGenerate', 1, 1],
      ['doGenerate', 2, 2],
    ]);
  });

  it('computes answers with generate and keeps the usage it returns', async () => {
    const model = createMockChatModel({
      generate: async (options, callIndex) => ({
        text: `${options.messages.length}:${callIndex}`,
        usage: { inputTokens: 100, outputTokens: 7, totalTokens: 107, costUsd: 0.002 },
      }),
    });
    const result = await model.doGenerate({ messages: user('x') });
    expect(result.text).toBe('1:0');
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 7, totalTokens: 107, costUsd: 0.002 });
  });

  it('honors maxTokens and stop like a provider would', async () => {
    const model = createMockChatModel({ responses: ['one two three four five. Then more'] });
    const short = await model.doGenerate({ messages: user('x'), maxTokens: 3 });
    expect([short.text, short.finishReason, short.usage.outputTokens]).toEqual([
      'one two three',
      'length',
      3,
    ]);
    const stopped = await model.doGenerate({ messages: user('x'), stop: ['.'] });
    expect([stopped.text, stopped.finishReason]).toEqual(['one two three four five', 'stop']);
  });

  it('rejects with the configured failures', async () => {
    const rateLimited = new ApiCallError({ message: 'Too many requests', url: 'mock://chat', status: 429 });
    const model = createMockChatModel({ failures: { 1: rateLimited } });
    await expect(model.doGenerate({ messages: user('a') })).resolves.toBeDefined();
    await expect(model.doGenerate({ messages: user('b') })).rejects.toBe(rateLimited);
    await expect(model.doGenerate({ messages: user('c') })).resolves.toBeDefined();

    const everyOther = createMockChatModel({
      failures: (callIndex) => (callIndex % 2 === 0 ? new Error(`even ${callIndex}`) : undefined),
    });
    await expect(everyOther.doGenerate({ messages: user('a') })).rejects.toThrow('even 0');
    await expect(everyOther.doGenerate({ messages: user('b') })).resolves.toBeDefined();
  });

  it('streams the answer word by word, then one finish part', async () => {
    const model = createMockChatModel({ responses: ['Hello there,  friend.'] });
    const parts = await collect(model.doStream!({ messages: user('hi') }));
    expect(parts).toEqual([
      { type: 'text-delta', delta: 'Hello ' },
      { type: 'text-delta', delta: 'there,  ' },
      { type: 'text-delta', delta: 'friend.' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 3, totalTokens: 4 },
        requestId: 'mock-request-0',
      },
    ]);
    expect(model.calls[0]?.method).toBe('doStream');
  });

  it('can be created without doStream', () => {
    expect(createMockChatModel({ streaming: false }).doStream).toBeUndefined();
  });

  it('does not start a stream nobody iterates, so its failure cannot go unobserved', async () => {
    const model = createMockChatModel({ failures: { 0: new Error('stream failed') } });
    const stream = model.doStream!({ messages: user('x') });
    expect(model.calls).toHaveLength(1);
    await expect(collect(stream)).rejects.toThrow('stream failed');
  });

  it('rejects with CancelledError when aborted before or during latency', async () => {
    const model = createMockChatModel({ latencyMs: 10_000 });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const error = await model
      .doGenerate({ messages: user('x'), abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(CancelledError.isInstance(error)).toBe(true);
    const again = await model
      .doGenerate({ messages: user('x'), abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(again)).toBe(true);
  });

  it('stops a stream between parts when aborted', async () => {
    const model = createMockChatModel({ responses: ['a b c d'] });
    const controller = new AbortController();
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const part of model.doStream!({ messages: user('x'), abortSignal: controller.signal })) {
        if (part.type === 'text-delta') deltas.push(part.delta);
        if (deltas.length === 2) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(deltas).toEqual(['a ', 'b ']);
    expect(CancelledError.isInstance(error)).toBe(true);
  });

  it('rejects ambiguous or empty settings', () => {
    expect(() => createMockChatModel({ responses: [], generate: () => 'x' })).toThrow(
      'Invalid argument `responses`',
    );
    expect(() => createMockChatModel({ responses: [] })).toThrow('expected at least one response');
  });
});

describe('createScriptedChatModel', () => {
  it('plays errors and answers in order, and fails loudly past the end', async () => {
    const rateLimited = new ApiCallError({ message: 'Too many requests', url: 'mock://chat', status: 429 });
    const model = createScriptedChatModel({ script: [rateLimited, 'Hi!'] });
    expect(model.remaining).toBe(2);
    await expect(model.doGenerate({ messages: user('a') })).rejects.toBe(rateLimited);
    expect(model.remaining).toBe(1);
    await expect(model.doGenerate({ messages: user('b') })).resolves.toMatchObject({ text: 'Hi!' });
    expect(model.remaining).toBe(0);
    await expect(model.doGenerate({ messages: user('c') })).rejects.toThrow(
      'Scripted chat model: no step for call 3, the script has 2 step(s).',
    );
  });

  it('drives a retry through a rate limit', async () => {
    const model = createScriptedChatModel({
      script: [
        new ApiCallError({ message: 'Too many requests', url: 'mock://chat', status: 429, retryAfterMs: 5 }),
        'ok',
      ],
    });
    const delays: number[] = [];
    const result = await retryWithBackoff(() => model.doGenerate({ messages: user('x') }), {
      sleep: async (ms) => {
        delays.push(ms);
      },
      jitter: false,
    });
    expect(result.text).toBe('ok');
    expect(delays).toEqual([1000]);
    expect(model.calls).toHaveLength(2);
  });
});
