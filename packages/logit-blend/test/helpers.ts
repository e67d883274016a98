import type { LogitSource } from '@tonekit/core';
import { createMockLogitSource, type MockLogitSource } from '@tonekit/test-kit';

/** Deterministic scores in float64 that depend on the seed, the context length and the last token. */
export function pseudoScores(
  seed: number,
  context: readonly number[],
  size: number,
  scale = 3,
): Float64Array {
  let state = (seed * 2654435761 + (context.at(-1) ?? 7) * 40503 + context.length * 69069) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const scores = new Float64Array(size);
  for (let index = 0; index < size; index++) scores[index] = scale * (next() + next() + next() - 1.5) * 2;
  return scores;
}

/** log-softmax in float64, rounded to float32 the way a source returns it. */
export function logSoftmax32(scores: ArrayLike<number>): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < scores.length; index++) max = Math.max(max, scores[index]!);
  let sum = 0;
  for (let index = 0; index < scores.length; index++) sum += Math.exp(scores[index]! - max);
  const logSum = max + Math.log(sum);
  return Float32Array.from({ length: scores.length }, (_, index) => scores[index]! - logSum);
}

/** The log-probabilities a `randomSource(seed, size)` returns after `context`. */
export function randomLogProbs(seed: number, context: readonly number[], size: number): Float32Array {
  return logSoftmax32(pseudoScores(seed, context, size));
}

/** A mock source whose distribution is pseudo-random per context; the last id is its EOS. */
export function randomSource(
  seed: number,
  size: number,
  extra: {
    modelId?: string;
    eos?: number;
    chatTemplate?: (messages: { role: string; content: string }[]) => string;
  } = {},
): MockLogitSource {
  return createMockLogitSource({
    modelId: extra.modelId ?? `random-${seed}`,
    vocabulary: size,
    ...(extra.eos === undefined ? {} : { eos: extra.eos }),
    logProbs: (context) => randomLogProbs(seed, context, size),
    ...(extra.chatTemplate === undefined ? {} : { chatTemplate: extra.chatTemplate }),
  });
}

/**
 * A mock source that says `script` token by token after a prompt of `promptLength` tokens: the scripted
 * token gets log-probability log(peak), the rest share what is left; after the script it says EOS.
 */
export function scriptedSource(
  vocabulary: string[],
  script: readonly string[],
  promptLength: number,
  options: { modelId?: string; peak?: number; eos?: number } = {},
): MockLogitSource {
  const peak = options.peak ?? 0.9;
  const eos = options.eos ?? vocabulary.length - 1;
  const ids = script.map((text) => {
    const id = vocabulary.indexOf(text);
    if (id < 0) throw new Error(`"${text}" is not in the vocabulary`);
    return id;
  });
  return createMockLogitSource({
    modelId: options.modelId ?? 'scripted',
    vocabulary,
    eos,
    logProbs: (context) => {
      const position = context.length - promptLength;
      const target = position < ids.length ? ids[position]! : eos;
      const rest = Math.log((1 - peak) / (vocabulary.length - 1));
      return Float32Array.from(vocabulary, (_, id) => (id === target ? Math.log(peak) : rest));
    },
  });
}

/** Reference blend in plain float64 arithmetic, written for clarity, not speed. */
export function referenceBlend(
  logProbs: readonly ArrayLike<number>[],
  weights: readonly number[],
  normalization: 'sum' | 'abs-sum' | 'none' = 'sum',
  mask?: { source: number; beta: number },
): number[] {
  const size = logProbs[0]!.length;
  const divisor =
    normalization === 'none'
      ? 1
      : weights.reduce((sum, weight) => sum + (normalization === 'sum' ? weight : Math.abs(weight)), 0);
  const scores: number[] = [];
  for (let token = 0; token < size; token++) {
    let score = 0;
    for (let source = 0; source < logProbs.length; source++) {
      if (weights[source] !== 0) score += weights[source]! * logProbs[source]![token]!;
    }
    scores.push(score / divisor);
  }
  if (mask !== undefined) {
    const reference = Array.from(logProbs[mask.source]!);
    const best = Math.max(...reference);
    for (let token = 0; token < size; token++) {
      if (reference[token]! < Math.log(mask.beta) + best) scores[token] = Number.NEGATIVE_INFINITY;
    }
  }
  const max = Math.max(...scores);
  const logSum = max + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - max), 0));
  return scores.map((score) => score - logSum);
}

/** Index of the largest value, lowest among ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

/** Largest absolute difference between two distributions given as log-probabilities (compared as probabilities). */
export function maxProbabilityDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let index = 0; index < a.length; index++) {
    worst = Math.max(worst, Math.abs(Math.exp(a[index]!) - Math.exp(b[index]!)));
  }
  return worst;
}

/** Wraps a source so that every call to doNextLogProbs is counted while in flight. */
export function trackConcurrency(sources: readonly LogitSource[]): {
  sources: LogitSource[];
  maxInFlight: () => number;
} {
  let inFlight = 0;
  let max = 0;
  const wrapped = sources.map(
    (source): LogitSource => ({
      ...source,
      tokenize: source.tokenize.bind(source),
      detokenize: source.detokenize.bind(source),
      async createSequence(options) {
        const sequence = await source.createSequence(options);
        return {
          async doNextLogProbs(stepOptions) {
            inFlight++;
            max = Math.max(max, inFlight);
            try {
              await new Promise((resolve) => setTimeout(resolve, 1));
              return await sequence.doNextLogProbs(stepOptions);
            } finally {
              inFlight--;
            }
          },
          dispose: () => sequence.dispose(),
          [Symbol.asyncDispose]: () => sequence.dispose(),
        };
      },
    }),
  );
  return { sources: wrapped, maxInFlight: () => max };
}
