import { DatasetFormatError } from '@tonekit/dataset';
import { isStringArray } from './is-string-array.js';
import type { MtBenchQuestion } from './mt-bench-question.js';
import { type LoadMtBenchOptions, readJsonlSource } from './read-jsonl-source.js';

/**
 * Reads MT-Bench questions from FastChat's `question.jsonl` format (`question_id`, `category`, `turns`,
 * optional `reference`), from a file path or an http(s) URL (fetched with `options.fetch`). Lines keep
 * their order; a malformed line or a repeated `question_id` rejects with a DatasetFormatError naming
 * the line.
 *
 * ```ts
 * const questions = await loadMtBenchQuestions('data/mt_bench/question.jsonl');
 * ```
 */
export async function loadMtBenchQuestions(
  source: string | URL,
  options: LoadMtBenchOptions = {},
): Promise<MtBenchQuestion[]> {
  const { name, records } = await readJsonlSource(source, options);
  const seen = new Set<number>();
  return records.map(({ line, value }) => {
    const fail = (message: string): never => {
      throw new DatasetFormatError({ file: name, line, message: `${name}:${line}: ${message}` });
    };
    const { question_id: questionId, category, turns, reference } = value;
    if (!Number.isSafeInteger(questionId)) fail('question_id must be an integer.');
    if (seen.has(questionId as number)) fail(`question_id ${questionId} appears twice.`);
    seen.add(questionId as number);
    if (typeof category !== 'string' || category === '') fail('category must be a non-empty string.');
    if (!isStringArray(turns) || turns.length === 0) fail('turns must be a non-empty array of strings.');
    if (reference !== undefined && !isStringArray(reference)) fail('reference must be an array of strings.');
    return {
      questionId: questionId as number,
      category: category as string,
      turns: [...(turns as string[])],
      ...(reference === undefined ? {} : { reference: [...(reference as string[])] }),
    };
  });
}
