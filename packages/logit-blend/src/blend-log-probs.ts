import { InvalidArgumentError, TonekitError } from '@tonekit/core';

/**
 * How the weighted sum of log-probabilities is scaled before it becomes a distribution:
 *
 * - `sum` (default): x = Σ wᵢ·xᵢ / Σ wᵢ, the issue's formula: a weighted geometric mean of the models'
 *   distributions, unchanged when every weight is multiplied by the same positive factor ((2, 2) ≡
 *   (1, 1)). With negative weights it stays an affine combination whose coefficients sum to 1
 *   (extrapolation, such as (1.5, −0.5)). Σ wᵢ must be positive: a sum of 0 or below has no meaning as
 *   an average, so such weights are rejected with a message pointing to `none`.
 * - `abs-sum`: x = Σ wᵢ·xᵢ / Σ |wᵢ|: defined for any weights that are not all 0, and never sharper than
 *   the sharpest model (no coefficient magnitude above 1), at the price of a softer contrast.
 * - `none`: x = Σ wᵢ·xᵢ as is: the formulas of contrastive decoding, DExperts and proxy-tuning, whose
 *   weights are chosen for that scale (expert − amateur has Σ wᵢ = 0).
 *
 * The divisor acts like a temperature on the blend, so it matters: it is not a detail of the
 * implementation.
 */
export type BlendNormalization = 'sum' | 'abs-sum' | 'none';

/**
 * Keeps only the tokens the `source` model finds plausible, `p(token) ≥ beta · max p`, i.e.
 * `log p(token) ≥ log(beta) + max log p`, before anything else is decided. It guards negative weights:
 * subtracting a model's log-probabilities rewards tokens that model finds unlikely, which includes
 * tokens every model finds absurd; the mask removes those (Li et al., 2023, call `beta` α).
 */
export interface PlausibilityMask {
  /** Index in `sources` of the model that judges plausibility (the base or expert). Default 0. */
  source?: number;
  /** In (0, 1]: 0.1 keeps tokens at least a tenth as likely as that model's favourite. */
  beta: number;
}

/** Checks a plausibility mask against the number of sources; returns it with `source` resolved. */
export function checkPlausibilityMask(
  mask: PlausibilityMask | undefined,
  sourceCount: number,
): Required<PlausibilityMask> | undefined {
  if (mask === undefined) return undefined;
  const source = mask.source ?? 0;
  if (!Number.isInteger(source) || source < 0 || source >= sourceCount) {
    throw new InvalidArgumentError({
      argument: 'plausibility.source',
      value: mask.source,
      message: `must be the index of one of the ${sourceCount} sources.`,
    });
  }
  if (!(typeof mask.beta === 'number' && mask.beta > 0 && mask.beta <= 1)) {
    throw new InvalidArgumentError({
      argument: 'plausibility.beta',
      value: mask.beta,
      message: 'must be a number in (0, 1].',
    });
  }
  return { source, beta: mask.beta };
}

export function checkNormalization(normalization: unknown): BlendNormalization {
  if (normalization === 'sum' || normalization === 'abs-sum' || normalization === 'none')
    return normalization;
  throw new InvalidArgumentError({
    argument: 'normalization',
    value: normalization,
    message: 'must be "sum", "abs-sum" or "none".',
  });
}

/** The number the weighted sum is divided by, or an error naming the step when there is none. */
export function normalizationDivisor(
  weights: readonly number[],
  normalization: BlendNormalization,
  step: number,
): number {
  if (normalization === 'none') return 1;
  let divisor = 0;
  for (const weight of weights) divisor += normalization === 'sum' ? weight : Math.abs(weight);
  if (!(divisor > 0)) {
    throw new InvalidArgumentError({
      argument: 'weights',
      value: [...weights],
      message: `the weights sum to ${divisor} at step ${step}, and normalization "sum" divides by that sum, which must be positive. Use normalization "none" to blend Σ wᵢ·log pᵢ unscaled (the contrastive-decoding form) or "abs-sum" to divide by Σ |wᵢ|.`,
    });
  }
  return divisor;
}

/**
 * The blending pass over reused buffers: one generation allocates these once, and each step writes
 * them in place (vocabulary-sized arrays per token would dominate the garbage collector).
 */
export interface LogProbBlender {
  /** Blended log-probabilities of the last step, normalized; −∞ for tokens ruled out. */
  readonly logProbs: Float64Array;
  /** exp of `logProbs`, summing to 1. */
  readonly probabilities: Float64Array;
  /** Each source's most likely token at the last step (lowest id among ties). */
  readonly sourceArgmax: Int32Array;
  /** The blend's most likely token at the last step (lowest id among ties). */
  argmax: number;
  /**
   * Blends the sources' log-probabilities. Returns the blend's argmax. `weights` must already be
   * checked (finite, one per source, not all 0).
   */
  blend(
    sourceLogProbs: readonly Float32Array[],
    weights: readonly number[],
    normalization: BlendNormalization,
    plausibility: Required<PlausibilityMask> | undefined,
    step: number,
  ): number;
}

/**
 * Creates the blending pass. Accumulation is in float64: inputs are float32, but summing them in
 * float32 would cost the blend about 1e-6 of absolute precision, which is the tolerance users compare
 * with; V8 computes in doubles anyway, so it costs no speed, only 8 bytes instead of 4 per entry.
 */
export function createLogProbBlender(vocabularySize: number, sourceCount: number): LogProbBlender {
  const logProbs = new Float64Array(vocabularySize);
  const probabilities = new Float64Array(vocabularySize);
  const sourceArgmax = new Int32Array(sourceCount);
  const activeInputs: Float32Array[] = [];
  const activeCoefficients: number[] = [];

  const blender: LogProbBlender = {
    logProbs,
    probabilities,
    sourceArgmax,
    argmax: 0,
    blend(sourceLogProbs, weights, normalization, plausibility, step) {
      const divisor = normalizationDivisor(weights, normalization, step);
      activeInputs.length = 0;
      activeCoefficients.length = 0;
      for (let source = 0; source < sourceCount; source++) {
        sourceArgmax[source] = argmaxOf(sourceLogProbs[source]!);
        // A weight of exactly 0 takes no part: 0·(−∞) would be NaN for a token that model rules out.
        if (weights[source] === 0) continue;
        activeInputs.push(sourceLogProbs[source]!);
        activeCoefficients.push(weights[source]! / divisor);
      }
      weightedSum(logProbs, activeInputs, activeCoefficients);

      // Non-finite sums become −∞: a token some weighted model rules out (log p = −∞) stays ruled out
      // even under a negative weight, which would otherwise make it +∞ and win every step.
      let max = Number.NEGATIVE_INFINITY;
      let argmax = -1;
      if (plausibility === undefined) {
        for (let token = 0; token < vocabularySize; token++) {
          let value = logProbs[token]!;
          if (!(value < Number.POSITIVE_INFINITY)) value = logProbs[token] = Number.NEGATIVE_INFINITY;
          if (value > max) {
            max = value;
            argmax = token;
          }
        }
      } else {
        const reference = sourceLogProbs[plausibility.source]!;
        const cutoff = Math.log(plausibility.beta) + reference[sourceArgmax[plausibility.source]!]!;
        for (let token = 0; token < vocabularySize; token++) {
          let value = logProbs[token]!;
          if (!(value < Number.POSITIVE_INFINITY) || !(reference[token]! >= cutoff)) {
            value = logProbs[token] = Number.NEGATIVE_INFINITY;
          }
          if (value > max) {
            max = value;
            argmax = token;
          }
        }
      }
      if (argmax < 0) {
        throw new TonekitError({
          message: `The blended distribution is empty at step ${step}: every token is ruled out (log-probability −∞ or NaN in a weighted source${plausibility === undefined ? '' : ', or masked by the plausibility mask'}).`,
        });
      }

      let sum = 0;
      for (let token = 0; token < vocabularySize; token++) {
        const value = Math.exp(logProbs[token]! - max);
        probabilities[token] = value;
        sum += value;
      }
      const logSum = max + Math.log(sum);
      const inverseSum = 1 / sum;
      for (let token = 0; token < vocabularySize; token++) {
        logProbs[token] = logProbs[token]! - logSum;
        probabilities[token] = probabilities[token]! * inverseSum;
      }
      blender.argmax = argmax;
      return argmax;
    },
  };
  return blender;
}

/** Index of the largest value, lowest index among ties; NaN never wins. */
export function argmaxOf(values: Float32Array | Float64Array): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) {
    if (values[index]! > bestValue) {
      bestValue = values[index]!;
      best = index;
    }
  }
  return best;
}

/**
 * out = Σ cᵢ·inputᵢ in one pass, with unrolled loops for the usual one to three sources so that each
 * output entry is written once and the inputs are streamed side by side.
 */
function weightedSum(
  out: Float64Array,
  inputs: readonly Float32Array[],
  coefficients: readonly number[],
): void {
  const length = out.length;
  if (inputs.length === 1) {
    const a = inputs[0]!;
    const ca = coefficients[0]!;
    for (let index = 0; index < length; index++) out[index] = ca * a[index]!;
  } else if (inputs.length === 2) {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const ca = coefficients[0]!;
    const cb = coefficients[1]!;
    for (let index = 0; index < length; index++) out[index] = ca * a[index]! + cb * b[index]!;
  } else if (inputs.length === 3) {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const c = inputs[2]!;
    const ca = coefficients[0]!;
    const cb = coefficients[1]!;
    const cc = coefficients[2]!;
    for (let index = 0; index < length; index++)
      out[index] = ca * a[index]! + cb * b[index]! + cc * c[index]!;
  } else {
    for (let index = 0; index < length; index++) {
      let sum = 0;
      for (let source = 0; source < inputs.length; source++)
        sum += coefficients[source]! * inputs[source]![index]!;
      out[index] = sum;
    }
  }
}
