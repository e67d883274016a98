/**
 * Tokens per second of `blend` over n = 1, 2, 3 llama.cpp models on the CPU, against a naive loop over
 * the very same sources measured in the same run: it steps each model one after another (no
 * concurrency), allocates its blend and probability arrays every token, and draws with a full scan.
 * The ratios answer two questions: what stepping the models concurrently buys (blend ÷ naive at the
 * same n), and what blending costs against running one model (blend at n ÷ blend at n = 1; the goal is
 * n = 2 at >= 0.7× on a machine with a core per model).
 *
 * Models: tiny llama GGUFs with random weights written by test-kit (default hidden 256, 4 layers,
 * 64-wide heads, feed-forward 3× hidden, about 4,100 tokens of vocabulary), sized so that llama.cpp's
 * compute dominates each step while two models' float32 weights (about 15 MB each) still share the
 * L3 cache of a small server CPU: larger models make each step memory-bound, and two memory-bound
 * models stepping at once share the memory bandwidth instead of running side by side. Every model has its own weights and the same vocabulary; each source runs on
 * `--threads` CPU threads (default 1). Generation is temperature-1 sampling with a fixed seed for
 * `--tokens` tokens (default 64); end-of-turn tokens are pushed far down so runs reach the limit.
 * Each configuration runs `--rounds` times (default 3) after one warm-up run; the median is reported.
 *
 * Also measured: the TypeScript work per token alone (blend + top-p 0.9 sampling) on synthetic
 * distributions of 32,000 and 128,000 tokens, against a naive version that allocates and sorts the
 * whole vocabulary.
 *
 * Usage (from the repository root, sources run without a build):
 *   NODE_OPTIONS=--conditions=@tonekit/source npm run bench -w @tonekit/logit-blend -- [--tokens 64]
 *     [--rounds 3] [--hidden 256] [--layers 4] [--words 1500] [--threads 1]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LogitSequence, LogitSource } from '@tonekit/core';
import { createLlamaCppLogitSource, type LlamaCppLogitSource } from '@tonekit/inference';
import { writeTinyLlamaGguf } from '@tonekit/test-kit';
import { createLogProbBlender } from '../src/blend-log-probs.js';
import { blend } from '../src/index.js';
import { createSeededRandom } from '../src/seeded-random.js';
import { createTokenSampler, resolveSampling } from '../src/token-sampler.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
const tokens = option('tokens', 64);
const rounds = option('rounds', 3);
const hiddenSize = option('hidden', 256);
const layers = option('layers', 4);
const wordCount = option('words', 1500);
const threads = option('threads', 1);

/** Pronounceable pseudo-words, shuffled with a seed, so the vocabulary has a few thousand tokens. */
function pseudoWords(count: number): string[] {
  const syllables = [];
  for (const consonant of 'bdfgklmnprstvz') for (const vowel of 'aeiou') syllables.push(consonant + vowel);
  const words = new Set<string>();
  const random = createSeededRandom(17);
  while (words.size < count) {
    const length = 2 + Math.floor(random() * 2);
    let word = '';
    for (let index = 0; index < length; index++) word += syllables[Math.floor(random() * syllables.length)];
    words.add(word);
  }
  return [...words];
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dir = await mkdtemp(path.join(tmpdir(), 'tonekit-blend-bench-'));
const sources: LlamaCppLogitSource[] = [];
try {
  const words = pseudoWords(wordCount);
  for (let seed = 1; seed <= 3; seed++) {
    const model = await writeTinyLlamaGguf({
      path: path.join(dir, `model-${seed}.gguf`),
      variant: 'random',
      seed,
      words,
      hiddenSize,
      layers,
      heads: hiddenSize / 64,
      kvHeads: Math.max(1, hiddenSize / 128),
      feedForwardSize: hiddenSize * 3,
      contextLength: 1024,
      logitBoosts: { '</s>': -30, '<|im_end|>': -30 },
    });
    sources.push(
      await createLlamaCppLogitSource({
        modelPath: model.path,
        modelId: `random-${seed}`,
        threads,
        gpu: false,
        contextSize: 512,
      }),
    );
  }
  const vocabularySize = sources[0]!.tokenizer.vocabularySize;
  const prompt = await sources[0]!.tokenize('la ka mi no pe su', { addSpecialTokens: true });
  console.log(
    `load average before: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')}`,
  );
  console.log(
    `models: hidden ${hiddenSize}, ${layers} layers, vocabulary ${vocabularySize}; ${threads} thread(s) per model; ` +
      `${availableParallelism()} CPU(s); ${tokens} tokens per run, median of ${rounds} runs`,
  );

  /** Generated tokens per second through `blend` with the first n sources. */
  const timeBlend = async (n: number): Promise<number> => {
    const started = performance.now();
    const result = await blend({
      sources: sources.slice(0, n),
      promptTokens: prompt,
      maxTokens: tokens,
      seed: 7,
      temperature: 1,
    });
    return result.tokens.length / ((performance.now() - started) / 1000);
  };

  /** The same generation without concurrency or buffer reuse: the loop one writes first. */
  const timeNaive = async (n: number): Promise<number> => {
    const started = performance.now();
    const picked: LogitSource[] = sources.slice(0, n);
    const sequences: LogitSequence[] = [];
    for (const source of picked) sequences.push(await source.createSequence());
    const random = createSeededRandom(7);
    const eos = new Set(picked[0]!.tokenizer.specialTokens.eos);
    let generated = 0;
    try {
      let next: number[] = prompt;
      for (let step = 0; step < tokens; step++) {
        const inputs: Float32Array[] = [];
        for (const sequence of sequences) inputs.push(await sequence.doNextLogProbs({ tokens: next }));
        const scores = new Float64Array(vocabularySize);
        for (let token = 0; token < vocabularySize; token++) {
          let sum = 0;
          for (const input of inputs) sum += input[token]! / n;
          scores[token] = sum;
        }
        const max = scores.reduce((best, score) => Math.max(best, score), Number.NEGATIVE_INFINITY);
        const weights = Array.from(scores, (score) => Math.exp(score - max));
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        let target = random() * total;
        let token = 0;
        while (token < vocabularySize - 1 && target >= weights[token]!) target -= weights[token++]!;
        generated++;
        if (eos.has(token)) break;
        next = [token];
      }
    } finally {
      for (const sequence of sequences) await sequence.dispose();
    }
    return generated / ((performance.now() - started) / 1000);
  };

  const results = new Map<number, { blend: number; naive: number }>();
  for (const n of [1, 2, 3]) {
    await timeBlend(n);
    await timeNaive(n);
    const blendRuns: number[] = [];
    const naiveRuns: number[] = [];
    // Interleaved, so drift in the machine's speed hits both alike.
    for (let round = 0; round < rounds; round++) {
      blendRuns.push(await timeBlend(n));
      naiveRuns.push(await timeNaive(n));
    }
    results.set(n, { blend: median(blendRuns), naive: median(naiveRuns) });
  }
  const single = results.get(1)!.blend;
  console.log('\n n | blend tok/s | naive sequential tok/s | blend ÷ naive | blend ÷ blend(n=1)');
  for (const [n, { blend: blended, naive }] of results) {
    console.log(
      ` ${n} | ${blended.toFixed(1).padStart(11)} | ${naive.toFixed(1).padStart(22)} | ${(blended / naive).toFixed(2).padStart(13)} | ${(blended / single).toFixed(2).padStart(18)}`,
    );
  }
  const two = results.get(2)!.blend / single;
  console.log(
    `\nn = 2 runs at ${two.toFixed(2)}× the single-model speed (goal >= 0.70: ${two >= 0.7 ? 'met' : 'not met'}` +
      `${availableParallelism() < 2 ? '; fewer than 2 CPUs, the models cannot run side by side' : ''}).`,
  );

  console.log(
    `load average after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(', ')} (other processes competing for the CPUs skew every figure)`,
  );

  // The TypeScript work per token alone, on synthetic distributions of realistic vocabulary sizes.
  console.log('\nper-token TypeScript work (blend of 2 + top-p 0.9 sampling), median µs per token:');
  console.log(' vocabulary | blend + sampler | naive (allocate, sort all) | naive ÷ blend');
  for (const size of [32_000, 128_000]) {
    const random = createSeededRandom(size);
    const inputs = [0, 1].map(() => {
      const scores = Float64Array.from({ length: size }, () => 4 * (random() + random() + random() - 1.5));
      const max = scores.reduce((best, score) => Math.max(best, score), Number.NEGATIVE_INFINITY);
      const logSum = max + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - max), 0));
      return Float32Array.from(scores, (score) => score - logSum);
    });
    const blender = createLogProbBlender(size, 2);
    const sampler = createTokenSampler(size);
    const sampling = resolveSampling({ topP: 0.9 });
    const fast = (): number => {
      blender.blend(inputs, [0.5, 0.5], 'sum', undefined, 0);
      return sampler.sample(blender.logProbs, blender.probabilities, blender.argmax, sampling, random).token;
    };
    const naive = (): number => {
      const scores = Array.from(
        { length: size },
        (_, token) => 0.5 * inputs[0]![token]! + 0.5 * inputs[1]![token]!,
      );
      const max = scores.reduce((best, score) => Math.max(best, score), Number.NEGATIVE_INFINITY);
      const weights = scores.map((score) => Math.exp(score - max));
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const order = weights
        .map((weight, token) => ({ weight: weight / total, token }))
        .sort((a, b) => b.weight - a.weight);
      let sum = 0;
      let keep = 0;
      while (keep < order.length && sum < 0.9) sum += order[keep++]!.weight;
      let target = random() * sum;
      for (let index = 0; index < keep; index++) {
        target -= order[index]!.weight;
        if (target < 0) return order[index]!.token;
      }
      return order[keep - 1]!.token;
    };
    const time = (work: () => number, repeats: number): number => {
      const samples: number[] = [];
      for (let round = 0; round < 5; round++) {
        const started = performance.now();
        for (let repeat = 0; repeat < repeats; repeat++) work();
        samples.push(((performance.now() - started) * 1000) / repeats);
      }
      return median(samples);
    };
    time(fast, 20);
    time(naive, 3);
    const fastMicroseconds = time(fast, 50);
    const naiveMicroseconds = time(naive, 5);
    console.log(
      ` ${String(size).padStart(10)} | ${fastMicroseconds.toFixed(0).padStart(15)} | ${naiveMicroseconds.toFixed(0).padStart(26)} | ${(naiveMicroseconds / fastMicroseconds).toFixed(1).padStart(13)}`,
    );
  }
} finally {
  for (const source of sources) await source.dispose();
  await rm(dir, { recursive: true, force: true });
}
