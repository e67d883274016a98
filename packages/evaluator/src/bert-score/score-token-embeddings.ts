import { InvalidArgumentError, type TokenEmbedding } from '@tonekit/core';
import type { BertScoreValues } from './bert-score-baseline.js';

/**
 * BERTScore of one candidate against one reference from their token embeddings, as bert_score's
 * `greedy_cos_idf` computes it with idf off:
 *
 * - sim(i, j) is the cosine of candidate token i and reference token j, special tokens included;
 * - precision = mean over the candidate's non-special tokens of max_j sim(i, j); recall = mean over the
 *   reference's non-special tokens of max_i sim(i, j) (special tokens weigh 0 but are still matched
 *   against, exactly as bert_score zeroes only their idf weight);
 * - F1 = 2PR / (P + R), 0 when P + R = 0;
 * - when either side has no non-special token (an empty text), all three are 0, as bert_score sets them.
 *
 * Arithmetic is float64 on the float32 vectors; bert_score works in float32, so results agree with it to
 * float32 rounding (a few 1e-8 on the golden fixture).
 */
export function scoreTokenEmbeddings(candidate: TokenEmbedding, reference: TokenEmbedding): BertScoreValues {
  const dimensions = dimensionsOf(candidate, 'candidate');
  const referenceDimensions = dimensionsOf(reference, 'reference');
  if (candidate.tokenIds.length > 0 && reference.tokenIds.length > 0 && referenceDimensions !== dimensions) {
    throw new InvalidArgumentError({
      argument: 'reference.vectors',
      value: reference.vectors.length,
      message: `the candidate's vectors have ${dimensions} dimensions, the reference's ${referenceDimensions}.`,
    });
  }
  const candidateTokens = candidate.tokenIds.length;
  const referenceTokens = reference.tokenIds.length;
  const candidateWeighted = countWeighted(candidate.special);
  const referenceWeighted = countWeighted(reference.special);
  if (candidateWeighted === 0 || referenceWeighted === 0) return { precision: 0, recall: 0, f1: 0 };

  const candidateScale = inverseNorms(candidate.vectors, candidateTokens, dimensions);
  const referenceScale = inverseNorms(reference.vectors, referenceTokens, dimensions);
  const bestForCandidate = new Float64Array(candidateTokens).fill(Number.NEGATIVE_INFINITY);
  const bestForReference = new Float64Array(referenceTokens).fill(Number.NEGATIVE_INFINITY);
  const a = candidate.vectors;
  const b = reference.vectors;
  for (let i = 0; i < candidateTokens; i++) {
    const rowA = i * dimensions;
    for (let j = 0; j < referenceTokens; j++) {
      const rowB = j * dimensions;
      let dot = 0;
      for (let k = 0; k < dimensions; k++) dot += a[rowA + k]! * b[rowB + k]!;
      const similarity = dot * candidateScale[i]! * referenceScale[j]!;
      if (similarity > bestForCandidate[i]!) bestForCandidate[i] = similarity;
      if (similarity > bestForReference[j]!) bestForReference[j] = similarity;
    }
  }
  const precision = weightedMean(bestForCandidate, candidate.special, candidateWeighted);
  const recall = weightedMean(bestForReference, reference.special, referenceWeighted);
  const sum = precision + recall;
  return { precision, recall, f1: sum === 0 ? 0 : (2 * precision * recall) / sum };
}

function dimensionsOf(embedding: TokenEmbedding, argument: string): number {
  const tokens = embedding.tokenIds.length;
  if (embedding.special.length !== tokens) {
    throw new InvalidArgumentError({
      argument: `${argument}.special`,
      value: embedding.special.length,
      message: `expected one flag per token (${tokens}), got ${embedding.special.length}.`,
    });
  }
  const dimensions = tokens === 0 ? 0 : embedding.vectors.length / tokens;
  if (!Number.isInteger(dimensions)) {
    throw new InvalidArgumentError({
      argument: `${argument}.vectors`,
      value: embedding.vectors.length,
      message: `${embedding.vectors.length} values do not split into ${tokens} token vectors.`,
    });
  }
  return dimensions;
}

function countWeighted(special: boolean[]): number {
  let count = 0;
  for (const flag of special) if (!flag) count++;
  return count;
}

// A zero vector (never produced by a LayerNorm output) gets scale 0, so its cosines are 0 rather than
// the NaN that bert_score's plain division would spread through the whole score.
function inverseNorms(vectors: Float32Array, tokens: number, dimensions: number): Float64Array {
  const scales = new Float64Array(tokens);
  for (let token = 0; token < tokens; token++) {
    let squares = 0;
    for (let k = token * dimensions; k < (token + 1) * dimensions; k++) squares += vectors[k]! * vectors[k]!;
    scales[token] = squares === 0 ? 0 : 1 / Math.sqrt(squares);
  }
  return scales;
}

function weightedMean(best: Float64Array, special: boolean[], weighted: number): number {
  let sum = 0;
  for (let token = 0; token < best.length; token++) if (!special[token]) sum += best[token]!;
  return sum / weighted;
}
