import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApiCallError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadMtBenchAnswers,
  loadMtBenchJudgePrompts,
  loadMtBenchQuestions,
  MT_BENCH_JUDGE_PROMPTS,
} from '../../src/judge/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const questionsFixture = path.join(fixtures, 'mt-bench-questions.jsonl');
const referencesFixture = path.join(fixtures, 'mt-bench-reference-answers.jsonl');
// The real MT-Bench files (FastChat, Apache-2.0) live in the shared reference data, outside the repository.
const sharedMtBench = fileURLToPath(new URL('../../../../../shared/data/mt-bench/', import.meta.url));
const realQuestions = path.join(sharedMtBench, 'question.jsonl');
const realReferences = path.join(sharedMtBench, 'reference_answer-gpt-4.jsonl');
const realPrompts = path.join(sharedMtBench, 'judge_prompts.jsonl');
const haveShared = existsSync(realQuestions) && existsSync(realReferences) && existsSync(realPrompts);
if (!haveShared) {
  console.warn(`SKIPPED: MT-Bench parity tests: ${sharedMtBench} not found (it is outside the repository).`);
}

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-mt-bench-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('loadMtBenchQuestions and loadMtBenchAnswers on the tiny fixture', () => {
  it('reads FastChat question lines in order, skipping blank lines', async () => {
    const questions = await loadMtBenchQuestions(questionsFixture);
    expect(questions.map((question) => question.questionId)).toEqual([1, 2, 3, 4]);
    expect(questions[0]).toEqual({
      questionId: 1,
      category: 'writing',
      turns: ['Write a two-line poem about {braces} and rain.', 'Now make it rhyme.'],
    });
    expect(questions[2]!.reference).toEqual(['Yes.', 'A simple explanation.']);
    expect(questions[3]!.turns).toHaveLength(1);
    // A file: URL reads the same file.
    expect(await loadMtBenchQuestions(pathToFileURL(questionsFixture))).toEqual(questions);
  });

  it('reads answers from choices[0].turns', async () => {
    const answers = await loadMtBenchAnswers(referencesFixture);
    expect(answers).toEqual([
      { questionId: 2, modelId: 'gpt-4', turns: ['12 * 12 = 144.', '13 * 13 = 169.'] },
      {
        questionId: 3,
        modelId: 'gpt-4',
        turns: [
          'Yes: every bloop is a razzie, so at least one razzie is a bloop (if bloops exist).',
          'Think of all bloops standing inside the razzie circle.',
        ],
      },
    ]);
  });

  it('fetches an http(s) URL with the injected fetch and reports HTTP errors as ApiCallError', async () => {
    const body = await readFile(questionsFixture, 'utf8');
    const requested: string[] = [];
    const fetch = (async (input: string | URL | Request) => {
      requested.push(String(input));
      return String(input).endsWith('missing.jsonl')
        ? new Response('not found', { status: 404 })
        : new Response(body, { status: 200 });
    }) as typeof globalThis.fetch;
    const questions = await loadMtBenchQuestions('https://example.test/mt_bench/question.jsonl', { fetch });
    expect(questions).toHaveLength(4);
    expect(requested).toEqual(['https://example.test/mt_bench/question.jsonl']);
    const error = await loadMtBenchQuestions('https://example.test/missing.jsonl', { fetch }).catch(
      (caught: unknown) => caught,
    );
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, url: 'https://example.test/missing.jsonl' });
  });

  it.each([
    ['not JSON', '{"question_id": 1,', 1],
    ['not an object', '[1, 2]', 1],
    ['no id', '{"category": "math", "turns": ["a"]}', 1],
    ['no turns', '{"question_id": 1, "category": "math", "turns": []}', 1],
    ['no category', '{"question_id": 1, "turns": ["a"]}', 1],
    [
      'repeated id',
      '{"question_id": 1, "category": "math", "turns": ["a"]}\n{"question_id": 1, "category": "math", "turns": ["b"]}',
      2,
    ],
  ])('rejects a question file with %s, naming the line', async (_name, content, line) => {
    const file = path.join(workDir, `bad-${line}-${content.length}.jsonl`);
    await writeFile(file, content);
    const error = await loadMtBenchQuestions(file).catch((caught: unknown) => caught);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ file, line });
  });

  it('rejects a missing file with DatasetFormatError', async () => {
    const error = await loadMtBenchQuestions(path.join(workDir, 'nope.jsonl')).catch(
      (caught: unknown) => caught,
    );
    expect(DatasetFormatError.isInstance(error)).toBe(true);
  });
});

describe.skipIf(!haveShared)('the real MT-Bench files from ../shared/data/mt-bench', () => {
  it('has 80 two-turn questions, 10 in each of the 8 categories', async () => {
    const questions = await loadMtBenchQuestions(realQuestions);
    expect(questions).toHaveLength(80);
    expect(questions.every((question) => question.turns.length === 2)).toBe(true);
    const counts = new Map<string, number>();
    for (const question of questions) counts.set(question.category, (counts.get(question.category) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      writing: 10,
      roleplay: 10,
      reasoning: 10,
      math: 10,
      coding: 10,
      extraction: 10,
      stem: 10,
      humanities: 10,
    });
  });

  it('has a two-turn GPT-4 reference answer for every math, reasoning and coding question', async () => {
    const questions = await loadMtBenchQuestions(realQuestions);
    const references = new Map(
      (await loadMtBenchAnswers(realReferences)).map((answer) => [answer.questionId, answer]),
    );
    const graded = questions.filter((question) =>
      ['math', 'reasoning', 'coding'].includes(question.category),
    );
    expect(graded).toHaveLength(30);
    for (const question of graded) expect(references.get(question.questionId)?.turns).toHaveLength(2);
  });

  it('embeds exactly the single-answer prompts of judge_prompts.jsonl', async () => {
    expect(await loadMtBenchJudgePrompts(realPrompts)).toEqual(MT_BENCH_JUDGE_PROMPTS);
  });
});
