import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiCallError, CancelledError, InvalidArgumentError } from '@tonekit/core';
import { createMockChatModel } from '@tonekit/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  answerMtBench,
  judgeMtBench,
  loadMtBenchAnswers,
  loadMtBenchQuestions,
  type MtBenchAnswerEvent,
  type MtBenchQuestion,
} from '../../src/judge/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let questions: MtBenchQuestion[];

beforeAll(async () => {
  questions = await loadMtBenchQuestions(path.join(fixtures, 'mt-bench-questions.jsonl'));
});

describe('answerMtBench', () => {
  it("asks the second turn after the model's own first answer, in one growing conversation", async () => {
    // The mock answers "Mock reply to: <last user message>".
    const model = createMockChatModel({ modelId: 'tiny-tone' });
    const answers = await answerMtBench(model, questions, { systemPrompt: 'Talk like a friend.' });
    expect(answers).toEqual([
      {
        questionId: 1,
        modelId: 'tiny-tone',
        turns: [
          'Mock reply to: Write a two-line poem about {braces} and rain.',
          'Mock reply to: Now make it rhyme.',
        ],
      },
      {
        questionId: 2,
        modelId: 'tiny-tone',
        turns: ['Mock reply to: What is 12 * 12?', 'Mock reply to: And 13 * 13?'],
      },
      {
        questionId: 3,
        modelId: 'tiny-tone',
        turns: [
          'Mock reply to: If all bloops are razzies, are some razzies bloops?',
          'Mock reply to: Explain it to a child.',
        ],
      },
      {
        questionId: 4,
        modelId: 'tiny-tone',
        turns: ['Mock reply to: Name one cause of the French Revolution.'],
      },
    ]);
    expect(model.calls).toHaveLength(7);
    const secondTurn = model.calls.find(
      (call) => call.options.messages.at(-1)!.content === 'Now make it rhyme.',
    )!;
    expect(secondTurn.options.messages).toEqual([
      { role: 'system', content: 'Talk like a friend.' },
      { role: 'user', content: 'Write a two-line poem about {braces} and rain.' },
      { role: 'assistant', content: 'Mock reply to: Write a two-line poem about {braces} and rain.' },
      { role: 'user', content: 'Now make it rhyme.' },
    ]);
    expect(model.calls.every((call) => call.options.maxTokens === 1024)).toBe(true);
  });

  it("samples at FastChat's temperature per category unless told otherwise", async () => {
    const model = createMockChatModel();
    const withUnknown = [...questions, { questionId: 5, category: 'poetry', turns: ['Hi'] }];
    await answerMtBench(model, withUnknown, { concurrency: 1 });
    const firstTurnTemperatures = model.calls
      .filter((call) => call.options.messages.length === 1)
      .map((call) => call.options.temperature);
    // writing 0.7, math 0, reasoning 0, humanities 0.1, unknown 0.7.
    expect(firstTurnTemperatures).toEqual([0.7, 0, 0, 0.1, 0.7]);
    expect(model.calls[0]!.options.messages[0]!.role).toBe('user');

    const fixed = createMockChatModel();
    await answerMtBench(fixed, questions, { temperature: 0.3, maxTokens: 50, seed: 7 });
    expect(fixed.calls.every((call) => call.options.temperature === 0.3 && call.options.seed === 7)).toBe(
      true,
    );
    expect(fixed.calls.every((call) => call.options.maxTokens === 50)).toBe(true);
    const byFunction = createMockChatModel();
    await answerMtBench(byFunction, questions, { temperature: (question) => question.questionId / 10 });
    expect(new Set(byFunction.calls.map((call) => call.options.temperature))).toEqual(
      new Set([0.1, 0.2, 0.3, 0.4]),
    );
  });

  it('reports each answered question and retries retryable failures', async () => {
    const events: MtBenchAnswerEvent[] = [];
    const model = createMockChatModel({
      failures: { 0: new ApiCallError({ message: 'Overloaded', url: 'http://model', status: 503 }) },
    });
    await answerMtBench(model, questions, {
      concurrency: 1,
      retry: { initialDelayMs: 1, jitter: false },
      onEvent: (event) => events.push(event),
    });
    expect(events[0]).toMatchObject({
      type: 'answer-retry',
      questionId: 1,
      turn: 1,
      attempt: 1,
      message: 'Overloaded',
    });
    const completed = events.filter((event) => event.type === 'answer-completed');
    expect(completed.map((event) => [event.questionId, event.done, event.total])).toEqual([
      [1, 1, 4],
      [2, 2, 4],
      [3, 3, 4],
      [4, 4, 4],
    ]);
    expect(completed[0]!.usage.outputTokens).toBeGreaterThan(0);
  });

  it('stops at the first failure or cancellation, and rejects bad options', async () => {
    const broken = new ApiCallError({ message: 'Bad request', url: 'http://model', status: 400 });
    const failing = createMockChatModel({ failures: { 2: broken } });
    expect(
      await answerMtBench(failing, questions, { concurrency: 1 }).catch((caught: unknown) => caught),
    ).toBe(broken);
    expect(failing.calls).toHaveLength(3);

    const controller = new AbortController();
    controller.abort();
    const cancelled = await answerMtBench(createMockChatModel(), questions, {
      abortSignal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(cancelled)).toBe(true);

    for (const options of [{ maxTokens: 0 }, { concurrency: 1.5 }, { temperature: -1 }]) {
      const error = await answerMtBench(createMockChatModel(), questions, options).catch(
        (caught: unknown) => caught,
      );
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
  });

  it('feeds judgeMtBench directly', async () => {
    const answers = await answerMtBench(createMockChatModel({ modelId: 'tiny-tone' }), questions);
    const referenceAnswers = await loadMtBenchAnswers(
      path.join(fixtures, 'mt-bench-reference-answers.jsonl'),
    );
    const judge = createMockChatModel({ responses: ['Fine. Rating: [[6]]'] });
    const { summary, judgments } = await judgeMtBench({ judge, questions, answers, referenceAnswers });
    expect(summary).toMatchObject({ turn1: 6, turn2: 6, average: 6, judgments: 7, parseFailures: 0 });
    expect(judgments.every((judgment) => judgment.model === 'tiny-tone')).toBe(true);
  });
});
