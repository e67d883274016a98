export { type AnswerMtBenchOptions, answerMtBench } from './answer-mt-bench.js';
export {
  createFileJudgmentCache,
  type FileJudgmentCache,
  type FileJudgmentCacheOptions,
} from './create-file-judgment-cache.js';
export { createMemoryJudgmentCache, type MemoryJudgmentCache } from './create-memory-judgment-cache.js';
export {
  type JudgeMtBenchOptions,
  type JudgeMtBenchResult,
  judgeMtBench,
  MT_BENCH_REFERENCE_CATEGORIES,
  type MtBenchJudgment,
} from './judge-mt-bench.js';
export type { CachedJudgment, JudgmentCache } from './judgment-cache.js';
export { loadMtBenchAnswers } from './load-mt-bench-answers.js';
export { loadMtBenchJudgePrompts } from './load-mt-bench-judge-prompts.js';
export { loadMtBenchQuestions } from './load-mt-bench-questions.js';
export type {
  AnswerCompletedEvent,
  AnswerRetryEvent,
  JudgingDoneEvent,
  JudgingStartedEvent,
  JudgmentCompletedEvent,
  JudgmentRetryEvent,
  MtBenchAnswerEvent,
  MtBenchJudgeEvent,
} from './mt-bench-events.js';
export {
  MT_BENCH_JUDGE_PROMPT_NAMES,
  MT_BENCH_JUDGE_PROMPTS,
  type MtBenchJudgePrompt,
  type MtBenchJudgePromptSet,
} from './mt-bench-judge-prompts.js';
export type { MtBenchAnswer, MtBenchCategory, MtBenchQuestion } from './mt-bench-question.js';
export { MT_BENCH_DEFAULT_TEMPERATURE, MT_BENCH_TEMPERATURES } from './mt-bench-temperatures.js';
export { parseJudgeRating } from './parse-judge-rating.js';
export type { LoadMtBenchOptions } from './read-jsonl-source.js';
export {
  type MtBenchGroupSummary,
  type MtBenchScoredTurn,
  type MtBenchSummary,
  summarizeMtBench,
} from './summarize-mt-bench.js';
