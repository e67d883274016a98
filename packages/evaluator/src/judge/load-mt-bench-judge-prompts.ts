import { DatasetFormatError } from '@tonekit/dataset';
import {
  MT_BENCH_JUDGE_PROMPT_NAMES,
  type MtBenchJudgePrompt,
  type MtBenchJudgePromptSet,
} from './mt-bench-judge-prompts.js';
import { type LoadMtBenchOptions, readJsonlSource } from './read-jsonl-source.js';

/**
 * Reads FastChat's `judge_prompts.jsonl` (or a file of the same format with edited prompts) and picks
 * the four single-answer grading prompts by name: `single-v1`, `single-math-v1`,
 * `single-v1-multi-turn`, `single-math-v1-multi-turn`. The built-in `MT_BENCH_JUDGE_PROMPTS` are the
 * same strings; load the file to grade with a variant.
 */
export async function loadMtBenchJudgePrompts(
  source: string | URL,
  options: LoadMtBenchOptions = {},
): Promise<MtBenchJudgePromptSet> {
  const { name, records } = await readJsonlSource(source, options);
  const byName = new Map<string, MtBenchJudgePrompt>();
  for (const { line, value } of records) {
    const { name: promptName, type, system_prompt: systemPrompt, prompt_template: promptTemplate } = value;
    const outputFormat = value.output_format;
    if (typeof promptName !== 'string') {
      throw new DatasetFormatError({ file: name, line, message: `${name}:${line}: name must be a string.` });
    }
    if (type !== 'single') continue;
    if (
      typeof systemPrompt !== 'string' ||
      typeof promptTemplate !== 'string' ||
      outputFormat !== '[[rating]]'
    ) {
      throw new DatasetFormatError({
        file: name,
        line,
        message: `${name}:${line}: prompt "${promptName}" needs string system_prompt and prompt_template and output_format "[[rating]]".`,
      });
    }
    byName.set(promptName, { name: promptName, systemPrompt, promptTemplate, outputFormat });
  }
  const pick = (key: keyof MtBenchJudgePromptSet): MtBenchJudgePrompt => {
    const prompt = byName.get(MT_BENCH_JUDGE_PROMPT_NAMES[key]);
    if (prompt === undefined) {
      throw new DatasetFormatError({
        file: name,
        message: `${name} has no single-answer prompt named "${MT_BENCH_JUDGE_PROMPT_NAMES[key]}".`,
      });
    }
    return prompt;
  };
  return {
    single: pick('single'),
    singleMath: pick('singleMath'),
    singleMultiTurn: pick('singleMultiTurn'),
    singleMathMultiTurn: pick('singleMathMultiTurn'),
  };
}
