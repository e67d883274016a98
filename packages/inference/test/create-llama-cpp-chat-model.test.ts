import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError, ModelLoadError } from '@tonekit/core';
import {
  type TinyLlamaGguf,
  type TinyLoraGguf,
  writeTinyLlamaGguf,
  writeTinyLoraGguf,
} from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppChatModel, type LlamaCppChatModel } from '../src/index.js';

// Real llama.cpp on generated models: every test here runs native inference on one CPU thread.
let dir: string;
let exact: TinyLlamaGguf;
let outputLora: TinyLoraGguf;
let randomModel: TinyLlamaGguf;
let model: LlamaCppChatModel;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-llama-cpp-'));
  exact = await writeTinyLlamaGguf({ path: path.join(dir, 'exact.gguf'), variant: 'exact', seed: 5 });
  outputLora = await writeTinyLoraGguf({
    path: path.join(dir, 'exact-lora.gguf'),
    base: exact,
    targets: ['output'],
    rank: 4,
    alpha: 8,
    std: 0.5,
  });
  randomModel = await writeTinyLlamaGguf({ path: path.join(dir, 'random.gguf'), seed: 9 });
  model = createLlamaCppChatModel({ modelPath: exact.path, gpu: false, threads: 1, contextSize: 256 });
});

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The greedy continuation of an exact model in closed form: each token is the argmax of the logits
 * after the previous one. The chat template ends the prompt with "\n", a byte token in this vocabulary.
 */
function greedyChain(
  gguf: TinyLlamaGguf,
  steps: number,
  adapters: { adapter: TinyLoraGguf; scale?: number }[] = [],
) {
  const { tokens } = gguf.vocabulary;
  let previous = tokens.indexOf('<0x0A>');
  const chain: number[] = [];
  for (let step = 0; step < steps; step++) {
    const logits = gguf.exact?.logits(previous, adapters) ?? new Float64Array();
    let best = 0;
    for (let token = 1; token < logits.length; token++)
      if ((logits[token] ?? 0) > (logits[best] ?? 0)) best = token;
    chain.push(best);
    if (best === gguf.vocabulary.eosId) break;
    previous = best;
  }
  return chain;
}

/** SentencePiece detokenization for this vocabulary: U+2581 is a space, `<0xNN>` a raw byte. */
function detokenize(gguf: TinyLlamaGguf, ids: readonly number[]): string {
  const bytes: number[] = [];
  for (const id of ids) {
    if (id === gguf.vocabulary.eosId) continue;
    const token = gguf.vocabulary.tokens[id] ?? '';
    const byte = /^<0x([0-9A-F]{2})>$/.exec(token);
    if (byte) bytes.push(Number.parseInt(byte[1] ?? '0', 16));
    else bytes.push(...new TextEncoder().encode(token.replaceAll('\u2581', ' ')));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** node-llama-cpp holds back bytes that do not form a whole character yet at the end of an answer. */
function withoutTrailingBrokenBytes(text: string): string {
  return text.replace(/\uFFFD+$/u, '');
}

describe('createLlamaCppChatModel', () => {
  it('generates exactly the greedy continuation the closed form predicts', async () => {
    const result = await model.doGenerate({
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'hello world' },
      ],
      maxTokens: 16,
      temperature: 0,
    });
    const chain = greedyChain(exact, 16);
    expect(withoutTrailingBrokenBytes(result.text)).toBe(
      withoutTrailingBrokenBytes(detokenize(exact, chain)),
    );
    expect(result.finishReason).toBe(chain.at(-1) === exact.vocabulary.eosId ? 'stop' : 'length');
    expect(result.usage.outputTokens).toBe(chain.length);
    expect(result.usage.inputTokens).toBeGreaterThan(5);
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens);
    expect(result.usage.costUsd).toBe(0);
  });

  it('applies GGUF LoRA adapters with their scale', async () => {
    const adapted = createLlamaCppChatModel({
      modelPath: exact.path,
      loraAdapters: [{ path: outputLora.path, scale: 0.75 }],
      gpu: false,
      threads: 1,
      contextSize: 128,
    });
    try {
      const result = await adapted.doGenerate({
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 12,
        temperature: 0,
      });
      const chain = greedyChain(exact, 12, [{ adapter: outputLora, scale: 0.75 }]);
      expect(chain).not.toEqual(greedyChain(exact, 12));
      expect(withoutTrailingBrokenBytes(result.text)).toBe(
        withoutTrailingBrokenBytes(detokenize(exact, chain)),
      );
    } finally {
      await adapted.dispose();
    }
  });

  it('constrains JSON answers to the schema with a grammar', async () => {
    const random = createLlamaCppChatModel({
      modelPath: randomModel.path,
      gpu: false,
      threads: 1,
      contextSize: 512,
    });
    try {
      const schema = {
        type: 'object',
        properties: {
          question: { type: 'string', maxLength: 12 },
          answer: { type: 'string', maxLength: 12 },
        },
        required: ['question', 'answer'],
        additionalProperties: false,
      };
      for (const seed of [1, 2, 3]) {
        const result = await random.doGenerate({
          messages: [{ role: 'user', content: 'Ask and answer one question.' }],
          responseFormat: { type: 'json', schema },
          temperature: 1,
          seed,
          maxTokens: 200,
        });
        const parsed = JSON.parse(result.text) as Record<string, unknown>;
        expect(Object.keys(parsed).sort()).toEqual(['answer', 'question']);
        expect(typeof parsed.question).toBe('string');
        expect((parsed.question as string).length).toBeLessThanOrEqual(12);
      }
    } finally {
      await random.dispose();
    }
  });

  it('streams deltas that add up to the answer, then one finish part', async () => {
    const parts = [];
    for await (const part of model.doStream({
      messages: [{ role: 'user', content: 'stream it' }],
      maxTokens: 10,
      temperature: 0,
    })) {
      parts.push(part);
    }
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    const again = await model.doGenerate({
      messages: [{ role: 'user', content: 'stream it' }],
      maxTokens: 10,
      temperature: 0,
    });
    expect(text).toBe(again.text);
  });

  it('runs parallel sequences concurrently with the same results as one at a time', async () => {
    const parallel = createLlamaCppChatModel({
      modelPath: exact.path,
      gpu: false,
      threads: 1,
      contextSize: 128,
      parallelSequences: 2,
    });
    try {
      const prompts = ['one', 'two', 'three', 'four'];
      const results = await Promise.all(
        prompts.map((content) =>
          parallel.doGenerate({ messages: [{ role: 'user', content }], maxTokens: 8, temperature: 0 }),
        ),
      );
      // Greedy decoding of an exact model depends only on the last prompt token, which the template fixes.
      const expected = withoutTrailingBrokenBytes(detokenize(exact, greedyChain(exact, 8)));
      for (const result of results) expect(withoutTrailingBrokenBytes(result.text)).toBe(expected);
    } finally {
      await parallel.dispose();
    }
  });

  it('rejects with CancelledError when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    await expect(
      model.doGenerate({
        messages: [{ role: 'user', content: 'x' }],
        maxTokens: 50,
        abortSignal: controller.signal,
      }),
    ).rejects.toSatisfy(CancelledError.isInstance);
  });

  it('reports missing, remote and corrupt model files clearly', async () => {
    const missing = createLlamaCppChatModel({ modelPath: path.join(dir, 'nope.gguf'), gpu: false });
    await expect(missing.load()).rejects.toSatisfy(
      (error: unknown) =>
        ModelLoadError.isInstance(error) && /No such GGUF file/.test((error as Error).message),
    );
    const remote = createLlamaCppChatModel({ modelPath: 'hf:someone/model.gguf', gpu: false });
    await expect(remote.load()).rejects.toSatisfy(InvalidArgumentError.isInstance);
    const corrupt = path.join(dir, 'corrupt.gguf');
    await writeFile(corrupt, 'not a gguf file at all');
    const broken = createLlamaCppChatModel({ modelPath: corrupt, gpu: false, threads: 1 });
    await expect(broken.load()).rejects.toSatisfy(ModelLoadError.isInstance);
    expect(() => createLlamaCppChatModel({ modelPath: exact.path, parallelSequences: 0 })).toThrow(
      /parallelSequences/,
    );
  });

  it('refuses calls after dispose', async () => {
    const disposable = createLlamaCppChatModel({
      modelPath: exact.path,
      gpu: false,
      threads: 1,
      contextSize: 64,
    });
    await disposable.load();
    await disposable.dispose();
    await disposable.dispose();
    await expect(disposable.doGenerate({ messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(
      /disposed/,
    );
  });
});
