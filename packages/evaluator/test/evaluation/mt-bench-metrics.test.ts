import { fileURLToPath } from 'node:url';
import { createMockChatModel } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';
import {
  answerMtBench,
  buildReport,
  judgeMtBench,
  loadMtBenchAnswers,
  loadMtBenchQuestions,
  mtBenchMetrics,
} from '../../src/index.js';

const fixtures = fileURLToPath(new URL('../judge/fixtures/', import.meta.url));

describe('mtBenchMetrics', () => {
  it('turns a judged MT-Bench run into metrics.json that the report draws', async () => {
    const questions = await loadMtBenchQuestions(`${fixtures}mt-bench-questions.jsonl`);
    const referenceAnswers = await loadMtBenchAnswers(`${fixtures}mt-bench-reference-answers.jsonl`);
    const model = createMockChatModel({
      modelId: 'tone',
      generate: async (options) => `Answer ${options.messages.length}.`,
    });
    const answers = await answerMtBench(model, questions);
    // The judge rates turn 1 with 8 and turn 2 with 5, and breaks the format on one question.
    const judge = createMockChatModel({
      modelId: 'judge',
      generate: async (options) => {
        const prompt = options.messages.map((message) => message.content).join('\n');
        if (prompt.includes(String(questions[0]?.turns[0]))) return 'No rating here.';
        return prompt.includes("Assistant's Answer to the second question") ||
          prompt.includes('<|The End of Assistant A')
          ? 'Rating: [[5]]'
          : 'Rating: [[8]]';
      },
    });
    const judged = await judgeMtBench({ judge, questions, answers, referenceAnswers });
    const metrics = mtBenchMetrics(
      judged.judgments,
      { label: '1B ED×WoW · α 0.5', model: '1B', variant: 'blend', blend: { name: '1B ED×WoW', alpha: 0.5 } },
      { judgeModel: judged.judgeModel, bootstrap: { resamples: 50 } },
    );
    const failures = judged.judgments.filter((judgment) => judgment.score === -1).length;
    expect(failures).toBeGreaterThan(0);
    expect(metrics.settings.judgeParseFailures).toBe(failures);
    expect(metrics.count).toBe(judged.judgments.length);
    expect(metrics.metrics.judgeAverage?.value).toBeCloseTo(judged.summary.average ?? Number.NaN, 12);
    expect(metrics.metrics.judgeTurn1?.value).toBeCloseTo(judged.summary.turn1 ?? Number.NaN, 12);
    const report = await buildReport({ runs: [metrics] });
    expect(report.html.includes('data-metric="judgeAverage"')).toBe(true);
  });
});
