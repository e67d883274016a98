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
import type { MtBenchAnswerEvent } from './mt-bench-events.js';
import type { MtBenchAnswer, MtBenchQuestion } from './mt-bench-question.js';
import { MT_BENCH_DEFAULT_TEMPERATURE, MT_BENCH_TEMPERATURES } from './mt-bench-temperatures.js';
import { runAllOrStop } from './run-all-or-stop.js';

export interface AnswerMtBenchOptions {
  /**
   * A system message before the first turn, e.g. the tone preset the model was tuned with. Defaults to
   * none: the model's chat template applies its own default, as FastChat's conversation templates do.
   */
  systemPrompt?: string;
  /**
   * Sampling temperature, or a function of the question. Defaults to FastChat's per-category values
   * (`MT_BENCH_TEMPERATURES`: 0.7 writing and roleplay, 0.1 stem and humanities, 0 for the rest).
   */
  temperature?: number | ((question: MtBenchQuestion) => number);
  /** Longest answer per turn. Defaults to 1024, FastChat's default. */
  maxTokens?: number;
  /** Passed to the model for reproducible sampling where the provider supports it. */
  seed?: number;
  /** Questions answered at once (the two turns of a question run in order). Defaults to 4. */
  concurrency?: number;
  /** Retry policy of each call (core's `retryWithBackoff`; default 2 retries from 1 s). */
  retry?: Omit<RetryWithBackoffOptions, 'abortSignal'>;
  onEvent?: OnEvent<MtBenchAnswerEvent>;
  abortSignal?: AbortSignal;
}

/**
 * Has `model` answer every turn of every question, as FastChat's answer generators do: the conversation
 * grows turn by turn, so the second question is asked after the model's own first answer. Returns one
 * `MtBenchAnswer` per question, in question order, ready for `judgeMtBench`. A call that fails after
 * retries rejects the whole run with its error.
 */
export async function answerMtBench(
  model: ChatModel,
  questions: readonly MtBenchQuestion[],
  options: AnswerMtBenchOptions = {},
): Promise<MtBenchAnswer[]> {
  const { systemPrompt, seed, retry, onEvent, abortSignal } = options;
  const maxTokens = options.maxTokens ?? 1024;
  const concurrency = options.concurrency ?? 4;
  validate(model, questions, options, maxTokens, concurrency);
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  const temperatureOf = (question: MtBenchQuestion): number =>
    typeof options.temperature === 'function'
      ? options.temperature(question)
      : (options.temperature ?? MT_BENCH_TEMPERATURES[question.category] ?? MT_BENCH_DEFAULT_TEMPERATURE);

  const answers = new Array<MtBenchAnswer>(questions.length);
  const total = questions.length;
  let done = 0;

  const answerOne = async (question: MtBenchQuestion, signal: AbortSignal): Promise<MtBenchAnswer> => {
    const messages: ChatMessage[] =
      systemPrompt === undefined ? [] : [{ role: 'system', content: systemPrompt }];
    const turns: string[] = [];
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    for (const [turnIndex, turn] of question.turns.entries()) {
      messages.push({ role: 'user', content: turn });
      const result = await retryWithBackoff(
        (_attempt, attemptSignal) =>
          model.doGenerate({
            messages: [...messages],
            temperature: temperatureOf(question),
            maxTokens,
            ...(seed === undefined ? {} : { seed }),
            ...(attemptSignal === undefined ? {} : { abortSignal: attemptSignal }),
          }),
        {
          ...retry,
          abortSignal: signal,
          onRetry: (info) => {
            retry?.onRetry?.(info);
            onEvent?.({
              type: 'answer-retry',
              questionId: question.questionId,
              turn: turnIndex + 1,
              attempt: info.attempt,
              delayMs: info.delayMs,
              message: info.error instanceof Error ? info.error.message : String(info.error),
              timestamp: Date.now(),
            });
          },
        },
      );
      messages.push({ role: 'assistant', content: result.text });
      turns.push(result.text);
      usage = addTokenUsage(usage, result.usage);
    }
    done++;
    onEvent?.({
      type: 'answer-completed',
      questionId: question.questionId,
      done,
      total,
      usage,
      timestamp: Date.now(),
    });
    return { questionId: question.questionId, modelId: model.modelId, turns };
  };

  await runAllOrStop(questions, concurrency, abortSignal, async (question, index, signal) => {
    answers[index] = await answerOne(question, signal);
  });
  return answers;
}

function validate(
  model: ChatModel,
  questions: readonly MtBenchQuestion[],
  options: AnswerMtBenchOptions,
  maxTokens: number,
  concurrency: number,
): void {
  if (typeof model !== 'object' || model === null || typeof model.doGenerate !== 'function') {
    throw new InvalidArgumentError({ argument: 'model', value: model, message: 'expected a ChatModel.' });
  }
  if (!Array.isArray(questions)) {
    throw new InvalidArgumentError({
      argument: 'questions',
      value: questions,
      message: 'expected an array.',
    });
  }
  const empty = questions.findIndex(
    (question) => !Array.isArray(question?.turns) || question.turns.length === 0,
  );
  if (empty !== -1) {
    throw new InvalidArgumentError({
      argument: `questions[${empty}].turns`,
      value: questions[empty]?.turns,
      message: 'expected at least one turn.',
    });
  }
  for (const [argument, value] of [
    ['maxTokens', maxTokens],
    ['concurrency', concurrency],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError({ argument, value, message: 'expected a positive integer.' });
    }
  }
  const { temperature } = options;
  if (typeof temperature === 'number' && !(Number.isFinite(temperature) && temperature >= 0)) {
    throw new InvalidArgumentError({
      argument: 'temperature',
      value: temperature,
      message: 'expected a non-negative number.',
    });
  }
}
