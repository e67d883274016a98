import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiCallError, CancelledError, type ChatGenerateOptions, InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import { createMockChatModel, createScriptedChatModel } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFileJudgmentCache,
  createMemoryJudgmentCache,
  judgeMtBench,
  loadMtBenchAnswers,
  loadMtBenchQuestions,
  MT_BENCH_JUDGE_PROMPTS,
  type MtBenchAnswer,
  type MtBenchJudgeEvent,
  type MtBenchQuestion,
  summarizeMtBench,
} from '../../src/judge/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let workDir: string;
let questions: MtBenchQuestion[];
let referenceAnswers: MtBenchAnswer[];

// Answers written so that the judge mock can recognise which turn of which question it is grading.
const answers: MtBenchAnswer[] = [
  { questionId: 1, modelId: 'tiny-tone', turns: ['Rain taps {softly} on the roof.', 'Rain again, refrain.'] },
  { questionId: 2, modelId: 'tiny-tone', turns: ['It is 144.', 'It is 169.'] },
  { questionId: 3, modelId: 'tiny-tone', turns: ['Yes, some are.', 'Bloops live inside razzies.'] },
  { questionId: 4, modelId: 'tiny-tone', turns: ['Debt and bread prices.'] },
];

/** Score by (question, turn), recognised from the answer text the judge prompt contains. */
const plannedScores: Record<string, string> = {
  'Rain taps {softly} on the roof.': 'Vivid. Rating: [[8]]',
  'Rain again, refrain.': 'Rhymes. Rating: [[6.5]]',
  'It is 144.': 'Correct. Rating: [[10]]',
  'It is 169.': 'Correct. [9]',
  'Yes, some are.': 'I cannot decide.',
  'Bloops live inside razzies.': 'Rating: [[7]]',
  'Debt and bread prices.': 'Rating: [[5]]',
};

function gradeByContent(options: ChatGenerateOptions): string {
  const user = options.messages.at(-1)!.content;
  // Multi-turn prompts show both answers; the second one is the one graded.
  const matches = Object.keys(plannedScores).filter((answer) => user.includes(answer));
  const graded =
    matches.length === 1
      ? matches[0]!
      : matches.find((answer) => !/^(Rain taps|It is 144|Yes, some)/.test(answer))!;
  return plannedScores[graded]!;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-judge-'));
  questions = await loadMtBenchQuestions(path.join(fixtures, 'mt-bench-questions.jsonl'));
  referenceAnswers = await loadMtBenchAnswers(path.join(fixtures, 'mt-bench-reference-answers.jsonl'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('judgeMtBench', () => {
  it("grades every turn with FastChat's prompts at temperature 0 and reads [[n]]", async () => {
    const judge = createMockChatModel({ modelId: 'judge-1', generate: gradeByContent });
    const { judgments, judgeModel, cached, usage } = await judgeMtBench({
      judge,
      questions,
      answers,
      referenceAnswers,
    });
    expect(judgeModel).toBe('judge-1');
    expect(cached).toBe(0);
    expect(usage.totalTokens).toBeGreaterThan(0);
    // Question 4 has one turn, so FastChat grades no second turn for it.
    expect(
      judgments.map((judgment) => [judgment.questionId, judgment.turn, judgment.promptName, judgment.score]),
    ).toEqual([
      [1, 1, 'single-v1', 8],
      [1, 2, 'single-v1-multi-turn', 6.5],
      [2, 1, 'single-math-v1', 10],
      [2, 2, 'single-math-v1-multi-turn', 9],
      [3, 1, 'single-math-v1', -1],
      [3, 2, 'single-math-v1-multi-turn', 7],
      [4, 1, 'single-v1', 5],
    ]);
    expect(judge.calls).toHaveLength(7);
    for (const call of judge.calls) {
      expect(call.method).toBe('doGenerate');
      expect(call.options.temperature).toBe(0);
      expect(call.options.maxTokens).toBe(2048);
      expect(call.options.messages.map((message) => message.role)).toEqual(['system', 'user']);
    }
    expect(judgments.every((judgment) => judgment.model === 'tiny-tone' && !judgment.cached)).toBe(true);

    const [general1, general2, math1, math2] = judgments;
    expect(judge.calls[0]!.options.messages[0]!.content).toBe(MT_BENCH_JUDGE_PROMPTS.single.systemPrompt);
    expect(general1!.userPrompt).toBe(
      `${MT_BENCH_JUDGE_PROMPTS.single.promptTemplate.split('[Question]')[0]}[Question]\n` +
        'Write a two-line poem about {braces} and rain.\n\n' +
        "[The Start of Assistant's Answer]\nRain taps {softly} on the roof.\n[The End of Assistant's Answer]",
    );
    expect(general2!.userPrompt).toBe(
      "<|The Start of Assistant A's Conversation with User|>\n\n### User:\nWrite a two-line poem about {braces} and rain.\n\n" +
        '### Assistant A:\nRain taps {softly} on the roof.\n\n### User:\nNow make it rhyme.\n\n' +
        "### Assistant A:\nRain again, refrain.\n\n<|The End of Assistant A's Conversation with User|>",
    );
    expect(math1!.userPrompt).toContain(
      '[Question]\nWhat is 12 * 12?\n\n[The Start of Reference Answer]\n12 * 12 = 144.\n[The End of Reference Answer]\n\n' +
        "[The Start of Assistant's Answer]\nIt is 144.\n[The End of Assistant's Answer]",
    );
    expect(math2!.userPrompt).toContain('### User:\nAnd 13 * 13?\n\n### Reference answer:\n13 * 13 = 169.');
    const math2Call = judge.calls.find((call) => call.options.messages[1]!.content === math2!.userPrompt)!;
    expect(math2Call.options.messages[0]!.content).toBe(
      MT_BENCH_JUDGE_PROMPTS.singleMathMultiTurn.systemPrompt,
    );
  });

  it('excludes parse failures from the means and counts them, pooling both turns in the average', async () => {
    const judge = createMockChatModel({ generate: gradeByContent });
    const { summary } = await judgeMtBench({ judge, questions, answers, referenceAnswers });
    expect(summary.judgments).toBe(7);
    expect(summary.scored).toBe(6);
    expect(summary.parseFailures).toBe(1);
    expect(summary.turn1).toBeCloseTo((8 + 10 + 5) / 3, 12);
    expect(summary.turn2).toBeCloseTo((6.5 + 9 + 7) / 3, 12);
    expect(summary.average).toBeCloseTo((8 + 10 + 5 + 6.5 + 9 + 7) / 6, 12);
    expect(summary.perCategory).toEqual({
      writing: { turn1: 8, turn2: 6.5, average: 7.25, judgments: 2, scored: 2, parseFailures: 0 },
      math: { turn1: 10, turn2: 9, average: 9.5, judgments: 2, scored: 2, parseFailures: 0 },
      reasoning: { turn2: 7, average: 7, judgments: 2, scored: 1, parseFailures: 1 },
      humanities: { turn1: 5, average: 5, judgments: 1, scored: 1, parseFailures: 0 },
    });
    // FastChat's "Average" is over judgments, not the mean of the two turn means.
    const unequal = summarizeMtBench([
      { category: 'x', turn: 1, score: 10 },
      { category: 'x', turn: 1, score: 10 },
      { category: 'x', turn: 2, score: 1 },
      { category: 'x', turn: 2, score: -1 },
    ]);
    expect(unequal).toMatchObject({ turn1: 10, turn2: 1, average: 7, parseFailures: 1, scored: 3 });
    expect(summarizeMtBench([])).toEqual({ judgments: 0, scored: 0, parseFailures: 0, perCategory: {} });
  });

  it('makes no judge call on a rerun with the same cache, and pays again only for what changed', async () => {
    const cache = createMemoryJudgmentCache();
    const first = createMockChatModel({ modelId: 'judge-1', generate: gradeByContent });
    const firstRun = await judgeMtBench({ judge: first, questions, answers, referenceAnswers, cache });
    expect(cache.size).toBe(7);

    const second = createScriptedChatModel({ modelId: 'judge-1', script: [] });
    const secondRun = await judgeMtBench({ judge: second, questions, answers, referenceAnswers, cache });
    expect(second.calls).toHaveLength(0);
    expect(secondRun.cached).toBe(7);
    expect(secondRun.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    expect(secondRun.judgments.every((judgment) => judgment.cached)).toBe(true);
    expect(secondRun.judgments.map((judgment) => judgment.score)).toEqual(
      firstRun.judgments.map((judgment) => judgment.score),
    );
    expect(secondRun.summary).toEqual(firstRun.summary);

    // A changed answer to the last turn of question 1 means one new judgment; another judge means all new.
    const changed = answers.map((answer) =>
      answer.questionId === 1 ? { ...answer, turns: [answer.turns[0]!, 'A new refrain.'] } : answer,
    );
    const third = createMockChatModel({ modelId: 'judge-1', responses: ['Rating: [[3]]'] });
    const thirdRun = await judgeMtBench({
      judge: third,
      questions,
      answers: changed,
      referenceAnswers,
      cache,
    });
    expect(third.calls).toHaveLength(1);
    expect(thirdRun.judgments[1]).toMatchObject({ questionId: 1, turn: 2, score: 3, cached: false });
    const otherJudge = createMockChatModel({ modelId: 'judge-2', responses: ['Rating: [[4]]'] });
    await judgeMtBench({ judge: otherJudge, questions, answers, referenceAnswers, cache });
    expect(otherJudge.calls).toHaveLength(7);
  });

  it('keeps judgments in a JSONL file across processes and tolerates a torn last line', async () => {
    const file = path.join(workDir, 'cache', 'judgments.jsonl');
    const judge = createMockChatModel({ modelId: 'judge-1', generate: gradeByContent });
    const firstRun = await judgeMtBench({
      judge,
      questions,
      answers,
      referenceAnswers,
      cache: await createFileJudgmentCache(file),
    });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      judgeModel: 'mock:judge-1',
      questionId: expect.any(Number),
    });

    // A crash while writing leaves half a line: it is skipped, and cut away before the next append.
    await appendFile(file, '{"key": "TORN-FRAGMENT", "te');
    const reopened = await createFileJudgmentCache(file);
    expect(reopened.size).toBe(7);
    const silent = createScriptedChatModel({ modelId: 'judge-1', script: [] });
    const rerun = await judgeMtBench({
      judge: silent,
      questions,
      answers,
      referenceAnswers,
      cache: reopened,
    });
    expect(silent.calls).toHaveLength(0);
    expect(rerun.judgments.map((judgment) => judgment.judgment)).toEqual(
      firstRun.judgments.map((judgment) => judgment.judgment),
    );
    await reopened.set('extra', { text: 'Rating: [[1]]', judgeModel: 'mock:judge-1', createdAt: 'now' });
    expect((await createFileJudgmentCache(file)).size).toBe(8);
    expect(await readFile(file, 'utf8')).not.toContain('TORN-FRAGMENT');

    // A complete last line without its newline is kept, and the next entry goes on a line of its own.
    const unterminated = path.join(workDir, 'unterminated.jsonl');
    await writeFile(unterminated, lines[0]!);
    const kept = await createFileJudgmentCache(unterminated);
    expect(kept.size).toBe(1);
    await kept.set('second', { text: 'Rating: [[2]]', judgeModel: 'mock:judge-1', createdAt: 'now' });
    expect((await createFileJudgmentCache(unterminated)).size).toBe(2);

    const corrupt = path.join(workDir, 'corrupt.jsonl');
    await writeFile(corrupt, `not json\n${lines[0]}\n`);
    const error = await createFileJudgmentCache(corrupt).catch((caught: unknown) => caught);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ line: 1 });
  });

  it('needs an answer for every question and a reference answer for math, reasoning and coding', async () => {
    const judge = createScriptedChatModel({ script: [] });
    const noReference = await judgeMtBench({ judge, questions, answers }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(noReference)).toBe(true);
    expect(noReference).toMatchObject({ argument: 'referenceAnswers' });
    expect((noReference as Error).message).toContain('math question 2');
    const noAnswer = await judgeMtBench({
      judge,
      questions,
      answers: answers.slice(1),
      referenceAnswers,
    }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(noAnswer)).toBe(true);
    expect((noAnswer as Error).message).toContain('no answer to question 1');
    expect(judge.calls).toHaveLength(0);
    // Without reference categories, or grading turn 1 only, fewer things are needed.
    const relaxed = createMockChatModel({ responses: ['Rating: [[5]]'] });
    const result = await judgeMtBench({
      judge: relaxed,
      questions,
      answers,
      referenceCategories: [],
      turns: [1],
    });
    expect(result.judgments.map((judgment) => judgment.promptName)).toEqual(Array(4).fill('single-v1'));
  });

  it('runs at most `concurrency` judge calls at once and reports progress', async () => {
    let inFlight = 0;
    let peak = 0;
    const judge = createMockChatModel({
      generate: async (options) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight--;
        return gradeByContent(options);
      },
    });
    const events: MtBenchJudgeEvent[] = [];
    await judgeMtBench({
      judge,
      questions,
      answers,
      referenceAnswers,
      concurrency: 2,
      onEvent: (event) => events.push(event),
    });
    expect(peak).toBe(2);
    expect(events[0]).toMatchObject({ type: 'judging-started', total: 7, cached: 0 });
    const completed = events.filter((event) => event.type === 'judgment-completed');
    expect(completed.map((event) => event.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.at(-1)).toMatchObject({ type: 'judging-done', total: 7, parseFailures: 1 });
  });

  it('retries retryable failures, and a failure after retries stops the run keeping what was judged', async () => {
    const cache = createMemoryJudgmentCache();
    const rateLimited = new ApiCallError({ message: 'Too many requests', url: 'http://judge', status: 429 });
    const events: MtBenchJudgeEvent[] = [];
    const flaky = createMockChatModel({
      generate: gradeByContent,
      failures: { 0: rateLimited },
    });
    await judgeMtBench({
      judge: flaky,
      questions,
      answers,
      referenceAnswers,
      concurrency: 1,
      retry: { initialDelayMs: 1, jitter: false },
      onEvent: (event) => events.push(event),
    });
    expect(events.filter((event) => event.type === 'judgment-retry')).toMatchObject([
      { questionId: 1, turn: 1, attempt: 1, message: 'Too many requests' },
    ]);

    const broken = new ApiCallError({ message: 'Bad request', url: 'http://judge', status: 400 });
    const failing = createMockChatModel({ generate: gradeByContent, failures: { 3: broken } });
    const error = await judgeMtBench({
      judge: failing,
      questions,
      answers,
      referenceAnswers,
      cache,
      concurrency: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBe(broken);
    expect(cache.size).toBe(3);
    const resumed = createMockChatModel({ generate: gradeByContent });
    const result = await judgeMtBench({ judge: resumed, questions, answers, referenceAnswers, cache });
    expect(resumed.calls).toHaveLength(4);
    expect(result.cached).toBe(3);
  });

  it('does not cache an answer that ended in a provider error', async () => {
    const cache = createMemoryJudgmentCache();
    const judge = createMockChatModel({ responses: [{ text: '', finishReason: 'error' }] });
    const { summary } = await judgeMtBench({ judge, questions, answers, referenceAnswers, cache });
    expect(summary.parseFailures).toBe(7);
    expect(cache.size).toBe(0);
  });

  it('stops with CancelledError when the signal fires', async () => {
    const controller = new AbortController();
    const judge = createMockChatModel({ generate: gradeByContent, latencyMs: 20 });
    const run = judgeMtBench({
      judge,
      questions,
      answers,
      referenceAnswers,
      concurrency: 1,
      abortSignal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'judgment-completed') controller.abort();
      },
    });
    const error = await run.catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(judge.calls.length).toBeLessThan(7);
  });
});
