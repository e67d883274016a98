import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QaRecord, writeDatasetFolder } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

const venvPython = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-train-'));
  const records: QaRecord[] = Array.from({ length: 30 }, (_, i) => ({
    id: `q${i}`,
    source_id: `s${i}`,
    source_text: `Text ${i}.`,
    question: `What is thing ${i}?`,
    answer: `It is thing ${i}.`,
    conversational_answer: `Oh, it's just thing ${i}!`,
    flesch: 90,
    attempts: 1,
    model: 'test/model',
    created_at: '2026-11-21T00:00:00.000Z',
  }));
  await writeDatasetFolder(path.join(dir, 'data'), {
    records,
    validationSize: 5,
    subsetSizes: [10, 20],
    seed: 1,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tonekit train', () => {
  it("--dry-run prints the spec with the paper's defaults, paths resolved against the config file", async () => {
    await writeFile(
      path.join(dir, 'train.yaml'),
      'backend: local\nbaseModel: ./base\ndataset: { path: data, split: train-10 }\noutputDir: runs/r32\n',
    );
    const result = await runTonekit(['train', '--config', 'train.yaml', '--dry-run'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const spec = JSON.parse(result.stdout);
    expect(spec.dataset).toMatchObject({ path: path.join(dir, 'data'), split: 'train-10' });
    expect(spec.outputDir).toBe(path.join(dir, 'runs', 'r32'));
    expect(spec.local).toMatchObject({ rank: 32, alpha: 32, dropout: 0.2, bias: 'lora_only', epochs: 5 });
    expect(spec.local.targetModules).toEqual(['q_proj', 'k_proj', 'v_proj']);
    expect(spec.local.schedule).toMatchObject({ pctStart: 0.3, divFactor: 25, finalDivFactor: 1000 });
    expect(spec.openai).toMatchObject({ seed: 713, batchSize: 32, learningRateMultiplier: 1, epochs: 5 });
  });

  it('names the field and the file for a bad spec, and YAML errors with their line', async () => {
    await writeFile(
      path.join(dir, 'bad.yaml'),
      'backend: local\nbaseModel: x\ndataset: data\noutputDir: out\nlocal: { rank: -3 }\n',
    );
    const bad = await runTonekit(['train', '--config', 'bad.yaml'], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml: .*local\.rank.*got -3/);
    await writeFile(path.join(dir, 'broken.yaml'), 'backend: [local\n');
    const broken = await runTonekit(['train', '--config', 'broken.yaml'], { cwd: dir });
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('not valid YAML');
    const missing = await runTonekit(['train', '--config', 'nope.yaml'], { cwd: dir });
    expect(missing.stderr).toContain('--config');
    expect(missing.stderr).toContain('no such file');
  });
});

describe('tonekit sweep', () => {
  it('lists the runs of a grid and refuses unknown --only ids', async () => {
    await writeFile(
      path.join(dir, 'sweep.yaml'),
      [
        'outputDir: sweeps/s',
        'base: { backend: local, baseModel: ./base, dataset: { path: data } }',
        'grid: { rank: [32, 64], learningRate: [2.0e-4], subset: [10, 20] }',
      ].join('\n'),
    );
    const listed = await runTonekit(['sweep', '--config', 'sweep.yaml', '--list'], { cwd: dir });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(4);
    expect(listed.stdout).toContain('r64-lr2e-4-n20');
    const unknown = await runTonekit(['sweep', '--config', 'sweep.yaml', '--only', 'r16-x'], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('--only r16-x: not in this grid');
  });
});

describe('tonekit trainer doctor', () => {
  it('says exactly what to install for an interpreter without the worker packages', async () => {
    const result = await runTonekit(['trainer', 'doctor', '--python', '/usr/bin/python3'], { cwd: dir });
    // The machine's system Python has no torch: the doctor must say so and fail.
    if (result.exitCode === 0) return console.warn('SKIPPED: /usr/bin/python3 has every trainer package');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('MISSING torch');
    expect(result.stdout).toMatch(/To fix:\n {2}.*pip install/);
    expect(result.stderr).toContain('the trainer environment is incomplete');
  });

  it.skipIf(!existsSync(venvPython))('reports the versions of a complete environment as JSON', async () => {
    const result = await runTonekit(['trainer', 'doctor', '--python', venvPython, '--json'], { cwd: dir });
    const diagnosis = JSON.parse(result.stdout);
    expect(diagnosis.python.found).toBe(true);
    expect(diagnosis.packages.find((entry: { name: string }) => entry.name === 'peft')).toMatchObject({
      ok: true,
    });
    expect(result.exitCode).toBe(diagnosis.ok ? 0 : 1);
  });
});
