import type { TokenUsage } from '@tonekit/core';

/** The sum of two usages; the cost stays absent unless one of them reports it. */
export function addTokenUsage(total: TokenUsage, usage: TokenUsage | undefined): TokenUsage {
  if (usage === undefined) return total;
  const sum: TokenUsage = {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    totalTokens: total.totalTokens + usage.totalTokens,
  };
  if (total.costUsd !== undefined || usage.costUsd !== undefined) {
    sum.costUsd = (total.costUsd ?? 0) + (usage.costUsd ?? 0);
  }
  return sum;
}
