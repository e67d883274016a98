// FastChat's `one_score_pattern` and `one_score_pattern_backup` (fastchat/llm_judge/common.py). Python's
// `\d` also matches non-ASCII digits, which `ast.literal_eval` then rejects with an exception; matching
// ASCII digits only turns that crash into a parse failure.
const ratingPattern = /\[\[(\d+\.?\d*)\]\]/;
const ratingPatternBackup = /\[(\d+\.?\d*)\]/;

/**
 * The score in a judge's answer, as FastChat's `run_judge_single` reads it: the first `[[n]]`
 * (n an integer or decimal such as `7` or `8.5`), else the first `[n]`, else -1 for a parse failure.
 * No range check: FastChat keeps whatever number the judge wrote.
 */
export function parseJudgeRating(judgment: string): number {
  const match = ratingPattern.exec(judgment) ?? ratingPatternBackup.exec(judgment);
  return match === null ? -1 : Number(match[1]);
}
