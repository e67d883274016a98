import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError, systemPromptPresets } from '@tonekit/core';
import { type QaRecord, readParquetTable, writeDatasetFolder } from '@tonekit/dataset';
import { fleschReadingEase } from '@tonekit/readability';
import { createMockChatModel, createMockEmbedder } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  corpusBleu,
  type EvaluateEvent,
  evaluate,
  evaluateBlendSweep,
  evaluateResponses,
  findRunMetrics,
  scoreResponses,
  wordErrorRate,
} from '../../src/index.js';

let dir: string;
let dataset: string;
const size = 40;

function record(i: number): QaRecord {
  return {
    id: `q${i}`,
    source_id: `s${i}`,
    source_title: `Topic ${i}`,
    source_text: `Some text about topic ${i}.`,
    question: `What is topic ${i} about?`,
    answer: `Topic ${i} concerns matters of considerable historiographical significance.`,
    conversational_answer: `Topic ${i} is about a fun thing. You can see it every day.`,
    flesch: 90,
    attempts: 1,
    model: 'test/model',
    created_at: '2026-11-21T00:00:00.000Z',
  };
}

/** Every third answer is hard to read; the rest echo the reference with one word changed. */
function answerFor(question: string): string {
  const i = Number(/topic (\d+)/.exec(question)?.[1] ?? 0);
  return i % 3 === 0
    ? `Topic ${i} necessitates comprehensive interdisciplinary institutional understanding.`
    : `Topic ${i} is about a fun thing. You can see it every week.`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonekit-evaluate-'));
  dataset = join(dir, 'dataset');
  await writeDatasetFolder(dataset, {
    records: Array.from({ length: size }, (_, i) => record(i)),
    validationSize: 20,
    subsetSizes: [10],
    seed: 1,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluate', () => {
  it('answers the validation split with the preset prompt, scores it and writes the run', async () => {
    const calls: string[][] = [];
    const model = createMockChatModel({
      modelId: 'answerer',
      generate: async (options) => {
        calls.push(options.messages.map((message) => message.content));
        return answerFor(options.messages.at(-1)?.content ?? '');
      },
    });
    const events: EvaluateEvent[] = [];
    const outputDir = join(dir, 'runs', 'fine-tuned');
    const result = await evaluate({
      model,
      dataset,
      systemPrompt: 'concise',
      outputDir,
      run: {
        label: 'answerer · 1,000 samples',
        model: 'answerer',
        variant: 'fine-tuned',
        trainingSamples: 1000,
      },
      embedder: createMockEmbedder({ dimensions: 32 }),
      bootstrap: { resamples: 200, seed: 3 },
      onEvent: (event) => events.push(event),
    });
    expect(calls).toHaveLength(20);
    expect(calls[0]?.[0]).toBe(systemPromptPresets.concise);
    const metrics = result.metrics.metrics;
    const table = await readParquetTable(result.responsesPath);
    expect(table.numRows).toBe(20);
    const responses = table.getChild('response')?.toArray() as string[];
    const references = table.getChild('reference')?.toArray() as string[];
    // Aggregates equal the metrics computed directly on the written responses.
    const conversational = responses.filter((text) => fleschReadingEase(text) >= 60).length;
    expect(metrics.conversationalPercent?.value).toBeCloseTo((100 * conversational) / 20, 12);
    expect(metrics.bleu?.value).toBeCloseTo(corpusBleu(responses, [references]).score, 12);
    expect(metrics.wer?.value).toBeCloseTo(wordErrorRate(references, responses).wer, 12);
    // Means lie inside their percentile intervals; distinct-n of a resample with repeats is biased low,
    // so its interval may sit below the estimate (documented), but it exists.
    for (const name of [
      'similarity',
      'averageResponseLength',
      'mattr',
      'fleschMean',
      'conversationalPercent',
    ] as const) {
      const aggregate = metrics[name];
      expect(aggregate, name).toBeDefined();
      expect(aggregate?.ci?.lower).toBeLessThanOrEqual(aggregate?.value ?? Number.NaN);
      expect(aggregate?.ci?.upper).toBeGreaterThanOrEqual(aggregate?.value ?? Number.NaN);
    }
    for (const name of ['distinct1', 'distinct2'] as const) {
      expect(metrics[name]?.ci?.resamples, name).toBe(200);
      expect(metrics[name]?.ci?.lower).toBeLessThanOrEqual(metrics[name]?.ci?.upper ?? Number.NaN);
    }
    expect(result.metrics.settings.bleuSignature).toMatch(
      /^nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:/,
    );
    expect(result.metrics.settings.conversationalThreshold).toBe(60);
    expect(table.getChild('flesch')?.length).toBe(20);
    const written = JSON.parse(await readFile(result.metricsPath, 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(result.metrics)));
    const run = JSON.parse(await readFile(join(outputDir, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ status: 'succeeded', counts: { rows: 20, scored: 20, failed: 0 } });
    expect(events.at(-1)).toMatchObject({ type: 'done', failed: 0 });

    // A rerun resumes from responses.jsonl: no model call, the same metrics.
    const again = await evaluate({
      model,
      dataset,
      systemPrompt: 'concise',
      outputDir,
      run: result.metrics.run,
      embedder: createMockEmbedder({ dimensions: 32 }),
      bootstrap: { resamples: 200, seed: 3 },
    });
    expect(calls).toHaveLength(20);
    expect(again.metrics).toEqual(result.metrics);
    // The report reads what evaluate wrote.
    const found = await findRunMetrics([join(dir, 'runs')]);
    expect(found.map((file) => file.metrics.run.label)).toContain('answerer · 1,000 samples');
  });

  it('refuses to resume with other generation settings, and retries failures on the next run', async () => {
    const outputDir = join(dir, 'runs', 'flaky');
    let failing = true;
    const model = createMockChatModel({
      generate: async (options) => {
        const question = options.messages.at(-1)?.content ?? '';
        if (failing && question.includes('topic 1')) throw new Error('backend exploded');
        return answerFor(question);
      },
    });
    const base = {
      model,
      dataset,
      outputDir,
      limit: 6,
      run: { label: 'flaky', model: 'mock', variant: 'base' as const },
      metrics: ['conversational', 'length'] as const,
      retry: { maxRetries: 0 },
    };
    const first = await evaluate(base);
    expect(first.failed).toBeGreaterThan(0);
    expect(first.metrics.count).toBe(6 - first.failed);
    await expect(evaluate({ ...base, systemPrompt: 'verbose' })).rejects.toSatisfy(
      (error: unknown) =>
        InvalidArgumentError.isInstance(error) && /systemPrompt/.test((error as Error).message),
    );
    failing = false;
    const second = await evaluate(base);
    expect(second.failed).toBe(0);
    expect(second.metrics.count).toBe(6);
  });

  it('stops with CancelledError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      evaluate({
        model: createMockChatModel({ generate: async () => 'x' }),
        dataset,
        outputDir: join(dir, 'runs', 'cancelled'),
        run: { label: 'cancelled', model: 'mock', variant: 'base' },
        abortSignal: controller.signal,
      }),
    ).rejects.toSatisfy(CancelledError.isInstance);
  });
});

describe('evaluateResponses and evaluateBlendSweep', () => {
  it('scores a responses file without a model, and a five-α sweep into seed B shape', async () => {
    const sweep = join(dir, 'sweep');
    await mkdir(sweep, { recursive: true });
    for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
      const rows = Array.from({ length: 12 }, (_, i) => ({
        id: `p${i}`,
        question: `q${i}`,
        // More empathetic words as α grows, so the metrics move with α.
        response: `${'I am so sorry to hear that. '.repeat(Math.round(alpha * 4))}The answer is ${i}.`,
        reference: `The answer is ${i}.`,
      }));
      await writeFile(join(sweep, `alpha-${alpha}.jsonl`), rows.map((row) => JSON.stringify(row)).join('\n'));
    }
    const single = await evaluateResponses({
      responses: join(sweep, 'alpha-0.5.jsonl'),
      outputDir: join(dir, 'scored'),
      run: { label: 'scored', model: 'external', variant: 'base' },
    });
    expect(single.metrics.count).toBe(12);

    const results = await evaluateBlendSweep({
      sweepDir: sweep,
      outputDir: join(dir, 'runs-sweep'),
      blendName: '1B ED×WoW',
      testSet: 'ED',
      bootstrap: { resamples: 100 },
    });
    expect(results.map((metrics) => metrics.run.blend?.alpha)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // α = 0 answers exactly the reference: WER 0, BLEU 100; length grows with α.
    expect(results[0]?.metrics.wer?.value).toBe(0);
    expect(results[0]?.metrics.bleu?.value).toBeCloseTo(100, 9);
    const lengths = results.map((metrics) => metrics.metrics.averageResponseLength?.value ?? 0);
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
    const found = await findRunMetrics([join(dir, 'runs-sweep')]);
    expect(found).toHaveLength(5);

    await writeFile(join(dir, 'bad.jsonl'), '{"response": "a"}\n');
    await expect(
      evaluateResponses({
        responses: join(dir, 'bad.jsonl'),
        outputDir: join(dir, 'bad'),
        run: single.metrics.run,
      }),
    ).rejects.toThrow(/row 1: "reference" must be a string/);
  });

  it('needs the models its metrics need', async () => {
    await expect(
      scoreResponses({
        pairs: [{ id: '1', response: 'a', reference: 'b' }],
        run: { label: 'x', model: 'x', variant: 'base' },
        metrics: ['similarity'],
      }),
    ).rejects.toThrow(/needs an embedder/);
  });
});
