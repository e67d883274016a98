import { InvalidArgumentError } from '@tonekit/core';
import type { BleuSmoothMethod } from './bleu-options.js';

/** BLEU and its parts, as sacreBLEU's `BLEUScore` holds them. */
export interface BleuValues {
  /** 0–100, not rounded (sacreBLEU rounds only when formatting). */
  score: number;
  /** Clipped n-gram matches per order (with add-k smoothing: plus k from order 2, as sacreBLEU reports). */
  counts: number[];
  /** Hypothesis n-grams per order (with add-k smoothing: plus k from order 2). */
  totals: number[];
  /** Modified n-gram precisions per order, 0–100 (smoothed where the method says so). */
  precisions: number[];
  /** Brevity penalty exp(1 − r/c) when c < r, else 1; 0 when the hypothesis side is empty. */
  bp: number;
  /** Hypothesis tokens (c). */
  sysLen: number;
  /** Closest-reference tokens (r). */
  refLen: number;
}

export interface ComputeBleuOptions {
  maxNgramOrder: number;
  smoothMethod: BleuSmoothMethod;
  /** For floor and add-k; null or undefined for the method's default (0.1 and 1). */
  smoothValue?: number | null;
  effectiveOrder: boolean;
}

// sacreBLEU's my_log: log(0) floored to a large negative number instead of -Infinity.
const logOfZero = -9999999999;

/**
 * BLEU from summed sufficient statistics `[sysLen, refLen, correct_1…N, total_1…N]`: sacreBLEU's
 * `BLEU.compute_bleu`, step for step and in the same floating-point order, so scores agree to the
 * last bit wherever the platform's `exp`/`log` do (differences are below 1e-12 on a 0–100 scale).
 */
export function computeBleu(sums: ArrayLike<number>, options: ComputeBleuOptions): BleuValues {
  const { maxNgramOrder, smoothMethod, effectiveOrder } = options;
  if (sums.length !== 2 + 2 * maxNgramOrder) {
    throw new InvalidArgumentError({
      argument: 'sums',
      value: sums.length,
      message: `expected ${2 + 2 * maxNgramOrder} statistics for maxNgramOrder ${maxNgramOrder}, got ${sums.length}.`,
    });
  }
  const smoothValue =
    options.smoothValue ?? (smoothMethod === 'floor' ? 0.1 : smoothMethod === 'add-k' ? 1 : 0);
  const sysLen = sums[0]!;
  const refLen = sums[1]!;
  const correct: number[] = [];
  const total: number[] = [];
  for (let n = 0; n < maxNgramOrder; n++) {
    correct.push(sums[2 + n]!);
    total.push(sums[2 + maxNgramOrder + n]!);
  }

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;

  const precisions: number[] = new Array<number>(maxNgramOrder).fill(0);
  // No match at any order: 0 without smoothing (sacreBLEU #141), counts and totals left as they are.
  if (!correct.some((value) => value !== 0)) {
    return { score: 0.0, counts: correct, totals: total, precisions, bp, sysLen, refLen };
  }

  let smoothMteval = 1.0;
  let effectiveOrderUsed = maxNgramOrder;
  for (let n = 1; n <= maxNgramOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      correct[n - 1]! += smoothValue;
      total[n - 1]! += smoothValue;
    }
    if (total[n - 1] === 0) break;
    // Effective order counts orders with hypothesis n-grams, matched or not (sacreBLEU's reading).
    if (effectiveOrder) effectiveOrderUsed = n;
    if (correct[n - 1] === 0) {
      if (smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100.0 / (smoothMteval * total[n - 1]!);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100.0 * smoothValue) / total[n - 1]!;
      }
    } else {
      precisions[n - 1] = (100.0 * correct[n - 1]!) / total[n - 1]!;
    }
  }

  let logSum = 0;
  for (let n = 0; n < effectiveOrderUsed; n++) {
    const precision = precisions[n]!;
    logSum += precision === 0 ? logOfZero : Math.log(precision);
  }
  const score = bp * Math.exp(logSum / effectiveOrderUsed);
  return { score, counts: correct, totals: total, precisions, bp, sysLen, refLen };
}
