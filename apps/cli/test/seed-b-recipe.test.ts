import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeParquet } from '@tonekit/dataset';
import { startFakeHuggingFaceHub, writeTinyBertModel } from '@tonekit/test-kit';
import { workerPythonDir } from '@tonekit/trainer';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, runTonekit } from './run-tonekit.js';

// Seed B's experiment, end to end through the CLI exactly as recipes/seed-b/README.md runs it, with
// tiny stand-ins: Empathetic Dialogues and Wizard of Wikipedia shaped datasets served by a fake Hub,
// a tiny random Llama as the base, a few LoRA steps per dataset, the five α mixes through the Python
// worker (both adapters in one batched forward), and the evaluator's seed B tables.
const venvPython = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
const probe = existsSync(venvPython)
  ? spawnSync(venvPython, ['-c', 'import torch, transformers, peft'], { encoding: 'utf8' })
  : undefined;
const unavailable =
  probe === undefined
    ? `${venvPython} does not exist`
    : probe.status !== 0
      ? `${venvPython} cannot import torch, transformers and peft`
      : undefined;
if (unavailable !== undefined) console.warn(`SKIPPED the seed B recipe test: ${unavailable}`);

const strings = (values: string[]) => arrow.vectorFromArray(values, new arrow.Utf8());
const ints = (values: number[]) => arrow.vectorFromArray(values, new arrow.Int32());
const words = ['sad', 'happy', 'dog', 'work', 'rain', 'friend', 'game', 'trip'];

/** Empathetic Dialogues' layout: one row per utterance, commas escaped as `_comma_`. */
function empatheticTable(first: number, count: number): arrow.Table {
  const rows: { conv: string; index: number; speaker: number; text: string }[] = [];
  for (let k = first; k < first + count; k++) {
    for (let index = 1; index <= 4; index++) {
      const word = words[(k + index) % words.length] as string;
      rows.push({
        conv: `hit:${k}_conv:${k}`,
        index,
        speaker: index % 2,
        text:
          index % 2 === 1
            ? `i feel ${word} today_comma_ you know`
            : `oh no_comma_ i am so sorry about the ${word}`,
      });
    }
  }
  return new arrow.Table({
    conv_id: strings(rows.map((row) => row.conv)),
    utterance_idx: ints(rows.map((row) => row.index)),
    context: strings(rows.map(() => 'sad')),
    prompt: strings(rows.map(() => 'a situation')),
    speaker_idx: ints(rows.map((row) => row.speaker)),
    utterance: strings(rows.map((row) => row.text)),
  });
}

/** Wizard of Wikipedia's layout: one row per dialogue, a `dialog` list of {speaker, text}. */
function wizardTable(first: number, count: number): arrow.Table {
  const turn = new arrow.Struct([
    new arrow.Field('speaker', new arrow.Utf8(), true),
    new arrow.Field('text', new arrow.Utf8(), true),
  ]);
  const dialogs = Array.from({ length: count }, (_, offset) => {
    const word = words[(first + offset) % words.length] as string;
    return [
      { speaker: '1_Apprentice', text: `what do you know about the ${word}` },
      { speaker: '0_Wizard', text: `the ${word} is a topic with a long history in the city` },
      { speaker: '1_Apprentice', text: 'tell me more' },
      { speaker: '0_Wizard', text: `the ${word} was first named in the old books` },
    ];
  });
  return new arrow.Table({
    chosen_topic: strings(dialogs.map((_, offset) => `Topic ${first + offset}`)),
    dialog: arrow.vectorFromArray(dialogs, new arrow.List(new arrow.Field('item', turn, true))),
  });
}

describe.skipIf(unavailable !== undefined)('the seed B recipe (tiny models, tiny datasets)', () => {
  let dir: string;
  let hub: Awaited<ReturnType<typeof startFakeHuggingFaceHub>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tonekit-seed-b-'));
    const shard = async (name: string, table: arrow.Table) => {
      const file = path.join(dir, 'shards', name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeParquet(file, table);
      return readFile(file);
    };
    hub = await startFakeHuggingFaceHub({
      datasets: {
        'facebook/empathetic_dialogues': {
          files: {
            'data/train-00000-of-00001.parquet': await shard('ed-train.parquet', empatheticTable(0, 8)),
            'data/validation-00000-of-00001.parquet': await shard('ed-valid.parquet', empatheticTable(20, 2)),
            'data/test-00000-of-00001.parquet': await shard('ed-test.parquet', empatheticTable(40, 2)),
          },
        },
        'tonekit-fixtures/wizard_of_wikipedia': {
          files: {
            'default/train/0000.parquet': await shard('wow-train.parquet', wizardTable(0, 8)),
            'default/validation/0000.parquet': await shard('wow-valid.parquet', wizardTable(20, 2)),
            'default/test/0000.parquet': await shard('wow-test.parquet', wizardTable(40, 2)),
          },
        },
      },
    });
    const made = spawnSync(
      venvPython,
      ['-m', 'tonekit_worker.testing.tiny_llama', '--out', path.join(dir, 'base')],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: workerPythonDir },
      },
    );
    if (made.status !== 0) throw new Error(made.stderr);
    await writeTinyBertModel(path.join(dir, 'bertscore'), { seed: 5 });
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prepares both datasets from the Hub, trains two adapters, blends five mixes and evaluates them', async () => {
    const env = { HF_ENDPOINT: hub.url, HF_HOME: path.join(dir, 'hf') };
    const run = async (args: string[]) => {
      const result = await runTonekit(args, { cwd: dir, env });
      if (result.exitCode !== 0) throw new Error(`tonekit ${args.join(' ')} failed:\n${result.stderr}`);
      return result;
    };

    // 1. Dialogue datasets by Hub id → chat training data and test prompts.
    const ed = await run([
      'dialogues',
      '--source',
      'hf://datasets/facebook/empathetic_dialogues',
      '--format',
      'empathetic-dialogues',
      '--out',
      'data/ed',
    ]);
    expect(ed.stdout).toContain('test: 4 prompts from 2 dialogues (files)');
    await run([
      'dialogues',
      '--source',
      'hf://datasets/tonekit-fixtures/wizard_of_wikipedia',
      '--format',
      'wizard-of-wikipedia',
      '--out',
      'data/wow',
    ]);

    // 2. One LoRA adapter per dataset (a few steps: the point is the plumbing, not the quality).
    for (const name of ['ed', 'wow']) {
      await writeFile(
        path.join(dir, `train-${name}.yaml`),
        [
          'backend: local',
          'baseModel: ./base',
          `dataset: { path: data/${name}/train.jsonl, validationPath: data/${name}/validation.jsonl }`,
          `outputDir: runs/${name}`,
          'systemPrompt: none',
          'local: { rank: 4, learningRate: 1.0e-2, epochs: 1, microBatchSize: 4, gradientAccumulationSteps: 1, maxSteps: 2, maxLength: 96, device: cpu, precision: fp32 }',
        ].join('\n'),
      );
      const trained = await run(['train', '--config', `train-${name}.yaml`, '--python', venvPython]);
      expect(trained.stdout).toContain(`adapter (PEFT): runs/${name}/adapter`);
    }

    // 3. The five mixes of seed B on both test sets: α is the weight of the ED adapter.
    const blendArgs = [
      'blend',
      '--backend',
      'worker',
      '--model',
      './base',
      '--lora',
      'runs/ed/adapter',
      '--lora',
      'runs/wow/adapter',
      '--python',
      venvPython,
      '--gpu',
      'cpu',
      '--temperature',
      '0',
      '--max-tokens',
      '6',
    ];
    for (const testSet of ['ed', 'wow']) {
      const mixed = await run([
        ...blendArgs,
        '--alphas',
        '0,0.25,0.5,0.75,1',
        '--prompts',
        `data/${testSet}/test.jsonl`,
        '--out',
        `blends/${testSet}`,
      ]);
      expect(mixed.stdout).toContain('20 answers written');
    }
    const alphaOne = parseJsonLines(await readFile(path.join(dir, 'blends/ed/alpha-1.jsonl'), 'utf8'));
    expect(alphaOne).toHaveLength(4);
    // α = 1 is the ED adapter alone, answered through the single-model path.
    const first = alphaOne[0] as { question: string; response: string };
    const alone = await run([
      'blend',
      '--backend',
      'worker',
      '--model',
      './base',
      '--lora',
      'runs/ed/adapter',
      '--python',
      venvPython,
      '--gpu',
      'cpu',
      '--temperature',
      '0',
      '--max-tokens',
      '6',
      first.question,
    ]);
    expect(alone.stdout).toBe(`${first.response}\n`);

    // 4. Seed B's metrics per α (BLEU, WER, length, lexical diversity, BERTScore) and the report.
    for (const [testSet, label] of [
      ['ed', 'ED'],
      ['wow', 'WoW'],
    ] as const) {
      const scored = await run([
        'eval',
        '--sweep',
        `blends/${testSet}`,
        '--blend-name',
        'tiny ED×WoW',
        '--test-set',
        label,
        '--no-similarity',
        '--bertscore-model',
        './bertscore',
        '--json',
        '--out',
        `evals/${testSet}`,
      ]);
      const metrics = parseJsonLines(scored.stdout).filter((line) => line['type'] === 'metrics');
      expect(metrics).toHaveLength(5);
      for (const line of metrics) {
        const values = line['metrics'] as Record<string, { value: number } | undefined>;
        expect(values['bleu']?.value).toBeGreaterThanOrEqual(0);
        expect(values['wer']?.value).toBeGreaterThanOrEqual(0);
        expect(values['bertScoreF1']?.value).toBeGreaterThan(0);
        expect(values['bertScoreF1']?.value).toBeLessThanOrEqual(1);
      }
    }
    const report = await run(['report', 'evals', '--out', 'report']);
    expect(report.stdout).toContain('Report of 10 run(s)');
    const html = await readFile(path.join(dir, 'report', 'report.html'), 'utf8');
    expect(html).toContain('tiny ED×WoW');
  }, 600_000);
});
