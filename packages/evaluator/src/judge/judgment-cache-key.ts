import { createHash } from 'node:crypto';
import type { ChatMessage } from '@tonekit/core';

/** Everything that decides a judge's answer. */
export interface JudgmentCacheKeyInput {
  /** `provider:modelId` of the judge. */
  judgeModel: string;
  messages: readonly ChatMessage[];
  temperature: number;
  maxTokens: number;
}

/**
 * The content address of one judgment: SHA-256 (hex) of a canonical JSON of the judge model, the exact
 * messages and the generation settings. Anything that could change the answer changes the key; the
 * question id does not enter it, so the same prompt is judged once even under another id.
 */
export function judgmentCacheKey({
  judgeModel,
  messages,
  temperature,
  maxTokens,
}: JudgmentCacheKeyInput): string {
  const canonical = JSON.stringify([
    'tonekit-judgment-v1',
    judgeModel,
    temperature,
    maxTokens,
    messages.map(({ role, content }) => [role, content]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
