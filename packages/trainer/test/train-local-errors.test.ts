import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError, TonekitError, WorkerError } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainLora } from '../src/train-lora.js';
import type { TrainSpec } from '../src/train-spec.js';
import { localTrainingUnavailable, readRunJson, venvPython } from './support/local-training.js';
import { writeToneDataset } from './support/tone-dataset.js';

/** A Python without torch, to see the missing-dependency error for real. */
const barePython = '/usr/bin/python3';
const bareUnavailable = !existsSync(barePython)
  ? `${barePython} does not exist`
  : spawnSync(barePython, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0
    ? `${barePython} has torch installed`
    : undefined;
if (bareUnavailable !== undefined) console.warn(`SKIPPED missing-dependency tests: ${bareUnavailable}`);
const venvUnavailable = localTrainingUnavailable();
if (venvUnavailable !== undefined) console.warn(`SKIPPED CUDA-request test: ${venvUnavailable}`);

let root: string;
let datasetDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tonekit-train-errors-'));
  datasetDir = join(root, 'dataset');
  await writeToneDataset(datasetDir, { count: 12, validationSize: 2, subsetSizes: [] });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const spec = (name: string, local: Record<string, unknown> = {}): TrainSpec => ({
  backend: 'local',
  dataset: { path: datasetDir },
  baseModel: join(root, 'no-model-needed'),
  outputDir: join(root, name),
  local: { device: 'cpu', ...local },
});

describe('trainLora, local backend errors', () => {
  it.skipIf(bareUnavailable !== undefined)(
    'lists every missing Python package with the command that installs them',
    async () => {
      const run = trainLora(spec('missing-deps'), { python: barePython });
      await expect(run).rejects.toSatisfy(
        (error) => WorkerError.isInstance(error) && error.code === 'missing_dependency',
      );
      await expect(run).rejects.toThrow(
        `Training locally needs the Python packages torch, transformers, peft, safetensors, gguf, not installed for ${barePython}`,
      );
      await expect(run).rejects.toThrow(
        `${barePython} -m pip install 'torch' 'transformers' 'peft' 'safetensors' 'gguf'`,
      );
      await expect(run).rejects.toThrow(/`tonekit trainer setup`.*`tonekit trainer doctor`/);
      const state = await readRunJson(join(root, 'missing-deps'));
      expect(state).toMatchObject({ status: 'failed', error: { name: 'WorkerError' } });

      // The failed run is resumable only with the same trajectory: a changed rank is refused up front.
      const changed = trainLora(spec('missing-deps', { rank: 64 }), { python: barePython });
      await expect(changed).rejects.toSatisfy(InvalidArgumentError.isInstance);
      await expect(changed).rejects.toThrow(
        /holds a failed run of a different spec \(local\.rank: 32 → 64; local\.alpha: 32 → 64\)/,
      );
      // ...unless the caller starts over, which gets as far as the worker again.
      await expect(
        trainLora(spec('missing-deps', { rank: 64 }), { python: barePython, resume: false }),
      ).rejects.toThrow(/needs the Python packages/);
      expect((await readRunJson(join(root, 'missing-deps'))).config).toMatchObject({ local: { rank: 64 } });
    },
  );

  it.skipIf(venvUnavailable !== undefined)('refuses device "cuda" when torch sees no GPU', async () => {
    const probe = spawnSync(venvPython, ['-c', 'import torch; print(torch.cuda.device_count())'], {
      encoding: 'utf8',
    });
    if (probe.stdout.trim() !== '0') return; // a GPU machine: nothing to refuse
    const run = trainLora(spec('cuda', { device: 'cuda' }), { python: venvPython });
    await expect(run).rejects.toSatisfy(TonekitError.isInstance);
    await expect(run).rejects.toThrow(/local\.device is "cuda", but torch .* sees no CUDA device/);
  });

  it('rejects with CancelledError when aborted before training starts, writing nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(trainLora(spec('aborted'), { signal: controller.signal })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
    expect(existsSync(join(root, 'aborted'))).toBe(false);
  });

  it('reports a bad dataset before starting any worker', async () => {
    const run = trainLora(
      { ...spec('bad-dataset'), dataset: { path: join(root, 'nowhere') } },
      { python: '/nonexistent/python' },
    );
    await expect(run).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(run).rejects.toThrow(/is not a dataset folder/);
    // `/nonexistent/python` would have failed with "not found" had a worker been started.
    expect(existsSync(join(root, 'bad-dataset'))).toBe(false);
  });
});
