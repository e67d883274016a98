import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { type QaRecord, writeDatasetFolder } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedTrainSpec } from '../src/parse-train-spec.js';
import {
  parseSweepSpec,
  runSweep,
  type SweepEvent,
  type SweepSpec,
  type SweepState,
} from '../src/sweep/index.js';
import type { TrainOptions } from '../src/train-lora.js';
import type { TrainResult, TrainSpec } from '../src/train-spec.js';

let dir: string;
let dataset: string;

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
  dir = await mkdtemp(join(tmpdir(), 'tonekit-sweep-queue-'));
  dataset = join(dir, 'dataset');
  await writeDatasetFolder(dataset, {
    records: Array.from({ length: 24 }, (_, i) => record(i)),
    validationSize: 4,
    subsetSizes: [4, 8],
    seed: 7,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sweep(
  name: string,
  grid: Record<string, unknown> = { rank: [8, 16, 32], subset: [4, 8] },
): SweepSpec {
  return parseSweepSpec(
    {
      outputDir: name,
      base: {
        backend: 'local',
        baseModel: 'tiny-llama',
        dataset: { path: 'dataset' },
        local: { learningRate: 1e-3, precision: 'fp32', device: 'cpu', epochs: 1 },
      },
      grid,
    },
    { baseDir: dir },
  );
}

interface FakeTrainCall {
  id: string;
  spec: ResolvedTrainSpec;
}

/**
 * Stands in for trainLora: emits the events a real run emits and returns a result whose numbers depend
 * on the run, so the test can tell which run produced what. `script` decides per run and attempt.
 */
function fakeTrain(
  script: (id: string, attempt: number, options: TrainOptions) => 'succeed' | 'fail' | 'abort',
  onAbort?: () => void,
) {
  const calls: FakeTrainCall[] = [];
  const train = async (
    spec: TrainSpec | ResolvedTrainSpec,
    options: TrainOptions = {},
  ): Promise<TrainResult> => {
    const resolved = spec as ResolvedTrainSpec;
    const id = resolved.name;
    calls.push({ id, spec: resolved });
    const attempt = calls.filter((call) => call.id === id).length;
    options.onEvent?.({ type: 'train-start', totalSteps: 4, stepsPerEpoch: 4, startStep: 0 });
    options.onEvent?.({ type: 'step-end', step: 1, totalSteps: 4, epoch: 0.25, loss: 2.5 });
    const action = script(id, attempt, options);
    if (action === 'fail') throw new Error(`CUDA out of memory in ${id}`);
    if (action === 'abort') {
      onAbort?.();
      // trainLora stops at the next step with a checkpoint and resolves `cancelled`.
      expect(options.signal?.aborted).toBe(true);
      return { backend: 'local', status: 'cancelled', steps: 1, finalLoss: 2.5 };
    }
    const rank = resolved.local.rank;
    const result: TrainResult = {
      backend: 'local',
      status: 'succeeded',
      steps: 4,
      finalLoss: 1 + rank / 100,
      validationLoss: 1.5 + rank / 100,
      adapterDir: join(resolved.outputDir, 'adapter'),
    };
    options.onEvent?.({ type: 'done', result });
    return result;
  };
  return { train, calls };
}

async function readState(sweepDir: string): Promise<SweepState> {
  return JSON.parse(await readFile(join(sweepDir, 'sweep-state.json'), 'utf8')) as SweepState;
}

function statuses(state: SweepState): Record<string, string> {
  return Object.fromEntries(state.runs.map((run) => [run.id, run.status]));
}

describe('runSweep', () => {
  it('records a failed run and goes on, stops on abort, and resumes only what is left', async () => {
    const spec = sweep('resume');
    const controller = new AbortController();
    const first = fakeTrain(
      (id, attempt) => {
        if (id === 'r8-n8' && attempt === 1) return 'fail';
        if (id === 'r16-n8') return 'abort';
        return 'succeed';
      },
      () => controller.abort(new Error('Ctrl-C')),
    );
    const events: SweepEvent[] = [];
    const summary = await runSweep(spec, {
      train: first.train,
      signal: controller.signal,
      onEvent: (event) => events.push(event),
    });

    expect(first.calls.map((call) => call.id)).toEqual(['r8-n4', 'r8-n8', 'r16-n4', 'r16-n8']);
    // Each run got its own folder and its grid values.
    expect(first.calls[2]?.spec.outputDir).toBe(join(dir, 'resume', 'runs', 'r16-n4'));
    expect(first.calls[2]?.spec.local.rank).toBe(16);
    expect(first.calls[2]?.spec.dataset.split).toBe('train-4');
    expect(summary.status).toBe('cancelled');
    expect(summary.ran).toEqual(['r8-n4', 'r8-n8', 'r16-n4', 'r16-n8']);
    expect(summary.skipped).toEqual([]);
    expect(summary.counts).toEqual({ pending: 2, running: 0, succeeded: 2, failed: 1, cancelled: 1 });

    const state = await readState(join(dir, 'resume'));
    expect(state.schemaVersion).toBe(1);
    expect(state.name).toBe('resume');
    expect(statuses(state)).toEqual({
      'r8-n4': 'succeeded',
      'r8-n8': 'failed',
      'r16-n4': 'succeeded',
      'r16-n8': 'cancelled',
      'r32-n4': 'pending',
      'r32-n8': 'pending',
    });
    const [r8n4, r8n8, , r16n8, r32n4] = state.runs;
    expect(r8n4).toMatchObject({
      outputDir: 'runs/r8-n4',
      settings: { rank: 8, subset: 'train-4' },
      configuration: { backend: 'local', split: 'train-4', rank: 8, learningRate: 1e-3, precision: 'fp32' },
      trainingSamples: 4,
      attempts: 1,
      result: { status: 'succeeded', steps: 4, finalLoss: 1.08, validationLoss: 1.58 },
    });
    expect(r8n4?.error).toBeUndefined();
    expect(r8n8).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { name: 'Error', message: 'CUDA out of memory in r8-n8' },
    });
    expect(r8n8?.result).toBeUndefined();
    expect(r16n8).toMatchObject({
      status: 'cancelled',
      attempts: 1,
      result: { status: 'cancelled', steps: 1 },
    });
    expect(r32n4).toMatchObject({ status: 'pending', attempts: 0, trainingSamples: 4 });
    expect(r32n4?.startedAt).toBeUndefined();

    // Events: lifecycle per run, train events wrapped with the run id, sweep-end last.
    const lifecycle = events
      .filter((event) => event.type !== 'train')
      .map((event) =>
        event.type === 'sweep-end'
          ? `sweep-end:${event.summary.status}`
          : `${event.type}:${event.runId}${event.type === 'run-end' ? `:${event.status}` : ''}`,
      );
    expect(lifecycle).toEqual([
      'run-start:r8-n4',
      'run-end:r8-n4:succeeded',
      'run-start:r8-n8',
      'run-failed:r8-n8',
      'run-start:r16-n4',
      'run-end:r16-n4:succeeded',
      'run-start:r16-n8',
      'run-end:r16-n8:cancelled',
      'sweep-end:cancelled',
    ]);
    const start = events.find((event) => event.type === 'run-start' && event.runId === 'r8-n8');
    expect(start).toMatchObject({ index: 1, total: 6, queuePosition: 2, queueLength: 6, attempt: 1 });
    const failed = events.find((event) => event.type === 'run-failed');
    expect(failed).toMatchObject({ runId: 'r8-n8', error: { message: 'CUDA out of memory in r8-n8' } });
    const trainEvents = events.filter((event) => event.type === 'train');
    expect(trainEvents).toHaveLength(4 * 2 + 2);
    expect(trainEvents[0]).toMatchObject({ runId: 'r8-n4', event: { type: 'train-start', totalSteps: 4 } });

    // The second call trains only what is left, in sweep order, and picks up the attempt counts.
    const second = fakeTrain(() => 'succeed');
    const events2: SweepEvent[] = [];
    const resumed = await runSweep(spec, { train: second.train, onEvent: (event) => events2.push(event) });
    expect(second.calls.map((call) => call.id)).toEqual(['r8-n8', 'r16-n8', 'r32-n4', 'r32-n8']);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.ran).toEqual(['r8-n8', 'r16-n8', 'r32-n4', 'r32-n8']);
    expect(resumed.skipped).toEqual(['r8-n4', 'r16-n4']);
    expect(resumed.counts).toEqual({ pending: 0, running: 0, succeeded: 6, failed: 0, cancelled: 0 });
    const after = await readState(join(dir, 'resume'));
    expect(after.createdAt).toBe(state.createdAt);
    expect(after.runs.map((run) => [run.id, run.attempts])).toEqual([
      ['r8-n4', 1],
      ['r8-n8', 2],
      ['r16-n4', 1],
      ['r16-n8', 2],
      ['r32-n4', 1],
      ['r32-n8', 1],
    ]);
    expect(after.runs[1]?.error).toBeUndefined();
    expect(after.runs[1]?.result?.finalLoss).toBe(1.08);
    // The untouched succeeded run keeps its original record.
    expect(after.runs[0]).toEqual(state.runs[0]);
    expect(events2.find((event) => event.type === 'run-start')).toMatchObject({
      runId: 'r8-n8',
      attempt: 2,
      queuePosition: 1,
      queueLength: 4,
    });

    // A third call has nothing to do.
    const third = fakeTrain(() => 'succeed');
    const idle = await runSweep(spec, { train: third.train });
    expect(third.calls).toEqual([]);
    expect(idle.status).toBe('succeeded');
    expect(idle.skipped).toHaveLength(6);

    // Only the state, the tables, the run folders' parent: no lock or temporary files left behind.
    expect((await readdir(join(dir, 'resume'))).sort()).toEqual([
      'results.csv',
      'results.md',
      'sweep-state.json',
    ]);
  });

  it('takes up a run left `running` by a crashed process', async () => {
    const spec = sweep('crash', { rank: [8, 16] });
    await runSweep(spec, { train: fakeTrain(() => 'succeed').train });
    const state = await readState(join(dir, 'crash'));
    state.runs[1]!.status = 'running';
    delete state.runs[1]!.result;
    await writeFile(join(dir, 'crash', 'sweep-state.json'), JSON.stringify(state));
    const again = fakeTrain(() => 'succeed');
    const summary = await runSweep(spec, { train: again.train });
    expect(again.calls.map((call) => call.id)).toEqual(['r16']);
    expect(summary.runs[1]).toMatchObject({ id: 'r16', status: 'succeeded', attempts: 2 });
  });

  it('stops at the first failure with stopOnFailure and leaves the rest pending', async () => {
    const fake = fakeTrain((id) => (id === 'r16' ? 'fail' : 'succeed'));
    const summary = await runSweep(sweep('stop', { rank: [8, 16, 32] }), {
      train: fake.train,
      stopOnFailure: true,
    });
    expect(fake.calls.map((call) => call.id)).toEqual(['r8', 'r16']);
    expect(summary.status).toBe('failed');
    expect(summary.runs.map((run) => run.status)).toEqual(['succeeded', 'failed', 'pending']);
  });

  it('without stopOnFailure ends `failed` after running every run', async () => {
    const fake = fakeTrain((id) => (id === 'r8' ? 'fail' : 'succeed'));
    const summary = await runSweep(sweep('go-on', { rank: [8, 16] }), { train: fake.train });
    expect(fake.calls.map((call) => call.id)).toEqual(['r8', 'r16']);
    expect(summary.status).toBe('failed');
    expect(summary.counts.failed).toBe(1);
    expect(summary.counts.succeeded).toBe(1);
  });

  it('records a run cancelled before training started (trainLora rejects) and stops', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const summary = await runSweep(sweep('early-cancel', { rank: [8, 16] }), {
      signal: controller.signal,
      train: async (spec) => {
        calls.push((spec as ResolvedTrainSpec).name);
        controller.abort();
        throw new CancelledError();
      },
    });
    expect(calls).toEqual(['r8']);
    expect(summary.status).toBe('cancelled');
    expect(summary.runs.map((run) => run.status)).toEqual(['cancelled', 'pending']);
    expect(summary.runs[0]?.error).toEqual({
      name: 'CancelledError',
      message: 'The operation was cancelled.',
    });
  });

  it('runs only the runs asked for', async () => {
    const fake = fakeTrain(() => 'succeed');
    const summary = await runSweep(sweep('only'), { train: fake.train, only: ['r32-n8', 'r8-n4'] });
    // Sweep order, not the order of `only`.
    expect(fake.calls.map((call) => call.id)).toEqual(['r8-n4', 'r32-n8']);
    expect(summary.status).toBe('succeeded');
    expect(summary.counts).toEqual({ pending: 4, running: 0, succeeded: 2, failed: 0, cancelled: 0 });
  });

  it('rejects bad options before touching the folder', async () => {
    const fake = fakeTrain(() => 'succeed');
    await expect(runSweep(sweep('bad-only'), { train: fake.train, only: ['r8-n5'] })).rejects.toThrow(
      /"r8-n5" is not a run of this sweep; its 6 run ids look like r8-n4, r8-n8, r16-n4/,
    );
    await expect(
      runSweep(sweep('bad-concurrency'), { train: fake.train, concurrency: 2 as 1 }),
    ).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'concurrency',
    );
    expect(fake.calls).toEqual([]);
    await expect(readdir(join(dir, 'bad-only'))).rejects.toThrow(/ENOENT/);
  });

  it('checks every split against the dataset manifest before the first run', async () => {
    const fake = fakeTrain(() => 'succeed');
    const error = await runSweep(sweep('missing-split', { rank: [8], subset: [4, 16] }), {
      train: fake.train,
    }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('grid.subset');
    expect((error as Error).message).toContain(
      'has no split train-16 (run r8-n16); it has train, train-4, train-8',
    );
    expect(fake.calls).toEqual([]);
  });

  it('refuses to resume when finished runs were trained with other settings', async () => {
    const spec = sweep('changed', { rank: [8] });
    await runSweep(spec, { train: fakeTrain(() => 'succeed').train });
    const changed = parseSweepSpec(
      {
        outputDir: 'changed',
        base: {
          backend: 'local',
          baseModel: 'tiny-llama',
          dataset: { path: 'dataset' },
          local: { learningRate: 1e-3, precision: 'fp32', device: 'cpu', epochs: 3 },
        },
        grid: { rank: [8] },
      },
      { baseDir: dir },
    );
    const fake = fakeTrain(() => 'succeed');
    await expect(runSweep(changed, { train: fake.train })).rejects.toThrow(
      /holds finished runs trained with other settings than the sweep file now gives: r8 \(local\.epochs\)/,
    );
    expect(fake.calls).toEqual([]);
    // A new grid value on the same sweep is fine: only the new run trains.
    const extended = sweep('changed', { rank: [8, 16] });
    const more = fakeTrain(() => 'succeed');
    await runSweep(extended, { train: more.train });
    expect(more.calls.map((call) => call.id)).toEqual(['r16']);
  });

  it('refuses a second sweep on a folder that is in use', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const spec = sweep('locked', { rank: [8] });
    const first = runSweep(spec, {
      train: async () => {
        started();
        await gate;
        return { backend: 'local', status: 'succeeded', steps: 1 };
      },
    });
    await running;
    await expect(runSweep(spec, { train: fakeTrain(() => 'succeed').train })).rejects.toThrow(
      new RegExp(`is in use by another sweep \\(pid ${process.pid}`),
    );
    release();
    expect((await first).status).toBe('succeeded');
    // The lock is released afterwards.
    expect((await runSweep(spec, { train: fakeTrain(() => 'succeed').train })).skipped).toEqual(['r8']);
  });
});
