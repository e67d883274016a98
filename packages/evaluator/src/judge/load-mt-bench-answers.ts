import { DatasetFormatError } from '@tonekit/dataset';
import { isStringArray } from './is-string-array.js';
import type { MtBenchAnswer } from './mt-bench-question.js';
import { type LoadMtBenchOptions, readJsonlSource } from './read-jsonl-source.js';

/**
 * Reads answers in FastChat's `model_answer/*.jsonl` format (`question_id`, `model_id`,
 * `choices[0].turns`), from a file path or an http(s) URL. That is the format of the GPT-4 reference
 * answers (`reference_answer/gpt-4.jsonl`) that reference-guided grading needs for math, reasoning and
 * coding, and of answers generated elsewhere. The first choice is used, as FastChat does.
 */
export async function loadMtBenchAnswers(
  source: string | URL,
  options: LoadMtBenchOptions = {},
): Promise<MtBenchAnswer[]> {
  const { name, records } = await readJsonlSource(source, options);
  const seen = new Set<number>();
  return records.map(({ line, value }) => {
    const fail = (message: string): never => {
      throw new DatasetFormatError({ file: name, line, message: `${name}:${line}: ${message}` });
    };
    const { question_id: questionId, model_id: modelId, choices } = value;
    if (!Number.isSafeInteger(questionId)) fail('question_id must be an integer.');
    if (seen.has(questionId as number)) fail(`question_id ${questionId} appears twice.`);
    seen.add(questionId as number);
    const first: unknown = Array.isArray(choices) ? choices[0] : undefined;
    const turns =
      typeof first === 'object' && first !== null ? (first as { turns?: unknown }).turns : undefined;
    if (!isStringArray(turns) || turns.length === 0) {
      fail('choices[0].turns must be a non-empty array of strings.');
    }
    if (modelId !== undefined && typeof modelId !== 'string') fail('model_id must be a string.');
    return {
      questionId: questionId as number,
      ...(typeof modelId === 'string' ? { modelId } : {}),
      turns: [...(turns as string[])],
    };
  });
}
