import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerCrashedError } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TrainOptions, trainLora } from '../src/train-lora.js';
import type { TrainEvent, TrainResult, TrainSpec } from '../src/train-spec.js';
import { PythonWorker } from '../src/worker/index.js';
import {
  localTrainingUnavailable,
  readRunJson,
  sha256,
  venvPython,
  writeTinyLlama,
} from './support/local-training.js';
import { writeToneDataset } from './support/tone-dataset.js';

// End to end through the REAL Python worker on the CPU: a tiny random Llama, 18 training rows (6
// distinct pairs, repeated) in micro-batches of 2 (9 steps per epoch, 2 epochs, stopped at 10 steps),
// fp32, LoRA on every linear layer so the loss visibly drops in a few steps. The slow parts are Python
// imports and model loads, so one worker serves every run but the one that is killed.
const unavailable = localTrainingUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED train-local tests: ${unavailable}`);

const maxSteps = 10;
const targetModules = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const stepsPerEpoch = 9;

let root: string;
let modelDir: string;
let datasetDir: string;
let worker: PythonWorker;

function spec(name: string, local: Record<string, unknown> = {}): TrainSpec {
  return {
    backend: 'local',
    dataset: { path: datasetDir },
    baseModel: modelDir,
    outputDir: join(root, name),
    local: {
      device: 'cpu',
      rank: 16,
      targetModules,
      epochs: 2,
      microBatchSize: 2,
      gradientAccumulationSteps: 1,
      learningRate: 1e-2,
      maxLength: 192,
      checkpointEverySteps: 4,
      maxSteps,
      ...local,
    },
  };
}

async function train(trainSpec: TrainSpec, options: TrainOptions = {}) {
  const events: TrainEvent[] = [];
  const result = await trainLora(trainSpec, {
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { result, events };
}

const ofType = <T extends TrainEvent['type']>(events: TrainEvent[], type: T) =>
  events.filter((event): event is Extract<TrainEvent, { type: T }> => event.type === type);

describe.skipIf(unavailable !== undefined)('trainLora, local backend, real worker on CPU', () => {
  let reference: { result: TrainResult; events: TrainEvent[] };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tonekit-train-local-'));
    modelDir = join(root, 'tiny-llama');
    datasetDir = join(root, 'dataset');
    writeTinyLlama(modelDir);
    await writeToneDataset(datasetDir, { count: 24, validationSize: 6, subsetSizes: [] });
    worker = await PythonWorker.start({ python: venvPython });
    reference = await train(spec('reference'), { worker });
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('emits events in order and the loss goes down', () => {
    const { events, result } = reference;
    expect(events[0]).toMatchObject({
      type: 'prepare-end',
      trainExamples: 18,
      validationExamples: 6,
      skippedExamples: 0,
    });
    expect(events.at(-1)).toEqual({ type: 'done', result, timestamp: expect.any(Number) });
    expect(ofType(events, 'done')).toHaveLength(1);
    const start = events.findIndex((event) => event.type === 'train-start');
    expect(events[start]).toMatchObject({ totalSteps: 2 * stepsPerEpoch, stepsPerEpoch, startStep: 0 });
    expect(events.findIndex((event) => event.type === 'step-end')).toBeGreaterThan(start);

    const steps = ofType(events, 'step-end');
    expect(steps.map((event) => event.step)).toEqual(
      Array.from({ length: maxSteps }, (_, index) => index + 1),
    );
    for (const step of steps) {
      expect(step.totalSteps).toBe(2 * stepsPerEpoch);
      expect(step.epoch).toBeCloseTo(step.step / stepsPerEpoch, 10);
      expect(Number.isFinite(step.loss)).toBe(true);
      expect(step.learningRate).toBeGreaterThan(0);
      expect(step.beta1).toBeGreaterThanOrEqual(0.85);
      expect(step.beta1).toBeLessThanOrEqual(0.95);
    }
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const first = mean(steps.slice(0, 3).map((step) => step.loss));
    const last = mean(steps.slice(-3).map((step) => step.loss));
    expect(last).toBeLessThan(first - 0.5);

    // One validation pass at the end of epoch 1, right after its last step.
    const evals = ofType(events, 'eval-end');
    expect(evals.map((event) => event.step)).toEqual([stepsPerEpoch]);
    expect(events.indexOf(evals[0]!)).toBeGreaterThan(events.indexOf(steps[stepsPerEpoch - 1]!));
    expect(Number.isFinite(evals[0]!.validationLoss)).toBe(true);
    const saves = ofType(events, 'checkpoint-save').map((event) => event.step);
    expect(saves).toEqual(expect.arrayContaining([4, 8, stepsPerEpoch]));

    expect(result).toMatchObject({ backend: 'local', status: 'succeeded', steps: maxSteps });
    expect(result.finalLoss).toBe(steps.at(-1)!.loss);
  });

  it('writes the PEFT adapter, the GGUF adapter and run.json', async () => {
    const { result } = reference;
    expect((await readdir(result.adapterDir!)).sort()).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']),
    );
    const config = JSON.parse(await readFile(join(result.adapterDir!, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ r: 16, lora_alpha: 16, lora_dropout: 0.2, bias: 'lora_only' });
    expect([...config.target_modules].sort()).toEqual([...targetModules].sort());
    const gguf = await readFile(result.ggufAdapterPath!);
    expect(gguf.subarray(0, 4).toString('latin1')).toBe('GGUF');

    const state = await readRunJson(spec('reference').outputDir);
    expect(state).toMatchObject({
      schemaVersion: 1,
      command: 'train',
      backend: 'local',
      status: 'succeeded',
      device: 'cpu',
      precision: 'fp32',
      totalSteps: 2 * stepsPerEpoch,
      lastStep: maxSteps,
      result,
      counts: { trainExamples: 18, validationExamples: 6, skippedExamples: 0 },
    });
    expect((state.lastCheckpoint as { step: number }).step).toBeGreaterThanOrEqual(8);
  });

  it('cancels at the next step with a checkpoint, then resumes to the same final loss', async () => {
    const cancelSpec = spec('cancel-resume');
    const controller = new AbortController();
    const cancelled = await train(cancelSpec, {
      worker,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'step-end' && event.step === 5) controller.abort();
      },
    });
    expect(cancelled.result.status).toBe('cancelled');
    const stoppedAt = cancelled.result.steps;
    expect(stoppedAt).toBeGreaterThanOrEqual(5);
    expect(stoppedAt).toBeLessThan(maxSteps);
    expect(ofType(cancelled.events, 'checkpoint-save').at(-1)?.step).toBe(stoppedAt);
    expect(cancelled.events.at(-1)).toMatchObject({ type: 'done', result: { status: 'cancelled' } });
    expect(await readRunJson(cancelSpec.outputDir)).toMatchObject({
      status: 'cancelled',
      lastCheckpoint: { step: stoppedAt },
    });

    const resumed = await train(cancelSpec, { worker });
    expect(ofType(resumed.events, 'train-start')[0]?.startStep).toBe(stoppedAt);
    const resumedSteps = ofType(resumed.events, 'step-end');
    expect(resumedSteps[0]?.step).toBe(stoppedAt + 1);
    const referenceLoss = new Map(
      ofType(reference.events, 'step-end').map((event) => [event.step, event.loss]),
    );
    for (const step of resumedSteps) expect(step.loss).toBe(referenceLoss.get(step.step));
    expect(resumed.result).toMatchObject({ status: 'succeeded', steps: maxSteps });
    expect(resumed.result.finalLoss).toBe(reference.result.finalLoss);
    expect(await sha256(join(resumed.result.adapterDir!, 'adapter_model.safetensors'))).toBe(
      await sha256(join(reference.result.adapterDir!, 'adapter_model.safetensors')),
    );
    const state = await readRunJson(cancelSpec.outputDir);
    expect(
      (state.attempts as Array<{ status: string; startStep: number }>).map((a) => [a.status, a.startStep]),
    ).toEqual([
      ['cancelled', 0],
      ['succeeded', stoppedAt],
    ]);

    // A finished run is not trained again: its recorded result comes back at once.
    const again = await train(cancelSpec, { worker });
    expect(again.result).toEqual(resumed.result);
    expect(again.events.map((event) => event.type)).toEqual(['log', 'done']);
  });

  it('says how to resume when the worker crashes, and resumes from the last checkpoint', async () => {
    const crashSpec = spec('crash-resume');
    const doomed = await PythonWorker.start({ python: venvPython });
    const crash = trainLora(crashSpec, {
      worker: doomed,
      onEvent: (event) => {
        if (event.type === 'step-end' && event.step === 6) process.kill(doomed.pid, 'SIGKILL');
      },
    });
    await expect(crash).rejects.toSatisfy(WorkerCrashedError.isInstance);
    await expect(crash).rejects.toThrow(
      /The training worker was killed by SIGKILL during the run in .*crash-resume\. The run can resume from its last checkpoint \(step 4, .*step-4\): call trainLora again with the same spec/,
    );
    expect(await readRunJson(crashSpec.outputDir)).toMatchObject({
      status: 'failed',
      lastCheckpoint: { step: 4 },
    });

    const resumed = await train(crashSpec, { worker });
    expect(ofType(resumed.events, 'train-start')[0]?.startStep).toBe(4);
    expect(resumed.result).toMatchObject({ status: 'succeeded', steps: maxSteps });
    expect(resumed.result.finalLoss).toBe(reference.result.finalLoss);
  });
});
