import { InvalidArgumentError } from '@tonekit/core';
import type { UniformRandom } from './seeded-random.js';

/**
 * How the next token is drawn from the blended distribution. The transforms run in the order of
 * Hugging Face transformers' samplers: temperature, then top-k, then top-p, then min-p, each on what the
 * previous one left (renormalized), then one draw.
 */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy, ties to the lowest id); otherwise divides log-probabilities. Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 (default) keeps all. */
  topK?: number;
  /** Keep the most likely tokens until their probability reaches `topP`; 1 (default) keeps all. */
  topP?: number;
  /** Keep tokens at least `minP` times as likely as the most likely one; 0 (default) keeps all. */
  minP?: number;
}

/** `SamplingOptions` with every default filled in and checked. */
export interface ResolvedSampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
}

export function resolveSampling(options: SamplingOptions): ResolvedSampling {
  const { temperature = 1, topK = 0, topP = 1, minP = 0 } = options;
  if (!(typeof temperature === 'number' && temperature >= 0 && Number.isFinite(temperature))) {
    throw new InvalidArgumentError({
      argument: 'temperature',
      value: temperature,
      message: 'must be a finite number >= 0 (0 is greedy).',
    });
  }
  if (!(Number.isInteger(topK) && topK >= 0)) {
    throw new InvalidArgumentError({
      argument: 'topK',
      value: topK,
      message: 'must be an integer >= 0 (0 is off).',
    });
  }
  if (!(typeof topP === 'number' && topP > 0 && topP <= 1)) {
    throw new InvalidArgumentError({
      argument: 'topP',
      value: topP,
      message: 'must be a number in (0, 1] (1 is off).',
    });
  }
  if (!(typeof minP === 'number' && minP >= 0 && minP <= 1)) {
    throw new InvalidArgumentError({
      argument: 'minP',
      value: minP,
      message: 'must be a number in [0, 1] (0 is off).',
    });
  }
  return { temperature, topK, topP, minP };
}

/** One drawn token and the probability the sampler drew it with (after every transform). */
export interface SampledToken {
  token: number;
  probability: number;
}

/**
 * Samples tokens from a distribution over the vocabulary. The buffers are allocated once per generation
 * and reused, and truncation never sorts the vocabulary: top-k finds its threshold by selection and
 * top-p by a selection on probability mass, both in expected linear time, so a flat distribution with a
 * nucleus of thousands of tokens costs what a peaked one does.
 */
export interface TokenSampler {
  /**
   * Draws a token. `logProbs` are normalized log-probabilities (−∞ for impossible tokens),
   * `probabilities` their exponentials, `argmax` the most likely token.
   */
  sample(
    logProbs: Float64Array,
    probabilities: Float64Array,
    argmax: number,
    sampling: ResolvedSampling,
    random: UniformRandom,
  ): SampledToken;
  /** The distribution `sample` draws from, as token id → probability (for tests and inspection). */
  distribution(
    logProbs: Float64Array,
    probabilities: Float64Array,
    argmax: number,
    sampling: ResolvedSampling,
  ): Map<number, number>;
}

export function createTokenSampler(vocabularySize: number): TokenSampler {
  const scaled = new Float64Array(vocabularySize);
  const scratch = new Float64Array(vocabularySize);
  const ids = new Int32Array(vocabularySize);
  // The candidate set: every token with a positive weight when `explicit` is false, else ids[0..count).
  let weights: Float64Array = scaled;
  let explicit = false;
  let count = 0;
  let mass = 0;

  /** Copies the candidates' weights into scratch; returns how many. */
  const gatherWeights = (): number => {
    let size = 0;
    if (explicit) {
      for (let index = 0; index < count; index++) scratch[size++] = weights[ids[index]!]!;
    } else {
      for (let token = 0; token < vocabularySize; token++)
        if (weights[token]! > 0) scratch[size++] = weights[token]!;
    }
    return size;
  };

  /**
   * Keeps the candidates above `threshold`, then those equal to it in id order while `wanted(kept)`
   * says more are needed, so ties at the boundary are broken the same way a sort by (weight, id) would.
   */
  const keepAbove = (threshold: number, wanted: (equalKept: number) => boolean): void => {
    let kept = 0;
    if (explicit) {
      const candidates = ids.slice(0, count).sort();
      for (const token of candidates) if (weights[token]! > threshold) ids[kept++] = token;
      let equal = 0;
      for (const token of candidates) {
        if (weights[token] === threshold && wanted(equal)) {
          ids[kept++] = token;
          equal++;
        }
      }
    } else {
      for (let token = 0; token < vocabularySize; token++)
        if (weights[token]! > threshold) ids[kept++] = token;
      let equal = 0;
      for (let token = 0; token < vocabularySize; token++) {
        if (weights[token] === threshold && weights[token]! > 0 && wanted(equal)) {
          ids[kept++] = token;
          equal++;
        }
      }
    }
    count = kept;
    explicit = true;
  };

  const narrow = (
    logProbs: Float64Array,
    probabilities: Float64Array,
    argmax: number,
    sampling: ResolvedSampling,
  ): void => {
    const { temperature, topK, topP, minP } = sampling;
    if (temperature === 1) {
      weights = probabilities;
      mass = 1;
    } else {
      // Relative to the maximum, so the largest weight is exactly 1 and nothing overflows.
      const max = logProbs[argmax]!;
      const inverse = 1 / temperature;
      let sum = 0;
      for (let token = 0; token < vocabularySize; token++) {
        const value = Math.exp((logProbs[token]! - max) * inverse);
        scaled[token] = value;
        sum += value;
      }
      weights = scaled;
      mass = sum;
    }
    explicit = false;
    count = 0;

    if (topK > 0 && topK < vocabularySize) {
      const size = gatherWeights();
      if (topK < size) {
        const threshold = kthLargest(scratch, size, topK);
        let above = 0;
        for (let index = 0; index < size; index++) if (scratch[index]! > threshold) above++;
        keepAbove(threshold, (equalKept) => above + equalKept < topK);
        mass = sumOf(weights, ids, count);
      }
    }

    if (topP < 1) {
      const target = topP * mass;
      const size = gatherWeights();
      const { threshold, above } = nucleusThreshold(scratch, size, target);
      keepAbove(threshold, (equalKept) => above + equalKept * threshold < target);
      mass = sumOf(weights, ids, count);
    }

    if (minP > 0) {
      const threshold = minP * weights[argmax]!;
      if (explicit) {
        let kept = 0;
        for (let index = 0; index < count; index++) {
          const token = ids[index]!;
          if (weights[token]! >= threshold) ids[kept++] = token;
        }
        count = kept;
      } else {
        count = 0;
        for (let token = 0; token < vocabularySize; token++) {
          if (weights[token]! >= threshold && weights[token]! > 0) ids[count++] = token;
        }
        explicit = true;
      }
      mass = sumOf(weights, ids, count);
    }
  };

  return {
    sample(logProbs, probabilities, argmax, sampling, random) {
      if (sampling.temperature === 0) return { token: argmax, probability: 1 };
      narrow(logProbs, probabilities, argmax, sampling);
      const target = random() * mass;
      let accumulated = 0;
      let last = argmax;
      if (explicit) {
        for (let index = 0; index < count; index++) {
          const token = ids[index]!;
          const weight = weights[token]!;
          if (weight <= 0) continue;
          accumulated += weight;
          last = token;
          if (accumulated > target) return { token, probability: weight / mass };
        }
      } else {
        for (let token = 0; token < vocabularySize; token++) {
          const weight = weights[token]!;
          if (weight <= 0) continue;
          accumulated += weight;
          last = token;
          if (accumulated > target) return { token, probability: weight / mass };
        }
      }
      // Only reached when rounding left the running sum a hair below the target.
      return { token: last, probability: weights[last]! / mass };
    },
    distribution(logProbs, probabilities, argmax, sampling) {
      const result = new Map<number, number>();
      if (sampling.temperature === 0) {
        result.set(argmax, 1);
        return result;
      }
      narrow(logProbs, probabilities, argmax, sampling);
      if (explicit) {
        for (let index = 0; index < count; index++) {
          const token = ids[index]!;
          if (weights[token]! > 0) result.set(token, weights[token]! / mass);
        }
      } else {
        for (let token = 0; token < vocabularySize; token++) {
          if (weights[token]! > 0) result.set(token, weights[token]! / mass);
        }
      }
      return result;
    },
  };
}

/**
 * The weight at which the nucleus ends: the smallest set of heaviest values whose sum reaches `target`
 * ends with a value equal to `threshold`, and the values above it sum to `above`. A quickselect on
 * mass instead of rank: partition around a pivot, go into the heavy side when it alone reaches the
 * target, else bank it and go into the light side. Expected linear time; reorders values[0..size).
 */
export function nucleusThreshold(
  values: Float64Array,
  size: number,
  target: number,
): { threshold: number; above: number } {
  let left = 0;
  let right = size - 1;
  let above = 0;
  while (left <= right) {
    const pivot = medianOfThree(values[left]!, values[(left + right) >>> 1]!, values[right]!);
    // Three-way partition, heaviest first: [left, lt) > pivot, [lt, gt] = pivot, (gt, right] < pivot.
    let lt = left;
    let gt = right;
    let index = left;
    let heavier = 0;
    while (index <= gt) {
      const value = values[index]!;
      if (value > pivot) {
        values[index] = values[lt]!;
        values[lt++] = value;
        heavier += value;
        index++;
      } else if (value < pivot) {
        values[index] = values[gt]!;
        values[gt--] = value;
      } else index++;
    }
    if (above + heavier >= target) {
      right = lt - 1;
    } else if (above + heavier + (gt - lt + 1) * pivot >= target) {
      return { threshold: pivot, above: above + heavier };
    } else {
      above += heavier + (gt - lt + 1) * pivot;
      left = gt + 1;
    }
  }
  // Rounding kept even the whole set a hair below the target: keep everything.
  return { threshold: 0, above };
}

function medianOfThree(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

function sumOf(weights: Float64Array, ids: Int32Array, count: number): number {
  let sum = 0;
  for (let index = 0; index < count; index++) sum += weights[ids[index]!]!;
  return sum;
}

/**
 * The k-th largest of values[0..size) (1-based k), by Floyd–Rivest selection in expected linear time;
 * reorders values[0..size).
 */
export function kthLargest(values: Float64Array, size: number, k: number): number {
  const target = k - 1;
  select(values, target, 0, size - 1);
  return values[target]!;
}

/**
 * Floyd–Rivest selection in descending order: afterwards values[k] is the value that would be at index k
 * if values[left..right] were sorted from largest to smallest. After Vladimir Agafonkin's `quickselect`.
 */
function select(values: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Recurse on a sample to find a pivot close to the k-th value.
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      select(values, k, newLeft, newRight);
    }
    const pivot = values[k]!;
    let i = left;
    let j = right;
    swap(values, left, k);
    if (values[right]! < pivot) swap(values, left, right);
    while (i < j) {
      swap(values, i, j);
      i++;
      j--;
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
    }
    if (values[left] === pivot) swap(values, left, j);
    else {
      j++;
      swap(values, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(values: Float64Array, a: number, b: number): void {
  const value = values[a]!;
  values[a] = values[b]!;
  values[b] = value;
}
