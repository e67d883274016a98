import {
  CancelledError,
  type ChatMessage,
  type ChatModel,
  InvalidArgumentError,
  type OnEvent,
  type RetryWithBackoffOptions,
  retryWithBackoff,
  type TokenUsage,
} from '@tonekit/core';
import { addTokenUsage } from './add-token-usage.js';
import { formatPromptTemplate } from './format-prompt-template.js';
import type { CachedJudgment, JudgmentCache } from './judgment-cache.js';
import { judgmentCacheKey } from './judgment-cache-key.js';
import type { MtBenchJudgeEvent } from './mt-bench-events.js';
import {
  MT_BENCH_JUDGE_PROMPTS,
  type MtBenchJudgePrompt,
  type MtBenchJudgePromptSet,
} from './mt-bench-judge-prompts.js';
import type { MtBenchAnswer, MtBenchQuestion } from './mt-bench-question.js';
import { parseJudgeRating } from './parse-judge-rating.js';
import { runAllOrStop } from './run-all-or-stop.js';
import { type MtBenchSummary, summarizeMtBench } from './summarize-mt-bench.js';

/** FastChat's `NEED_REF_CATS`: categories graded against a reference answer. */
export const MT_BENCH_REFERENCE_CATEGORIES: readonly string[] = Object.freeze([
  'math',
  'reasoning',
  'coding',
]);

export interface JudgeMtBenchOptions {
  /** The judge, called at temperature 0 (MT-Bench used gpt-4). Any ChatModel, a local blend included. */
  judge: ChatModel;
  questions: readonly MtBenchQuestion[];
  /** The answers to grade, one per question (both turns); extra answers are ignored. */
  answers: readonly MtBenchAnswer[];
  /**
   * Reference answers for the categories in `referenceCategories` (FastChat's
   * `reference_answer/gpt-4.jsonl`, read with `loadMtBenchAnswers`). Required when such questions are graded.
   */
  referenceAnswers?: readonly MtBenchAnswer[];
  /** Defaults to FastChat's prompts, `MT_BENCH_JUDGE_PROMPTS`. */
  prompts?: MtBenchJudgePromptSet;
  /** Defaults to `MT_BENCH_REFERENCE_CATEGORIES` (math, reasoning, coding). */
  referenceCategories?: readonly string[];
  /** Which turns to grade. Defaults to both; turn 2 only for questions of exactly two turns, as FastChat. */
  turns?: ReadonlyArray<1 | 2>;
  /** Longest judge answer. Defaults to 2048, what FastChat asks of gpt-4. */
  maxTokens?: number;
  /** Judgments seen before are taken from here, new ones stored. Without it every run calls the judge. */
  cache?: JudgmentCache;
  /** Judge calls in flight at once. Defaults to 4. */
  concurrency?: number;
  /** Retry policy of each judge call (core's `retryWithBackoff`; default 2 retries from 1 s). */
  retry?: Omit<RetryWithBackoffOptions, 'abortSignal'>;
  onEvent?: OnEvent<MtBenchJudgeEvent>;
  abortSignal?: AbortSignal;
}

/** One graded turn, with what FastChat records in `model_judgment/*_single.jsonl`. */
export interface MtBenchJudgment {
  questionId: number;
  category: string;
  turn: 1 | 2;
  /** The answering model, from the answer's `modelId`. */
  model: string | undefined;
  /** `modelId` of the judge. */
  judgeModel: string;
  /** FastChat's prompt name, e.g. `single-math-v1-multi-turn`. */
  promptName: string;
  /** The filled-in user message the judge saw. */
  userPrompt: string;
  /** The judge's answer. */
  judgment: string;
  /** The parsed rating, -1 when the answer had none (see `parseJudgeRating`). */
  score: number;
  /** Whether the judgment came from the cache (no call, no cost). */
  cached: boolean;
  /** The call's usage; for a cached judgment, what the original call cost. */
  usage: TokenUsage | undefined;
}

export interface JudgeMtBenchResult {
  /** In question order, turn 1 before turn 2. */
  judgments: MtBenchJudgment[];
  summary: MtBenchSummary;
  /** `modelId` of the judge, for `metrics.json` (`settings.judgeModel`). */
  judgeModel: string;
  /** Judgments taken from the cache. */
  cached: number;
  /** Usage of the calls made by this run (cache hits cost nothing). */
  usage: TokenUsage;
}

interface JudgeTask {
  question: MtBenchQuestion;
  answer: MtBenchAnswer;
  turn: 1 | 2;
  prompt: MtBenchJudgePrompt;
  userPrompt: string;
  messages: ChatMessage[];
  key: string;
}

const temperature = 0;

/**
 * MT-Bench single-answer grading (Zheng et al., 2023) as FastChat's `gen_judgment.py --mode single` does
 * it: for every question, turn 1 with `single-v1` (or `single-math-v1` plus the reference answer for
 * math, reasoning and coding), turn 2 with the multi-turn variants showing the whole conversation; the
 * judge answers at temperature 0 and the score is read from `[[n]]`, -1 when it cannot be. Judgments are
 * cached by content, so a rerun or a resumed run pays only for what is new; a failed call (after
 * retries) stops the run with its error, everything judged before it being in the cache.
 *
 * ```ts
 * const cache = await createFileJudgmentCache('runs/judgments.jsonl');
 * const { summary } = await judgeMtBench({ judge, questions, answers, referenceAnswers, cache });
 * ```
 */
export async function judgeMtBench(options: JudgeMtBenchOptions): Promise<JudgeMtBenchResult> {
  const { judge, cache, onEvent, abortSignal, retry } = options;
  const maxTokens = options.maxTokens ?? 2048;
  const concurrency = options.concurrency ?? 4;
  const tasks = planTasks(options, maxTokens);
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  const judgeModel = `${judge.provider}:${judge.modelId}`;

  const cachedEntries = await Promise.all(tasks.map((task) => cache?.get(task.key)));
  const total = tasks.length;
  const cachedCount = cachedEntries.filter((entry) => entry !== undefined).length;
  onEvent?.({ type: 'judging-started', total, cached: cachedCount, timestamp: Date.now() });

  const judgments = new Array<MtBenchJudgment>(total);
  let done = 0;
  let usage: TokenUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  const record = (index: number, entry: CachedJudgment, cached: boolean) => {
    const task = tasks[index]!;
    const score = parseJudgeRating(entry.text);
    judgments[index] = {
      questionId: task.question.questionId,
      category: task.question.category,
      turn: task.turn,
      model: task.answer.modelId,
      judgeModel: judge.modelId,
      promptName: task.prompt.name,
      userPrompt: task.userPrompt,
      judgment: entry.text,
      score,
      cached,
      usage: entry.usage,
    };
    done++;
    onEvent?.({
      type: 'judgment-completed',
      questionId: task.question.questionId,
      category: task.question.category,
      turn: task.turn,
      score,
      cached,
      done,
      total,
      timestamp: Date.now(),
    });
  };
  cachedEntries.forEach((entry, index) => {
    if (entry !== undefined) record(index, entry, true);
  });

  // The first failure cancels the calls still waiting or running; its error, not theirs, is reported.
  const uncached = tasks.flatMap((task, index) =>
    cachedEntries[index] === undefined ? [{ task, index }] : [],
  );
  await runAllOrStop(uncached, concurrency, abortSignal, async ({ task, index }, _position, signal) => {
    const result = await retryWithBackoff(
      (_attempt, attemptSignal) =>
        judge.doGenerate({
          messages: task.messages,
          temperature,
          maxTokens,
          ...(attemptSignal === undefined ? {} : { abortSignal: attemptSignal }),
        }),
      {
        ...retry,
        abortSignal: signal,
        onRetry: (info) => {
          retry?.onRetry?.(info);
          onEvent?.({
            type: 'judgment-retry',
            questionId: task.question.questionId,
            turn: task.turn,
            attempt: info.attempt,
            delayMs: info.delayMs,
            message: info.error instanceof Error ? info.error.message : String(info.error),
            timestamp: Date.now(),
          });
        },
      },
    );
    const entry: CachedJudgment = {
      text: result.text,
      judgeModel,
      usage: result.usage,
      createdAt: new Date().toISOString(),
      questionId: task.question.questionId,
      turn: task.turn,
      promptName: task.prompt.name,
    };
    // A provider-side error is not an answer worth keeping: the next run asks again.
    if (result.finishReason !== 'error') await cache?.set(task.key, entry);
    usage = addTokenUsage(usage, result.usage);
    record(index, entry, false);
  });

  const summary = summarizeMtBench(judgments);
  onEvent?.({
    type: 'judging-done',
    total,
    cached: cachedCount,
    parseFailures: summary.parseFailures,
    usage,
    timestamp: Date.now(),
  });
  return { judgments, summary, judgeModel: judge.modelId, cached: cachedCount, usage };
}

/** Builds every judge call up front, so missing answers or references fail before anything is paid for. */
function planTasks(options: JudgeMtBenchOptions, maxTokens: number): JudgeTask[] {
  const { judge, questions, answers, referenceAnswers } = options;
  const prompts = options.prompts ?? MT_BENCH_JUDGE_PROMPTS;
  const referenceCategories = new Set(options.referenceCategories ?? MT_BENCH_REFERENCE_CATEGORIES);
  const turns = options.turns ?? [1, 2];
  validateOptions(options, maxTokens);

  const answerById = new Map(answers.map((answer) => [answer.questionId, answer]));
  const referenceById = new Map((referenceAnswers ?? []).map((answer) => [answer.questionId, answer]));
  const judgeModel = `${judge.provider}:${judge.modelId}`;
  const problems: string[] = [];
  const tasks: JudgeTask[] = [];
  for (const question of questions) {
    const answer = answerById.get(question.questionId);
    if (answer === undefined) {
      problems.push(`no answer to question ${question.questionId}`);
      continue;
    }
    const needsReference = referenceCategories.has(question.category);
    const reference = needsReference ? referenceById.get(question.questionId) : undefined;
    if (needsReference && reference === undefined) {
      problems.push(`no reference answer to ${question.category} question ${question.questionId}`);
      continue;
    }
    const referenceValues: Record<string, string> = {};
    if (reference?.turns[0] !== undefined) referenceValues.ref_answer_1 = reference.turns[0];
    if (reference?.turns[1] !== undefined) referenceValues.ref_answer_2 = reference.turns[1];
    for (const turn of [...new Set(turns)].sort()) {
      // FastChat grades the second turn only of two-turn questions.
      if (turn === 2 && question.turns.length !== 2) continue;
      if (answer.turns.length < turn) {
        problems.push(`the answer to question ${question.questionId} has no turn ${turn}`);
        continue;
      }
      if (needsReference && turn === 2 && referenceValues.ref_answer_2 === undefined) {
        problems.push(`the reference answer to question ${question.questionId} has no turn 2`);
        continue;
      }
      const prompt =
        turn === 1
          ? needsReference
            ? prompts.singleMath
            : prompts.single
          : needsReference
            ? prompts.singleMathMultiTurn
            : prompts.singleMultiTurn;
      const values =
        turn === 1
          ? { question: question.turns[0]!, answer: answer.turns[0]!, ...referenceValues }
          : {
              question_1: question.turns[0]!,
              question_2: question.turns[1]!,
              answer_1: answer.turns[0]!,
              answer_2: answer.turns[1]!,
              ...referenceValues,
            };
      const userPrompt = formatPromptTemplate(prompt.promptTemplate, values);
      const messages: ChatMessage[] = [
        { role: 'system', content: prompt.systemPrompt },
        { role: 'user', content: userPrompt },
      ];
      tasks.push({
        question,
        answer,
        turn,
        prompt,
        userPrompt,
        messages,
        key: judgmentCacheKey({ judgeModel, messages, temperature, maxTokens }),
      });
    }
  }
  if (problems.length > 0) {
    throw new InvalidArgumentError({
      argument: problems.some((problem) => problem.includes('reference')) ? 'referenceAnswers' : 'answers',
      value: problems.length,
      message: `${problems.length} judgment(s) cannot be made: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}.`,
    });
  }
  return tasks;
}

function validateOptions(options: JudgeMtBenchOptions, maxTokens: number): void {
  const { judge, questions, answers, turns, concurrency } = options;
  if (typeof judge !== 'object' || judge === null || typeof judge.doGenerate !== 'function') {
    throw new InvalidArgumentError({ argument: 'judge', value: judge, message: 'expected a ChatModel.' });
  }
  if (!Array.isArray(questions)) {
    throw new InvalidArgumentError({
      argument: 'questions',
      value: questions,
      message: 'expected an array.',
    });
  }
  if (!Array.isArray(answers)) {
    throw new InvalidArgumentError({ argument: 'answers', value: answers, message: 'expected an array.' });
  }
  if (turns !== undefined && (!Array.isArray(turns) || turns.some((turn) => turn !== 1 && turn !== 2))) {
    throw new InvalidArgumentError({
      argument: 'turns',
      value: turns,
      message: 'expected an array of 1 and/or 2.',
    });
  }
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      value: maxTokens,
      message: 'expected a positive integer.',
    });
  }
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new InvalidArgumentError({
      argument: 'concurrency',
      value: concurrency,
      message: 'expected a positive integer.',
    });
  }
}
