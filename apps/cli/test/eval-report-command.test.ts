import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type QaRecord, writeDatasetFolder } from '@tonekit/dataset';
import { writeTinyBertModel, writeTinyLlamaGguf, writeTinyLoraGguf } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

let dir: string;
let dataset: string;
let gguf: string;
let lora: string;
let embedder: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-eval-'));
  dataset = path.join(dir, 'dataset');
  const records: QaRecord[] = Array.from({ length: 16 }, (_, i) => ({
    id: `q${i}`,
    source_id: `s${i}`,
    source_title: `Topic ${i}`,
    source_text: `Text ${i}.`,
    question: `What is the ${['river', 'king', 'city', 'song'][i % 4]} about?`,
    answer: `It is about topic ${i}.`,
    conversational_answer: `It is about a fun thing, number ${i}.`,
    flesch: 90,
    attempts: 1,
    model: 'test/model',
    created_at: '2026-11-21T00:00:00.000Z',
  }));
  await writeDatasetFolder(dataset, { records, validationSize: 6, subsetSizes: [5], seed: 2 });
  const model = await writeTinyLlamaGguf({
    path: path.join(dir, 'tiny.gguf'),
    seed: 4,
    logitBoosts: { '<|im_end|>': 4, '.': 3, '\u2581the': 3 },
  });
  gguf = model.path;
  lora = (await writeTinyLoraGguf({ path: path.join(dir, 'tiny-lora.gguf'), base: model, rank: 4, std: 0.3 }))
    .path;
  embedder = path.join(dir, 'embedder');
  await writeTinyBertModel(embedder, { pooling: 'cls', seed: 5 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const llama = () => [
  '--provider',
  'llama-cpp',
  '--model',
  gguf,
  '--threads',
  '1',
  '--gpu',
  'cpu',
  '--context-size',
  '512',
];

describe('tonekit eval and tonekit report', () => {
  it('evaluates a local GGUF model, base and LoRA-tuned, scores responses and a sweep, and reports them', async () => {
    const base = await runTonekit([
      'eval',
      '--dataset',
      dataset,
      ...llama(),
      '--system-prompt',
      'verbose',
      '--max-tokens',
      '24',
      '--variant',
      'base',
      '--family',
      'Tiny Llama',
      '--embedder',
      embedder,
      '--bootstrap',
      '100',
      '--out',
      path.join(dir, 'runs', 'base'),
    ]);
    expect(base.stderr).not.toMatch(/error/i);
    expect(base.exitCode).toBe(0);
    expect(base.stdout).toContain('base — 6 responses');
    expect(base.stdout).toMatch(/% conversational\s+\d/);
    expect(base.stdout).toMatch(/similarity\s+-?\d/);
    const metrics = JSON.parse(await readFile(path.join(dir, 'runs', 'base', 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      count: 6,
      run: { variant: 'base', model: 'Tiny Llama', systemPrompt: 'verbose' },
    });
    expect(existsSync(path.join(dir, 'runs', 'base', 'responses.parquet'))).toBe(true);

    for (const samples of [5, 10]) {
      const tuned = await runTonekit([
        'eval',
        '--dataset',
        dataset,
        ...llama(),
        '--lora',
        `${lora}=${samples / 10}`,
        '--system-prompt',
        'concise',
        '--max-tokens',
        '24',
        '--variant',
        'fine-tuned',
        '--family',
        'Tiny Llama',
        '--training-samples',
        String(samples),
        '--lora-rank',
        '4',
        '--learning-rate',
        '0.0002',
        '--precision',
        'float32',
        '--no-similarity',
        '--bootstrap',
        '100',
        '--out',
        path.join(dir, 'runs', `tuned-${samples}`),
      ]);
      expect(tuned.stderr).not.toMatch(/error/i);
      expect(tuned.exitCode).toBe(0);
    }

    // An existing responses file, and a sweep of blend mixes.
    const sweep = path.join(dir, 'sweep');
    await mkdir(sweep, { recursive: true });
    for (const alpha of [0, 0.5, 1]) {
      const rows = [0, 1, 2, 3].map((i) => ({
        response: `Answer ${i}${' so sorry'.repeat(alpha * 4)}.`,
        reference: `Answer ${i}.`,
      }));
      await writeFile(
        path.join(sweep, `alpha-${alpha}.jsonl`),
        rows.map((row) => JSON.stringify(row)).join('\n'),
      );
    }
    const swept = await runTonekit([
      'eval',
      '--sweep',
      sweep,
      '--blend-name',
      '1B ED×WoW',
      '--test-set',
      'ED',
      '--no-similarity',
      '--out',
      path.join(dir, 'runs', 'sweep'),
    ]);
    expect(swept.exitCode).toBe(0);
    expect(swept.stdout).toContain('1B ED×WoW · ED · α 0.5 — 4 responses');
    const scored = await runTonekit([
      'eval',
      '--responses',
      path.join(sweep, 'alpha-0.jsonl'),
      '--no-similarity',
      '--json',
      '--out',
      path.join(dir, 'runs', 'external'),
    ]);
    expect(scored.exitCode).toBe(0);
    const line = JSON.parse(scored.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(line).toMatchObject({ type: 'metrics', count: 4 });
    expect(line.metrics.wer.value).toBe(0);

    const report = await runTonekit(['report', path.join(dir, 'runs'), '--out', path.join(dir, 'report')]);
    expect(report.stderr).toBe('');
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toContain('Report of 7 run(s)');
    const html = await readFile(path.join(dir, 'report', 'report.html'), 'utf8');
    // Fig. 2 and 3 are drawn; Fig. 4 (similarity) is omitted with a note: the tuned runs skipped similarity.
    for (const id of ['seed-a-fig-2', 'seed-a-fig-3', 'seed-b-wer'])
      expect(html.includes(`<figure id="${id}"`), id).toBe(true);
    expect(html.includes('data-omitted="seed-a-fig-4"')).toBe(true);
    expect(html.includes('data-blend="1B ED×WoW"')).toBe(true);
  }, 120_000);

  it('explains what is missing', async () => {
    const none = await runTonekit(['eval', '--out', path.join(dir, 'x')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('give exactly one of --dataset, --responses or --sweep');
    const sweep = await runTonekit(['eval', '--sweep', dir, '--out', path.join(dir, 'y')]);
    expect(sweep.exitCode).toBe(2);
    expect(sweep.stderr).toContain('--sweep needs --blend-name');
    const metrics = await runTonekit([
      'eval',
      '--responses',
      'x.jsonl',
      '--metrics',
      'bleu,nope',
      '--out',
      path.join(dir, 'z'),
    ]);
    expect(metrics.exitCode).toBe(2);
    expect(metrics.stderr).toContain('--metrics nope: unknown');
    const empty = await runTonekit(['report', path.join(dir, 'dataset'), '--out', path.join(dir, 'r')]);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('no metrics.json');
  });
});
