import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSweepSpec, runSweep, type SweepEvent, type SweepState } from '../src/sweep/index.js';
import { PythonWorker } from '../src/worker/index.js';
import { localTrainingUnavailable, venvPython, writeTinyLlama } from './support/local-training.js';
import { writeToneDataset } from './support/tone-dataset.js';

// The queue end to end with the default `train` (trainLora) and the REAL Python worker on the CPU: a
// tiny random Llama, two runs; the second is aborted after its first checkpoint and must continue
// from that checkpoint when the sweep is run again.
const unavailable = localTrainingUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED sweep-local tests: ${unavailable}`);

let root: string;
let worker: PythonWorker;

describe.skipIf(unavailable !== undefined)('runSweep with trainLora, real worker on CPU', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tonekit-sweep-local-'));
    writeTinyLlama(join(root, 'tiny-llama'));
    await writeToneDataset(join(root, 'dataset'), { count: 12, validationSize: 4, subsetSizes: [2] });
    worker = await PythonWorker.start({ python: venvPython });
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('trains, cancels at a checkpoint, and resumes the cancelled run from it', async () => {
    const spec = parseSweepSpec(
      {
        outputDir: 'sweep',
        base: {
          backend: 'local',
          baseModel: './tiny-llama',
          dataset: { path: 'dataset', validationSplit: null },
          // The tiny model's tokenizer spends many tokens on the paper's system prompt.
          systemPrompt: 'none',
          local: {
            device: 'cpu',
            epochs: 1,
            microBatchSize: 2,
            gradientAccumulationSteps: 1,
            learningRate: 2e-2,
            maxLength: 96,
            checkpointEverySteps: 2,
            exportGguf: false,
          },
        },
        // train-2: 1 step; train (8 rows): 4 steps.
        grid: { rank: [4], subset: [2, 'train'] },
      },
      { baseDir: root },
    );
    const controller = new AbortController();
    const events: SweepEvent[] = [];
    const first = await runSweep(spec, {
      worker,
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'train' && event.runId === 'r4-full' && event.event.type === 'checkpoint-save') {
          controller.abort();
        }
      },
    });
    expect(first.runs.map((run) => run.error)).toEqual([undefined, undefined]);
    expect(first.status).toBe('cancelled');
    expect(first.runs.map((run) => [run.id, run.status])).toEqual([
      ['r4-n2', 'succeeded'],
      ['r4-full', 'cancelled'],
    ]);
    expect(first.runs[0]?.result).toMatchObject({ status: 'succeeded', steps: 1 });
    expect(first.runs[0]?.trainingSamples).toBe(2);
    expect(first.runs[1]?.trainingSamples).toBe(8);
    const cancelledAt = first.runs[1]?.result?.steps ?? 0;
    expect(cancelledAt).toBeGreaterThanOrEqual(2);
    expect(cancelledAt).toBeLessThan(4);

    const resumedEvents: SweepEvent[] = [];
    const second = await runSweep(spec, { worker, onEvent: (event) => resumedEvents.push(event) });
    expect(second.status).toBe('succeeded');
    expect(second.ran).toEqual(['r4-full']);
    expect(second.skipped).toEqual(['r4-n2']);
    const trainStart = resumedEvents.find(
      (event) => event.type === 'train' && event.event.type === 'train-start',
    );
    expect(trainStart).toMatchObject({ runId: 'r4-full', event: { totalSteps: 4 } });
    // It continued from a checkpoint rather than starting over.
    expect(
      trainStart?.type === 'train' && trainStart.event.type === 'train-start' && trainStart.event.startStep,
    ).toBeGreaterThan(0);
    expect(second.runs[1]).toMatchObject({ status: 'succeeded', attempts: 2, result: { steps: 4 } });

    const state = JSON.parse(await readFile(join(root, 'sweep', 'sweep-state.json'), 'utf8')) as SweepState;
    expect(state.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    const csv = (await readFile(join(root, 'sweep', 'results.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toMatch(/^tiny-llama,float32,4,0\.02,2,,,succeeded,1,[\d.]+,$/);
    expect(csv[2]).toMatch(/^tiny-llama,float32,4,0\.02,8,,,succeeded,4,[\d.]+,$/);
  }, 180_000);
});
