import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError, type QaRecord, writeDatasetFolder } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedTrainSpec } from '../src/parse-train-spec.js';
import {
  collectSweepResults,
  formatSweepTable,
  parseSweepSpec,
  runSweep,
  type SweepResultRow,
} from '../src/sweep/index.js';
import type { TrainResult, TrainSpec } from '../src/train-spec.js';

let dir: string;

function record(i: number): QaRecord {
  return {
    id: `q${i}`,
    source_id: `s${i}`,
    source_title: `Topic ${i}`,
    source_text: `Some text about topic ${i}.`,
    question: `What is topic ${i} about?`,
    answer: `Topic ${i} concerns matters of considerable significance.`,
    conversational_answer: `Topic ${i} is about a fun thing.`,
    flesch: 90,
    attempts: 1,
    model: 'test/model',
    created_at: '2026-11-21T00:00:00.000Z',
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonekit-sweep-results-'));
  await writeDatasetFolder(join(dir, 'dataset'), {
    records: Array.from({ length: 24 }, (_, i) => record(i)),
    validationSize: 4,
    subsetSizes: [4],
    seed: 3,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Losses that are exact in binary, so the tables can be compared character for character. */
const losses: Record<number, [number, number]> = { 8: [1.25, 1.5], 16: [1.125, 1.375], 32: [1.0625, 1.3125] };

async function fakeTrain(spec: TrainSpec | ResolvedTrainSpec): Promise<TrainResult> {
  const resolved = spec as ResolvedTrainSpec;
  if (resolved.name === 'r16-full') throw new Error('worker crashed');
  const [finalLoss, validationLoss] = losses[resolved.local.rank]!;
  return { backend: 'local', status: 'succeeded', steps: 4, finalLoss, validationLoss };
}

function sweepFile(outputDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    outputDir,
    base: {
      backend: 'local',
      baseModel: 'tiny-llama',
      dataset: { path: 'dataset' },
      local: { learningRate: 1e-3, precision: 'fp32', device: 'cpu' },
    },
    grid: { rank: [8, 16], subset: [4, 'train'] },
    ...extra,
  };
}

/**
 * A metrics.json exactly as @tonekit/evaluator writes it (EvaluationMetrics, schemaVersion 1): every
 * section present, with more metrics than the sweep table uses.
 */
function evaluatorMetrics(model: string, conversational: number, similarity: number | undefined) {
  const ci = (value: number) => ({
    lower: value - 1,
    upper: value + 1,
    level: 0.95,
    resamples: 1000,
    seed: 713,
  });
  return {
    schemaVersion: 1,
    run: {
      label: `${model} · r8 · 1e-3 · fp32 · 4 samples`,
      model,
      variant: 'fine-tuned',
      trainingSamples: 4,
      configuration: { precision: 'fp32', loraRank: 8, learningRate: 0.001 },
      systemPrompt: 'concise',
    },
    count: 20,
    metrics: {
      conversationalPercent: { value: conversational, ci: ci(conversational) },
      fleschMean: { value: 71.25, ci: ci(71.25) },
      ...(similarity === undefined ? {} : { similarity: { value: similarity } }),
      bleu: { value: 12.5 },
      wer: { value: 0.75 },
      averageResponseLength: { value: 21.5 },
    },
    settings: {
      conversationalThreshold: 60,
      readabilityMode: 'textstat-0.7.11',
      bleuSignature: 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.2',
      ...(similarity === undefined ? {} : { embedderModel: 'Alibaba-NLP/gte-modernbert-base' }),
    },
    fleschHistogram: { edges: [0, 30, 60, 90, 121.22], counts: [1, 2, 10, 7] },
  };
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

const header =
  'model,base_precision,lora_r,learning_rate,training_samples,pct_conversational,similarity,status,steps,final_loss,validation_loss';

describe('sweep results', () => {
  it('writes Table 6-shaped tables at the end of a sweep and joins evaluator metrics when present', async () => {
    const sweepDir = join(dir, 'joined');
    const spec = parseSweepSpec(sweepFile('joined'), { baseDir: dir });
    const summary = await runSweep(spec, { train: fakeTrain });
    expect(summary.status).toBe('failed');
    expect(summary.resultsCsvPath).toBe(join(sweepDir, 'results.csv'));

    // Before any evaluation: training figures only; the full split's size comes from the manifest.
    expect(await readFile(join(sweepDir, 'results.csv'), 'utf8')).toBe(
      [
        header,
        'tiny-llama,float32,8,0.001,4,,,succeeded,4,1.25,1.5',
        'tiny-llama,float32,8,0.001,20,,,succeeded,4,1.25,1.5',
        'tiny-llama,float32,16,0.001,4,,,succeeded,4,1.125,1.375',
        'tiny-llama,float32,16,0.001,20,,,failed,,,',
        '',
      ].join('\n'),
    );

    await writeJson(
      join(sweepDir, 'runs/r8-n4/eval/metrics.json'),
      evaluatorMetrics('Llama 3.2 1B', 85, 0.8312),
    );
    await writeJson(
      join(sweepDir, 'runs/r16-n4/eval/metrics.json'),
      evaluatorMetrics('Llama 3.2 1B', 92.5, undefined),
    );

    const rows = await collectSweepResults(sweepDir);
    expect(rows[0]).toEqual({
      runId: 'r8-n4',
      model: 'Llama 3.2 1B',
      basePrecision: 'float32',
      loraRank: 8,
      learningRate: 0.001,
      trainingSamples: 4,
      pctConversational: 85,
      similarity: 0.8312,
      status: 'succeeded',
      steps: 4,
      finalLoss: 1.25,
      validationLoss: 1.5,
      metricsPath: join(sweepDir, 'runs/r8-n4/eval/metrics.json'),
    });
    expect(rows[3]).toEqual({
      runId: 'r16-full',
      model: 'tiny-llama',
      basePrecision: 'float32',
      loraRank: 16,
      learningRate: 0.001,
      trainingSamples: 20,
      status: 'failed',
    });

    expect(formatSweepTable(rows, 'csv')).toBe(
      [
        header,
        'Llama 3.2 1B,float32,8,0.001,4,85,0.8312,succeeded,4,1.25,1.5',
        'tiny-llama,float32,8,0.001,20,,,succeeded,4,1.25,1.5',
        'Llama 3.2 1B,float32,16,0.001,4,92.5,,succeeded,4,1.125,1.375',
        'tiny-llama,float32,16,0.001,20,,,failed,,,',
        '',
      ].join('\n'),
    );
    expect(formatSweepTable(rows, 'markdown')).toBe(
      [
        '| model | base_precision | lora_r | learning_rate | training_samples | pct_conversational | similarity | status | steps | final_loss | validation_loss |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
        '| Llama 3.2 1B | float32 | 8 | 1e-3 | 4 | 85.0 | 0.831 | succeeded | 4 | 1.2500 | 1.5000 |',
        '| tiny-llama | float32 | 8 | 1e-3 | 20 |  |  | succeeded | 4 | 1.2500 | 1.5000 |',
        '| Llama 3.2 1B | float32 | 16 | 1e-3 | 4 | 92.5 |  | succeeded | 4 | 1.1250 | 1.3750 |',
        '| tiny-llama | float32 | 16 | 1e-3 | 20 |  |  | failed |  |  |  |',
        '',
      ].join('\n'),
    );

    // Resuming the sweep (the failed run now trains) rewrites both files with the metrics joined.
    const resumed = await runSweep(spec, {
      train: async (runSpec) => ({
        backend: 'local',
        status: 'succeeded',
        steps: 3,
        finalLoss: 1.0625,
        ...((runSpec as ResolvedTrainSpec).name === 'r16-full' ? {} : { validationLoss: 9 }),
      }),
    });
    expect(resumed.ran).toEqual(['r16-full']);
    expect(resumed.results[2]?.pctConversational).toBe(92.5);
    const csv = await readFile(join(sweepDir, 'results.csv'), 'utf8');
    expect(csv.split('\n')[1]).toBe('Llama 3.2 1B,float32,8,0.001,4,85,0.8312,succeeded,4,1.25,1.5');
    expect(csv.split('\n')[4]).toBe('tiny-llama,float32,16,0.001,20,,,succeeded,3,1.0625,');
    const markdown = await readFile(join(sweepDir, 'results.md'), 'utf8');
    expect(markdown.split('\n')[2]).toBe(
      '| Llama 3.2 1B | float32 | 8 | 1e-3 | 4 | 85.0 | 0.831 | succeeded | 4 | 1.2500 | 1.5000 |',
    );
  });

  it('uses the sweep’s model label and a metricsPath with the run id', async () => {
    const sweepDir = join(dir, 'labelled');
    const spec = parseSweepSpec(
      sweepFile('labelled', {
        model: 'Llama 3.2 1B',
        grid: { rank: [8], subset: [4] },
        evaluation: { metricsPath: '../../evals/{id}/metrics.json' },
      }),
      { baseDir: dir },
    );
    await runSweep(spec, { train: fakeTrain });
    await writeJson(
      join(sweepDir, 'evals/r8-n4/metrics.json'),
      evaluatorMetrics('llama-3.2-1b-r8', 97.5, 0.875),
    );
    expect(formatSweepTable(await collectSweepResults(sweepDir), 'csv')).toBe(
      `${header}\nLlama 3.2 1B,float32,8,0.001,4,97.5,0.875,succeeded,4,1.25,1.5\n`,
    );
  });

  it('rejects a metrics.json that breaks the evaluator contract, naming the file and field', async () => {
    const sweepDir = join(dir, 'broken');
    await runSweep(parseSweepSpec(sweepFile('broken', { grid: { rank: [8] } }), { baseDir: dir }), {
      train: fakeTrain,
    });
    const file = join(sweepDir, 'runs/r8/eval/metrics.json');
    const metrics = evaluatorMetrics('m', 85, 1.5);
    await writeJson(file, metrics);
    const error = await collectSweepResults(sweepDir).catch((caught: unknown) => caught);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as DatasetFormatError).file).toBe(file);
    expect((error as Error).message).toBe(
      `${file}: \`metrics.similarity.value\` must be a number from -1 to 1 (found 1.5); is it an evaluator metrics.json?`,
    );

    await writeJson(file, { ...evaluatorMetrics('m', 85, 0.8), schemaVersion: 2 });
    await expect(collectSweepResults(sweepDir)).rejects.toThrow('`schemaVersion` must be 1 (found 2)');
    await writeJson(file, { ...evaluatorMetrics('m', 85, 0.8), metrics: { conversationalPercent: 85 } });
    await expect(collectSweepResults(sweepDir)).rejects.toThrow(
      '`metrics.conversationalPercent` must be an object `{value, ci?}` (found 85)',
    );
    await writeFile(file, '{"schemaVersion": 1,');
    await expect(collectSweepResults(sweepDir)).rejects.toThrow(`${file} is not valid JSON`);
  });

  it('refreshes the tables after every run; a bad metrics.json stops only the final write', async () => {
    const sweepDir = join(dir, 'refresh');
    const spec = parseSweepSpec(sweepFile('refresh', { grid: { rank: [8, 16] } }), { baseDir: dir });
    const seen: string[] = [];
    await runSweep(spec, {
      train: async (runSpec) => {
        if ((runSpec as ResolvedTrainSpec).name === 'r16') {
          seen.push(await readFile(join(sweepDir, 'results.csv'), 'utf8'));
        }
        return fakeTrain(runSpec);
      },
    });
    expect(seen).toEqual([
      `${header}\ntiny-llama,float32,8,0.001,20,,,succeeded,4,1.25,1.5\ntiny-llama,float32,16,0.001,20,,,pending,,,\n`,
    ]);

    // An evaluation with a broken metrics.json: the queue still trains the new run...
    await writeJson(join(sweepDir, 'runs/r8/eval/metrics.json'), { schemaVersion: 1 });
    const extended = parseSweepSpec(sweepFile('refresh', { grid: { rank: [8, 16, 32] } }), { baseDir: dir });
    const trained: string[] = [];
    const error = await runSweep(extended, {
      train: async (runSpec) => {
        trained.push((runSpec as ResolvedTrainSpec).name);
        return fakeTrain(runSpec);
      },
    }).catch((caught: unknown) => caught);
    expect(trained).toEqual(['r32']);
    // ...and the final table write names the file and field.
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('`run` must be an object (found nothing)');
    const state = JSON.parse(await readFile(join(sweepDir, 'sweep-state.json'), 'utf8'));
    expect(state.runs.map((run: { status: string }) => run.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  it('says when a folder is not a sweep', async () => {
    const error = await collectSweepResults(join(dir, 'dataset')).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('has no sweep-state.json');
  });

  it('quotes and escapes cells that need it', () => {
    const row: SweepResultRow = {
      runId: 'x',
      model: 'Llama, "big" | v2',
      status: 'pending',
      learningRate: 0.0002,
      similarity: 0.85,
    };
    expect(formatSweepTable([row], 'csv')).toBe(
      `${header}\n"Llama, ""big"" | v2",,,0.0002,,,0.85,pending,,,\n`,
    );
    expect(formatSweepTable([row], 'markdown').split('\n')[2]).toBe(
      '| Llama, "big" \\| v2 |  |  | 2e-4 |  |  | 0.850 | pending |  |  |  |',
    );
    expect(() => formatSweepTable([row], 'html' as 'csv')).toThrow(/must be "csv" or "markdown"/);
  });
});
