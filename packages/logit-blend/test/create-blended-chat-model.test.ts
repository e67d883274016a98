import { CancelledError, type ChatModel, type ChatStreamPart, InvalidArgumentError } from '@tonekit/core';
import { createMockLogitSource } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';
import { alphaWeights, createBlendedChatModel } from '../src/index.js';
import { randomLogProbs, trackConcurrency } from './helpers.js';

const size = 48;
const template = (messages: { role: string; content: string }[]) =>
  messages.map((message) => `<${message.role === 'user' ? 1 : 2}><${message.content.length % 40}>`).join('') +
  '<3>';

function chatSource(seed: number, modelId: string) {
  return createMockLogitSource({
    vocabulary: size,
    modelId,
    chatTemplate: template,
    logProbs: (context) => randomLogProbs(seed, context, size),
  });
}

const messages = [{ role: 'user' as const, content: 'How do tides work?' }];

describe('createBlendedChatModel', () => {
  it('is a ChatModel whose doGenerate runs the blend', async () => {
    const sources = [chatSource(1, 'knowledgeable'), chatSource(2, 'empathetic')];
    const model = createBlendedChatModel({ sources, alpha: 0.75 });
    const asChatModel: ChatModel = model;
    expect(asChatModel).toMatchObject({ specificationVersion: 'v1', provider: 'logit-blend' });
    expect(model.modelId).toBe('blend(0.75*knowledgeable + 0.25*empathetic)');
    const result = await model.doGenerate({ messages, maxTokens: 12, seed: 4, temperature: 0.8 });
    expect(result.usage.outputTokens).toBe(result.rawResponse.tokens.length);
    expect(result.usage.inputTokens).toBe(result.rawResponse.promptTokens.length);
    expect(result.text).toBe(result.rawResponse.text);
    expect(result.finishReason).toBe(result.rawResponse.finishReason);
    expect(result.rawResponse.tokens[0]!.weights).toEqual([0.75, 0.25]);
    expect(result.rawResponse.seed).toBe(4);
    expect(sources.every((source) => source.sequences.every((sequence) => sequence.disposed))).toBe(true);
  });

  it('streams the same text as doGenerate, ending with one finish part', async () => {
    const model = createBlendedChatModel({ sources: [chatSource(1, 'a'), chatSource(2, 'b')], topP: 0.9 });
    const generated = await model.doGenerate({ messages, maxTokens: 20, seed: 9 });
    const parts: ChatStreamPart[] = [];
    for await (const part of model.doStream({ messages, maxTokens: 20, seed: 9 })) parts.push(part);
    expect(parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')).toBe(generated.text);
    expect(parts.filter((part) => part.type === 'finish')).toEqual([
      { type: 'finish', finishReason: generated.finishReason, usage: generated.usage },
    ]);
    expect(parts.at(-1)!.type).toBe('finish');
  });

  it('maps stop strings, greedy temperature and max tokens', async () => {
    const model = createBlendedChatModel({ sources: [chatSource(1, 'a'), chatSource(2, 'b')] });
    const greedy = await model.doGenerate({ messages, maxTokens: 10, temperature: 0 });
    expect(greedy.rawResponse.tokens.every((token) => token.samplingProbability === 1)).toBe(true);
    expect(greedy.finishReason).toBe(greedy.rawResponse.tokens.length === 10 ? 'length' : 'stop');
    const secondToken = greedy.rawResponse.tokens[1]!.text;
    const stopped = await model.doGenerate({ messages, maxTokens: 10, temperature: 0, stop: [secondToken] });
    expect(stopped.text).toBe(greedy.rawResponse.tokens[0]!.text);
    expect(stopped.finishReason).toBe('stop');
  });

  it('takes weights per request, and withWeights makes a ChatModel with other weights', async () => {
    const sources = [chatSource(1, 'a'), chatSource(2, 'b')];
    const model = createBlendedChatModel({ sources, weights: [1, 1] });
    const perRequest = await model.doGenerate({ messages, maxTokens: 6, seed: 1, alpha: 1 });
    expect(perRequest.rawResponse.tokens[0]!.weights).toEqual([1, 0]);
    const viaWeights = await model.doGenerate({ messages, maxTokens: 6, seed: 1, weights: [0.2, 0.8] });
    expect(viaWeights.rawResponse.tokens[0]!.weights).toEqual([0.2, 0.8]);
    const other = model.withWeights(alphaWeights(0));
    expect(other.modelId).toBe('blend(0*a + 1*b)');
    expect(
      (await other.doGenerate({ messages, maxTokens: 6, seed: 1 })).rawResponse.tokens[0]!.weights,
    ).toEqual([0, 1]);
    expect(model.withWeights(({ step }) => (step < 3 ? [1, 0] : [0, 1])).modelId).toBe(
      'blend(a, b; scheduled)',
    );
    // α = 1 is the first model alone: the same tokens as a one-source blend with the same seed.
    const alone = await createBlendedChatModel({ sources: [chatSource(1, 'a')] }).doGenerate({
      messages,
      maxTokens: 6,
      seed: 1,
    });
    expect(perRequest.rawResponse.tokens.map((token) => token.id)).toEqual(
      alone.rawResponse.tokens.map((token) => token.id),
    );
  });

  it('fails where it is built when the blend is misconfigured', () => {
    const a = chatSource(1, 'a');
    expect(() => createBlendedChatModel({ sources: [a, chatSource(2, 'b')], weights: [1] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createBlendedChatModel({ sources: [a], topP: 2 })).toThrow(/topP/);
    expect(() =>
      createBlendedChatModel({
        sources: [a, createMockLogitSource({ vocabulary: size + 1, logProbs: () => [] })],
      }),
    ).toThrow(/different vocabularies/);
  });

  it('runs at most maxConcurrency generations at once and cancels waiting ones', async () => {
    const tracked = trackConcurrency([chatSource(1, 'a'), chatSource(2, 'b')]);
    const model = createBlendedChatModel({ sources: tracked.sources, maxConcurrency: 1 });
    await Promise.all([1, 2, 3].map((seed) => model.doGenerate({ messages, maxTokens: 4, seed })));
    // Two sources stepped together, never two generations.
    expect(tracked.maxInFlight()).toBe(2);

    const parallel = trackConcurrency([chatSource(1, 'a'), chatSource(2, 'b')]);
    const wide = createBlendedChatModel({ sources: parallel.sources, maxConcurrency: 3 });
    await Promise.all([1, 2, 3].map((seed) => wide.doGenerate({ messages, maxTokens: 4, seed })));
    expect(parallel.maxInFlight()).toBe(6);

    const controller = new AbortController();
    const first = model.doGenerate({ messages, maxTokens: 30, seed: 1 });
    const waiting = model.doGenerate({ messages, maxTokens: 30, seed: 2, abortSignal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toSatisfy(CancelledError.isInstance);
    await first;
  });
});
