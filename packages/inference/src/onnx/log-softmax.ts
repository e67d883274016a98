/**
 * `x − log Σ exp(x)` in float64 (max-shifted, so large logits do not overflow), returned as float32: the
 * log-probabilities a LogitSource reports. Exact for every entry, however unlikely; no floor needed.
 */
export function logSoftmax(logits: ArrayLike<number>): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index++) max = Math.max(max, logits[index] ?? 0);
  let sum = 0;
  for (let index = 0; index < logits.length; index++) sum += Math.exp((logits[index] ?? 0) - max);
  const logSumExp = max + Math.log(sum);
  const result = new Float32Array(logits.length);
  for (let index = 0; index < logits.length; index++) result[index] = (logits[index] ?? 0) - logSumExp;
  return result;
}
