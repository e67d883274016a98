import { CancelledError, InvalidArgumentError, type LogitSource, TonekitError } from '@tonekit/core';
import { createMockLogitSource, type MockLogitSource } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';
import { type BlendStreamPart, blend, streamBlend } from '../src/index.js';
import {
  argmax,
  randomLogProbs,
  randomSource,
  referenceBlend,
  scriptedSource,
  trackConcurrency,
} from './helpers.js';

const vocabulary = [
  '<s>',
  'Hel',
  'lo',
  ' ST',
  'OP',
  'ST',
  '!',
  ' wor',
  'ld',
  '.',
  '<|im_start|>',
  '<|im_end|>',
  'user',
  'assistant',
  '\n',
  ' ',
  '</s>',
];
const prompt = [0, 1, 2];

async function collect(parts: AsyncIterable<BlendStreamPart>): Promise<BlendStreamPart[]> {
  const collected: BlendStreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

/** The stream as a compact list: `t:<token text>` for tokens, `d:<delta>` for text deltas, `f:<reason>`. */
function outline(parts: readonly BlendStreamPart[]): string[] {
  return parts.map((part) =>
    part.type === 'token'
      ? `t:${part.token.text}`
      : part.type === 'text-delta'
        ? `d:${part.delta}`
        : `f:${part.stopReason}`,
  );
}

const allDisposed = (sources: readonly MockLogitSource[]) =>
  sources.every(
    (source) => source.sequences.length > 0 && source.sequences.every((sequence) => sequence.disposed),
  );

describe('blend: stopping', () => {
  it('stops at a stop string that spans tokens and never emits any of it', async () => {
    const sources = [scriptedSource(vocabulary, ['Hel', 'lo', ' ST', 'OP', '!'], prompt.length)];
    const parts = await collect(
      streamBlend({ sources, promptTokens: prompt, stop: ['STOP'], temperature: 0 }),
    );
    expect(outline(parts)).toEqual([
      't:Hel',
      'd:Hel',
      't:lo',
      'd:lo',
      't: ST',
      'd: ',
      't:OP',
      'f:stop-string',
    ]);
    const result = await blend({ sources, promptTokens: prompt, stop: ['STOP'], temperature: 0 });
    expect(result.text).toBe('Hello ');
    expect(result).toMatchObject({ finishReason: 'stop', stopReason: 'stop-string', stopString: 'STOP' });
    expect(result.tokens.map((token) => token.text)).toEqual(['Hel', 'lo', ' ST', 'OP']);
    // The token that completed the stop string is not fed to the model.
    expect(sources[0]!.sequences[1]!.steps).toBe(4);
  });

  it('releases held-back text once it cannot become a stop string', async () => {
    const sources = [scriptedSource(vocabulary, ['Hel', 'lo', ' ST', '!', '.'], prompt.length)];
    const parts = await collect(
      streamBlend({ sources, promptTokens: prompt, stop: ['STOP'], temperature: 0 }),
    );
    expect(outline(parts)).toEqual([
      't:Hel',
      'd:Hel',
      't:lo',
      'd:lo',
      't: ST',
      'd: ',
      't:!',
      'd:ST!',
      't:.',
      'd:.',
      't:</s>',
      'f:eos',
    ]);
  });

  it('releases a held-back prefix of a stop string when max tokens ends the answer', async () => {
    const sources = [scriptedSource(vocabulary, ['Hel', 'lo', ' ST', 'OP'], prompt.length)];
    const result = await blend({
      sources,
      promptTokens: prompt,
      stop: ['STOP'],
      temperature: 0,
      maxTokens: 3,
    });
    expect(result).toMatchObject({ text: 'Hello ST', finishReason: 'length', stopReason: 'max-tokens' });
    expect(result.stopString).toBeUndefined();
  });

  it('stops at the earliest of several stop strings', async () => {
    const sources = [scriptedSource(vocabulary, ['Hel', 'lo', ' ST', 'OP', '!'], prompt.length)];
    const result = await blend({ sources, promptTokens: prompt, stop: ['OP!', 'lo S'], temperature: 0 });
    expect(result).toMatchObject({ text: 'Hel', stopString: 'lo S' });
  });

  it('stops at the end-of-sequence token without emitting its text', async () => {
    const sources = [scriptedSource(vocabulary, ['Hel', 'lo'], prompt.length)];
    const result = await blend({ sources, promptTokens: prompt, temperature: 0 });
    expect(result).toMatchObject({ text: 'Hello', finishReason: 'stop', stopReason: 'eos' });
    expect(result.tokens.map((token) => [token.text, token.isEndOfSequence])).toEqual([
      ['Hel', false],
      ['lo', false],
      ['</s>', true],
    ]);
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 3, totalTokens: 6 });
  });

  it('stops at max tokens and never steps the models past the last token', async () => {
    const sources = [randomSource(1, 50, { eos: 0 }), randomSource(2, 50, { eos: 0 })];
    const result = await blend({ sources, promptTokens: [5, 6], maxTokens: 7, seed: 1, topK: 10 });
    expect(result).toMatchObject({ finishReason: 'length', stopReason: 'max-tokens' });
    expect(result.tokens).toHaveLength(7);
    expect(result.usage).toEqual({ inputTokens: 2, outputTokens: 7, totalTokens: 9 });
    for (const source of sources) expect(source.sequences[0]!.steps).toBe(7);
    expect(result.text).toBe(result.tokens.map((token) => `<${token.id}>`).join(''));
  });
});

describe('blend: streaming and attribution', () => {
  it('streams exactly what blend returns, for the same seed', async () => {
    const make = () => [randomSource(11, 40), randomSource(12, 40)];
    const options = { promptTokens: [1, 2, 3], maxTokens: 25, seed: 77, topP: 0.9, weights: [0.6, 0.4] };
    const parts = await collect(streamBlend({ sources: make(), ...options }));
    const result = await blend({ sources: make(), ...options });
    const tokens = parts.flatMap((part) => (part.type === 'token' ? [part.token] : []));
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    expect(tokens).toEqual(result.tokens);
    expect(text).toBe(result.text);
    const finish = parts.at(-1)!;
    expect(finish.type).toBe('finish');
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    const { type: _type, ...finishFields } = finish as Extract<BlendStreamPart, { type: 'finish' }>;
    const { text: _text, tokens: _tokens, ...resultFields } = result;
    expect(finishFields).toEqual(resultFields);
    expect(result.seed).toBe(77);
  });

  it('reports the seed it drew, and that seed repeats the run', async () => {
    const make = () => [randomSource(11, 40), randomSource(12, 40)];
    const first = await blend({ sources: make(), promptTokens: [1], maxTokens: 15 });
    expect(Number.isSafeInteger(first.seed)).toBe(true);
    const again = await blend({ sources: make(), promptTokens: [1], maxTokens: 15, seed: first.seed });
    expect(again.tokens.map((token) => token.id)).toEqual(first.tokens.map((token) => token.id));
  });

  it('attributes every token: each model’s probability and argmax, the blended and the sampling probability', async () => {
    const seeds = [13, 14];
    const size = 40;
    const weights = [0.7, 0.3];
    const sources = seeds.map((seed) => randomSource(seed, size, { modelId: `model-${seed}` }));
    const result = await blend({ sources, weights, promptTokens: [1, 2], maxTokens: 20, seed: 5 });
    const context = [1, 2];
    for (const token of result.tokens) {
      const inputs = seeds.map((seed) => randomLogProbs(seed, context, size));
      const reference = referenceBlend(inputs, weights);
      expect(token.weights).toEqual(weights);
      expect(Math.abs(token.logProb - reference[token.id]!)).toBeLessThan(1e-9);
      expect(Math.abs(token.probability - Math.exp(reference[token.id]!))).toBeLessThan(1e-9);
      // No truncation at temperature 1: the sampler draws from the blend itself.
      expect(Math.abs(token.samplingProbability - token.probability)).toBeLessThan(1e-12);
      token.sources.forEach((attribution, source) => {
        const best = argmax(inputs[source]!);
        expect(attribution).toEqual({
          modelId: `model-${seeds[source]}`,
          logProb: inputs[source]![token.id],
          probability: Math.exp(inputs[source]![token.id]!),
          isArgmax: token.id === best,
          argmax: best,
        });
      });
      context.push(token.id);
    }
    // Over 20 draws both "a model's favourite" and "not a model's favourite" occur, so isArgmax is tested both ways.
    const flags = result.tokens.flatMap((token) => token.sources.map((source) => source.isArgmax));
    expect(flags).toContain(true);
    expect(flags).toContain(false);
  });

  it('reports sampling probability 1 when greedy and the renormalized one under top-k', async () => {
    const make = () => [randomSource(3, 30), randomSource(4, 30)];
    const greedy = await blend({ sources: make(), promptTokens: [1], maxTokens: 5, temperature: 0 });
    expect(greedy.tokens.every((token) => token.samplingProbability === 1)).toBe(true);
    const topK = await blend({ sources: make(), promptTokens: [1], maxTokens: 5, topK: 3, seed: 2 });
    for (const token of topK.tokens) expect(token.samplingProbability).toBeGreaterThan(token.probability);
  });

  it('decodes multi-byte characters split over byte tokens without emitting broken text', async () => {
    const byteVocabulary = ['caf', '<0xC3>', '<0xA9>', '!', '</s>'];
    const scripted = scriptedSource(byteVocabulary, ['caf', '<0xC3>', '<0xA9>', '!'], 1);
    const decode = async (tokens: number[]) => {
      const bytes: number[] = [];
      for (const id of tokens) {
        const text = byteVocabulary[id]!;
        const byte = /^<0x([0-9A-F]{2})>$/.exec(text);
        if (byte) bytes.push(Number.parseInt(byte[1]!, 16));
        else bytes.push(...new TextEncoder().encode(text));
      }
      return new TextDecoder().decode(Uint8Array.from(bytes));
    };
    const source: LogitSource = { ...scripted, detokenize: decode };
    const parts = await collect(streamBlend({ sources: [source], promptTokens: [0], temperature: 0 }));
    expect(outline(parts)).toEqual([
      't:caf',
      'd:caf',
      't:\uFFFD',
      't:\uFFFD',
      'd:é',
      't:!',
      'd:!',
      't:</s>',
      'f:eos',
    ]);
    const cut = await blend({ sources: [source], promptTokens: [0], temperature: 0, maxTokens: 2 });
    expect(cut.text).toBe('caf');
    expect(cut.tokens).toHaveLength(2);
  });
});

describe('blend: sources and prompts', () => {
  it('rejects sources with different vocabularies, naming both models and sizes', async () => {
    const a = randomSource(1, 64, { modelId: 'alpha-model' });
    const b = randomSource(2, 65, { modelId: 'beta-model' });
    const error = await blend({ sources: [a, b], promptTokens: [1] }).catch((e) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/alpha-model.*64 tokens.*beta-model.*65 tokens/);
    expect(() => streamBlend({ sources: [a, b], promptTokens: [1] })).toThrow(/different vocabularies/);
    const sameSize = createMockLogitSource({
      vocabulary: 64,
      modelId: 'gamma-model',
      vocabularyHash: 'x',
      logProbs: () => new Float32Array(64),
    });
    expect(() => streamBlend({ sources: [a, sameSize], promptTokens: [1] })).toThrow(
      /gamma-model.*of the same size/,
    );
    expect(a.sequences).toHaveLength(0);
  });

  it('applies the chat template once and feeds every model the same prompt tokens, with one BOS', async () => {
    let renders = 0;
    const chatTemplate = (messages: { role: string; content: string }[]) => {
      renders++;
      return `<s>${messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
    };
    const make = (seed: number) =>
      createMockLogitSource({
        vocabulary,
        bos: 0,
        modelId: `chat-${seed}`,
        chatTemplate,
        logProbs: (context) => randomLogProbs(seed, context, vocabulary.length),
      });
    const sources = [make(1), make(2)];
    const result = await blend({
      sources,
      messages: [{ role: 'user', content: 'Hello world.' }],
      maxTokens: 4,
      seed: 3,
    });
    expect(renders).toBe(1);
    const expected = await sources[0]!.tokenize(chatTemplate([{ role: 'user', content: 'Hello world.' }]));
    expect(expected[0]).toBe(0);
    expect(expected[1]).not.toBe(0);
    expect(result.promptTokens).toEqual(expected);
    for (const source of sources)
      expect(source.sequences[0]!.tokens.slice(0, expected.length)).toEqual(expected);
  });

  it('uses the first source with a chat template, and says so when none has one', async () => {
    const plain = randomSource(1, vocabulary.length, { modelId: 'plain' });
    const chat = createMockLogitSource({
      vocabulary: vocabulary.length,
      modelId: 'chat',
      chatTemplate: () => '<1><2>',
      logProbs: (context) => randomLogProbs(2, context, vocabulary.length),
    });
    const result = await blend({
      sources: [plain, chat],
      messages: [{ role: 'user', content: 'x' }],
      maxTokens: 2,
      seed: 1,
    });
    expect(result.promptTokens).toEqual([1, 2]);
    await expect(blend({ sources: [plain], messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(
      /none of the sources \(plain\) has a chat template/,
    );
    await expect(
      blend({ sources: [plain, chat], messages: [{ role: 'user', content: 'x' }], templateSource: 0 }),
    ).rejects.toThrow(/plain\) has no chat template/);
    await expect(blend({ sources: [plain], prompt: 'x', promptTokens: [1] })).rejects.toThrow(
      /exactly one of messages, prompt and promptTokens/,
    );
  });

  it('tokenizes a raw prompt with the first source', async () => {
    const sources = [randomSource(1, 20), randomSource(2, 20)];
    const result = await blend({ sources, prompt: '<3><4>', maxTokens: 2, seed: 1 });
    expect(result.promptTokens).toEqual([3, 4]);
  });

  it('steps the sources concurrently', async () => {
    const tracked = trackConcurrency([randomSource(1, 30), randomSource(2, 30), randomSource(3, 30)]);
    await blend({ sources: tracked.sources, promptTokens: [1], maxTokens: 5, seed: 1 });
    expect(tracked.maxInFlight()).toBe(3);
  });
});

describe('blend: cancellation and failures release every sequence', () => {
  it('rejects with CancelledError when aborted between tokens', async () => {
    const sources = [randomSource(1, 30, { eos: 0 }), randomSource(2, 30, { eos: 0 })];
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    let tokens = 0;
    const error = await (async () => {
      for await (const part of streamBlend({
        sources,
        promptTokens: [1],
        maxTokens: 100,
        seed: 1,
        abortSignal: controller.signal,
      })) {
        if (part.type === 'token' && ++tokens === 3) controller.abort(reason);
      }
    })().catch((e) => e);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(error.cause).toBe(reason);
    expect(tokens).toBe(3);
    expect(allDisposed(sources)).toBe(true);
  });

  it('rejects at once when the signal has already fired, creating nothing', async () => {
    const sources = [randomSource(1, 30), randomSource(2, 30)];
    await expect(blend({ sources, promptTokens: [1], abortSignal: AbortSignal.abort() })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
    expect(sources.every((source) => source.sequences.length === 0)).toBe(true);
  });

  it('passes the signal to the sources, which cancel the step in flight', async () => {
    const sources = [randomSource(1, 30, { eos: 0 }), randomSource(2, 30, { eos: 0 })];
    const controller = new AbortController();
    const signals: (AbortSignal | undefined)[] = [];
    // The first source fires the signal in the middle of its fifth step, as a user would during a slow one.
    const wrapped: LogitSource = {
      ...sources[0]!,
      createSequence: async (options) => {
        const sequence = await sources[0]!.createSequence(options);
        return {
          ...sequence,
          dispose: () => sequence.dispose(),
          doNextLogProbs: async (stepOptions) => {
            signals.push(stepOptions.abortSignal);
            if (signals.length === 5) controller.abort();
            return sequence.doNextLogProbs(stepOptions);
          },
        };
      },
    };
    const run = blend({
      sources: [wrapped, sources[1]!],
      promptTokens: [1],
      maxTokens: 100,
      seed: 1,
      abortSignal: controller.signal,
    });
    await expect(run).rejects.toSatisfy(CancelledError.isInstance);
    expect(signals.every((signal) => signal === controller.signal)).toBe(true);
    expect(allDisposed(sources)).toBe(true);
    // The mock refused the step once it saw the fired signal.
    expect(sources[0]!.sequences[0]!.steps).toBe(4);
  });

  it('releases every sequence when one source fails, naming the model and the step', async () => {
    const healthy = randomSource(1, 30, { eos: 0 });
    const failing = createMockLogitSource({
      vocabulary: 30,
      modelId: 'flaky-model',
      eos: 0,
      logProbs: (context) => {
        if (context.length > 3) throw new Error('GPU fell off the bus');
        return randomLogProbs(2, context, 30);
      },
    });
    const error = await blend({
      sources: [healthy, failing],
      promptTokens: [1],
      maxTokens: 10,
      seed: 1,
    }).catch((e) => e);
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/"flaky-model".*at step 2.*GPU fell off the bus/);
    expect(error.cause.message).toBe('GPU fell off the bus');
    expect(allDisposed([healthy, failing])).toBe(true);
  });

  it('releases the sequences already created when another source cannot create one', async () => {
    const healthy = randomSource(1, 30);
    const broken: LogitSource = {
      ...randomSource(2, 30),
      createSequence: async () => {
        throw new Error('out of memory');
      },
    };
    await expect(blend({ sources: [healthy, broken], promptTokens: [1] })).rejects.toThrow(
      /to create a sequence: out of memory/,
    );
    expect(allDisposed([healthy])).toBe(true);
  });

  it('releases every sequence when the consumer stops reading the stream', async () => {
    const sources = [randomSource(1, 30, { eos: 0 }), randomSource(2, 30, { eos: 0 })];
    for await (const part of streamBlend({ sources, promptTokens: [1], maxTokens: 50, seed: 1 })) {
      if (part.type === 'token' && part.token.step === 2) break;
    }
    expect(allDisposed(sources)).toBe(true);
  });

  it('rejects a source that returns the wrong number of log-probabilities', async () => {
    const short = createMockLogitSource({
      vocabulary: 30,
      modelId: 'short',
      logProbs: () => new Float32Array(30),
    });
    const wrong: LogitSource = {
      ...short,
      createSequence: async () => {
        const sequence = await short.createSequence();
        return { ...sequence, doNextLogProbs: async () => new Float32Array(29) };
      },
    };
    await expect(blend({ sources: [wrong], promptTokens: [1] })).rejects.toThrow(
      /"short" returned 29 log-probabilities on the prompt, expected 30/,
    );
  });
});
