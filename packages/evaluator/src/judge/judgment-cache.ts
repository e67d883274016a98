import type { TokenUsage } from '@tonekit/core';

/** A judge's answer as stored: the text, not the score, so a change of parser needs no new calls. */
export interface CachedJudgment {
  /** The judge's full answer. */
  text: string;
  /** `provider:modelId` of the judge. */
  judgeModel: string;
  /** What the call cost when it was made (a cache hit costs nothing). */
  usage?: TokenUsage;
  /** ISO 8601 time of the call. */
  createdAt: string;
  /** For people reading the cache file; not part of the key. */
  questionId?: number;
  turn?: number;
  promptName?: string;
}

/**
 * Where judgments are kept between runs, addressed by `judgmentCacheKey` (judge model, messages and
 * generation settings), so an unchanged judgment is never paid for twice and a run that stopped part way
 * resumes where it was. `createFileJudgmentCache` persists to JSON Lines; `createMemoryJudgmentCache`
 * lives as long as the process.
 */
export interface JudgmentCache {
  get(key: string): Promise<CachedJudgment | undefined>;
  set(key: string, judgment: CachedJudgment): Promise<void>;
}
