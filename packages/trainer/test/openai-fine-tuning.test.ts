import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiCallError, CancelledError, InvalidArgumentError, systemPromptPresets } from '@tonekit/core';
import { defaultLossCurve, type FakeOpenAIServer, startFakeOpenAIServer } from '@tonekit/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fineTuneWithOpenAI } from '../src/openai/fine-tune-with-openai.js';
import { FineTuningJobError } from '../src/openai/fine-tuning-job-error.js';
import type { OpenAIJobState } from '../src/openai/openai-job-state.js';
import { trainWithOpenAI } from '../src/openai/train-with-openai.js';
import type { TrainEvent } from '../src/train-spec.js';
import { writeToneDataset } from './support/tone-dataset.js';

const apiKey = 'sk-test-fine-tuning';
const model = 'gpt-4o-mini-2024-07-18';
let root: string;
let trainFile: string;
let validationFile: string;
let trainText: string;
let validationText: string;
let server: FakeOpenAIServer | undefined;
let runs = 0;

function chatLines(count: number, prefix: string): string {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      messages: [
        { role: 'system', content: systemPromptPresets.concise },
        { role: 'user', content: `${prefix} question ${index}?` },
        { role: 'assistant', content: `${prefix} answer ${index}.` },
      ],
    }),
  )
    .map((line) => `${line}\n`)
    .join('');
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tonekit-openai-ft-'));
  trainFile = join(root, 'train.jsonl');
  validationFile = join(root, 'validation.jsonl');
  trainText = chatLines(12, 'train');
  validationText = chatLines(4, 'validation');
  await writeFile(trainFile, trainText);
  await writeFile(validationFile, validationText);
});
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(settings: Parameters<typeof startFakeOpenAIServer>[0] = {}) {
  server = await startFakeOpenAIServer({ apiKey, ...settings });
  return server;
}

/** A fresh run folder per call site. */
function newOutputDir(name = `run-${++runs}`) {
  return join(root, name);
}

function collect() {
  const events: TrainEvent[] = [];
  return { events, onEvent: (event: TrainEvent) => events.push(event) };
}

const withoutLogs = (events: TrainEvent[]) => events.filter((event) => event.type !== 'log');
const logs = (events: TrainEvent[]) =>
  events.flatMap((event) => (event.type === 'log' ? [event.message] : []));
const steps = (events: TrainEvent[]) =>
  events.flatMap((event) => (event.type === 'step-end' ? [event.step] : []));

async function readState(outputDir: string): Promise<OpenAIJobState> {
  return JSON.parse(await readFile(join(outputDir, 'openai-job.json'), 'utf8')) as OpenAIJobState;
}

function run(
  url: string,
  outputDir: string,
  extra: Partial<Parameters<typeof fineTuneWithOpenAI>[0]> = {},
  openai: Record<string, unknown> = {},
) {
  return fineTuneWithOpenAI({
    trainFile,
    validationFile,
    baseModel: model,
    outputDir,
    ...extra,
    openai: { apiKey, baseURL: url, pollIntervalMs: 2, ...openai },
  });
}

const count = (endpoint: string) =>
  server!.requests.filter((request) => request.endpoint === endpoint).length;

describe('fineTuneWithOpenAI against the fake OpenAI server', () => {
  it('uploads the files, creates a job with the paper’s hyper-parameters, maps its events in order, and returns the model id', async () => {
    const { url, files, fineTuningJobs } = await start();
    const outputDir = newOutputDir('tone-run');
    const { events, onEvent } = collect();
    const result = await run(url, outputDir, { onEvent });

    // The uploads: both files, byte for byte, with purpose fine-tune.
    const uploads = files.filter((file) => file.purpose === 'fine-tune');
    expect(uploads.map((file) => [file.filename, file.content.toString('utf8')])).toEqual([
      ['train.jsonl', trainText],
      ['validation.jsonl', validationText],
    ]);
    expect(server!.requests.every((request) => request.headers.authorization === `Bearer ${apiKey}`)).toBe(
      true,
    );

    // The job: supervised, seed 713, batch 32, lr multiplier 1.0, 5 epochs; suffix from the folder name.
    expect(fineTuningJobs).toHaveLength(1);
    expect(fineTuningJobs[0]!.request).toEqual({
      model,
      training_file: uploads[0]!.id,
      validation_file: uploads[1]!.id,
      method: {
        type: 'supervised',
        supervised: { hyperparameters: { batch_size: 32, learning_rate_multiplier: 1, n_epochs: 5 } },
      },
      seed: 713,
      suffix: 'tone-run',
      metadata: { tonekit_run_key: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });

    // 12 examples in batches of 32: 1 step per epoch, 5 steps; a checkpoint after each epoch.
    const curve = (step: number) => defaultLossCurve(step, 5);
    const expected: TrainEvent[] = [
      { type: 'train-start', totalSteps: 5, stepsPerEpoch: 1, startStep: 0 } as TrainEvent,
    ];
    for (let step = 1; step <= 5; step++) {
      expected.push(
        { type: 'step-end', step, totalSteps: 5, epoch: step, loss: curve(step).trainLoss } as TrainEvent,
        { type: 'eval-end', step, epoch: step, validationLoss: curve(step).validLoss } as TrainEvent,
        {
          type: 'checkpoint-save',
          step,
          path: `ft:${model}:tonekit-fake:tone-run:fake000001:ckpt-step-${step}`,
        } as TrainEvent,
      );
    }
    const modelId = `ft:${model}:tonekit-fake:tone-run:fake000001`;
    const expectedResult = {
      backend: 'openai',
      status: 'succeeded',
      steps: 5,
      finalLoss: curve(5).trainLoss,
      validationLoss: curve(5).validLoss,
      modelId,
      jobId: 'ftjob-fake000001',
      // 12 examples × 10 words of content × 5 epochs (the fake counts words).
      trainedTokens: 12 * (systemPromptPresets.concise.split(' ').length + 3 + 3) * 5,
    };
    expected.push({ type: 'done', result: expectedResult } as TrainEvent);
    const stripped = withoutLogs(events).map(({ timestamp, ...event }) => {
      expect(timestamp).toEqual(expect.any(Number));
      return event;
    });
    expect(stripped).toEqual(expected);
    expect(result).toEqual(expectedResult);

    // OpenAI's own messages arrive as logs, in the order the job emitted them.
    const openAIMessages = fineTuningJobs[0]!.events
      .filter((event) => event.type === 'message')
      .map((e) => e.message);
    expect(logs(events).filter((message) => openAIMessages.includes(message))).toEqual(openAIMessages);
    expect(logs(events)).toContain(`Created OpenAI fine-tuning job ftjob-fake000001 on ${model}.`);

    // The state records files, job and the last event seen.
    const state = await readState(outputDir);
    expect(state.job).toMatchObject({ id: 'ftjob-fake000001', status: 'succeeded' });
    expect(state.files.train).toMatchObject({ fileId: uploads[0]!.id, bytes: Buffer.byteLength(trainText) });
    expect(state.files.train!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(state.progress.lastEventId).toBe(fineTuningJobs[0]!.events.at(-1)!.id);
    expect(state.modelId).toBe(modelId);
  });

  it('answers a re-run of a finished run from its job, with no new upload, job or step events', async () => {
    const { url } = await start();
    const outputDir = newOutputDir();
    const first = await run(url, outputDir);
    const requestsBefore = server!.requests.length;
    const { events, onEvent } = collect();
    const second = await run(url, outputDir, { onEvent });
    expect(second).toEqual(first);
    expect(server!.fineTuningJobs).toHaveLength(1);
    expect(count('files-create')).toBe(2);
    expect(steps(events)).toEqual([]);
    expect(withoutLogs(events).map((event) => event.type)).toEqual(['done']);
    expect(server!.requests.slice(requestsBefore).map((request) => request.endpoint)).toEqual([
      'fine-tuning-jobs-retrieve',
      'fine-tuning-jobs-retrieve',
      'fine-tuning-jobs-checkpoints',
      'fine-tuning-jobs-events',
    ]);
  });

  it('reports a failed job with OpenAI’s code and message, then a re-run creates a new job without re-uploading', async () => {
    const { url } = await start({
      fineTuning: { fail: { atStep: 3, code: 'server_error', message: 'The GPU caught fire.' } },
    });
    const outputDir = newOutputDir();
    const { events, onEvent } = collect();
    const error = await run(url, outputDir, { onEvent }).catch((caught: unknown) => caught);
    expect(FineTuningJobError.isInstance(error)).toBe(true);
    const failure = error as FineTuningJobError;
    expect(failure.jobId).toBe('ftjob-fake000001');
    expect(failure.code).toBe('server_error');
    expect(failure.reason).toBe('The GPU caught fire.');
    expect(failure.message).toBe(
      'OpenAI fine-tuning job ftjob-fake000001 failed (server_error): The GPU caught fire.',
    );
    expect(steps(events)).toEqual([1, 2]);
    expect(events.some((event) => event.type === 'done')).toBe(false);
    expect((await readState(outputDir)).job).toMatchObject({ id: 'ftjob-fake000001', status: 'failed' });

    server!.setFineTuning(undefined);
    const retry = collect();
    const result = await run(url, outputDir, { onEvent: retry.onEvent });
    expect(result.status).toBe('succeeded');
    expect(result.jobId).toBe('ftjob-fake000002');
    expect(server!.fineTuningJobs).toHaveLength(2);
    expect(count('files-create')).toBe(2);
    expect(logs(retry.events)).toContain(
      'The previous OpenAI job ftjob-fake000001 failed; starting a new one.',
    );
    expect(logs(retry.events).filter((message) => message.startsWith('Reusing uploaded'))).toHaveLength(2);
    expect(steps(retry.events)).toEqual([1, 2, 3, 4, 5]);
    expect((await readState(outputDir)).previousJobs).toEqual([{ id: 'ftjob-fake000001', status: 'failed' }]);
  });

  it('stops before uploading anything when the data breaks OpenAI’s rules', async () => {
    const { url } = await start();
    const badFile = join(root, 'bad.jsonl');
    await writeFile(badFile, `${chatLines(8, 'x')}{"messages": [{"role": "user", "content": "q"}]}\n`);
    const error = await run(url, newOutputDir(), { trainFile: badFile }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('dataset');
    expect((error as Error).message).toContain('example_missing_assistant_message ×1 (line 9;');
    expect((error as Error).message).toContain(
      'too_few_examples ×1: 9 example(s); OpenAI requires at least 10.',
    );
    expect(server!.requests).toEqual([]);
  });

  it('cancels the job when the signal fires during training and resolves as cancelled', async () => {
    const { url } = await start();
    const controller = new AbortController();
    const { events, onEvent } = collect();
    const result = await run(url, newOutputDir(), {
      signal: controller.signal,
      onEvent: (event) => {
        onEvent(event);
        if (event.type === 'step-end' && event.step === 2) controller.abort();
      },
    });
    expect(result).toMatchObject({
      backend: 'openai',
      status: 'cancelled',
      steps: 2,
      jobId: 'ftjob-fake000001',
    });
    expect(result.modelId).toBeUndefined();
    expect(count('fine-tuning-jobs-cancel')).toBe(1);
    expect(server!.fineTuningJobs[0]!.object.status).toBe('cancelled');
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { status: 'cancelled' } });
    expect(logs(events)).toContain('Cancelled OpenAI fine-tuning job ftjob-fake000001.');
  });

  it('rejects with CancelledError, uploading nothing, when the signal fired before the job existed', async () => {
    const { url } = await start();
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    const error = await run(url, newOutputDir(), { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(server!.requests).toEqual([]);
  });

  it('re-attaches after a "restart": no second job, no second upload, events resume without duplicates', async () => {
    const { url } = await start();
    const outputDir = newOutputDir();
    const controller = new AbortController();
    const first = collect();
    const stopped = await run(url, outputDir, {
      signal: controller.signal,
      cancelJobOnAbort: false,
      onEvent: (event) => {
        first.onEvent(event);
        if (event.type === 'step-end' && event.step === 2) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(stopped)).toBe(true);
    expect(count('fine-tuning-jobs-cancel')).toBe(0);
    expect(server!.fineTuningJobs[0]!.object.status).toBe('running');
    expect(steps(first.events)).toEqual([1, 2]);
    expect((await readState(outputDir)).progress.lastStep).toBe(2);

    const second = collect();
    const result = await run(url, outputDir, { onEvent: second.onEvent });
    expect(result.status).toBe('succeeded');
    expect(server!.fineTuningJobs).toHaveLength(1);
    expect(count('files-create')).toBe(2);
    expect(count('fine-tuning-jobs-create')).toBe(1);
    expect(steps(second.events)).toEqual([3, 4, 5]);
    expect(second.events.find((event) => event.type === 'train-start')).toMatchObject({
      startStep: 2,
      totalSteps: 5,
    });
    expect(logs(second.events)).toContain(
      'Re-attached to OpenAI fine-tuning job ftjob-fake000001 (running).',
    );
    // Every OpenAI event reported exactly once across both calls.
    const all = [...first.events, ...second.events];
    const checkpointSteps = all.flatMap((event) => (event.type === 'checkpoint-save' ? [event.step] : []));
    expect(checkpointSteps).toEqual([1, 2, 3, 4, 5]);
    const openAIMessages = server!.fineTuningJobs[0]!.events.filter((e) => e.type === 'message').map(
      (e) => e.message,
    );
    expect(logs(all).filter((message) => openAIMessages.includes(message))).toEqual(openAIMessages);
  });

  it('refuses to follow a running job created with other settings', async () => {
    const { url } = await start();
    const outputDir = newOutputDir();
    const controller = new AbortController();
    await run(url, outputDir, {
      signal: controller.signal,
      cancelJobOnAbort: false,
      onEvent: (event) => {
        if (event.type === 'train-start') controller.abort();
      },
    }).catch(() => undefined);
    const error = await run(url, outputDir, {}, { epochs: 3 }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('records OpenAI job ftjob-fake000001, still running');
    expect(server!.fineTuningJobs).toHaveLength(1);
  });

  it('retries 429 and 5xx answers on every endpoint it uses, and still creates exactly one job', async () => {
    const { url } = await start({
      faults: [
        { on: 'files-create', kind: 'status', status: 429, retryAfterMs: 1, times: 1 },
        { on: 'fine-tuning-jobs-create', kind: 'status', status: 500, times: 1 },
        { on: 'fine-tuning-jobs-retrieve', kind: 'status', status: 503, retryAfterMs: 1, times: 2 },
        { on: 'fine-tuning-jobs-events', kind: 'status', status: 429, retryAfterMs: 1, times: 1 },
        { on: 'fine-tuning-jobs-checkpoints', kind: 'status', status: 502, retryAfterMs: 1, times: 1 },
      ],
    });
    const result = await run(url, newOutputDir());
    expect(result).toMatchObject({ status: 'succeeded', steps: 5, jobId: 'ftjob-fake000001' });
    expect(server!.fineTuningJobs).toHaveLength(1);
    const faulted = server!.requests.filter((request) => request.fault === 'status');
    expect(faulted.map((request) => [request.endpoint, request.status])).toEqual([
      ['files-create', 429],
      ['fine-tuning-jobs-create', 500],
      ['fine-tuning-jobs-retrieve', 503],
      ['fine-tuning-jobs-retrieve', 503],
      ['fine-tuning-jobs-checkpoints', 502],
      ['fine-tuning-jobs-events', 429],
    ]);
    // Before retrying the create, it looked for a job the failed request might have created.
    const createIndex = server!.requests.findIndex(
      (request) => request.endpoint === 'fine-tuning-jobs-create',
    );
    expect(server!.requests[createIndex + 1]!.endpoint).toBe('fine-tuning-jobs-list');
    expect(server!.requests[createIndex + 1]!.path).toContain('metadata%5Btonekit_run_key%5D=');
  });

  it('adopts the job a create request made even when its answer was lost, instead of creating a second', async () => {
    const { url } = await start();
    let dropped = false;
    // Forwards the first create, then loses the answer, as a connection reset after the server acted would.
    const lossyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!dropped && init?.method === 'POST' && String(input).endsWith('/fine_tuning/jobs')) {
        dropped = true;
        throw new TypeError('fetch failed');
      }
      return response;
    };
    const result = await run(url, newOutputDir(), { fetch: lossyFetch });
    expect(dropped).toBe(true);
    expect(result.status).toBe('succeeded');
    expect(server!.fineTuningJobs).toHaveLength(1);
    expect(count('fine-tuning-jobs-create')).toBe(1);
  });

  it('finds the job of an interrupted creation on the next run through its run key', async () => {
    const { url } = await start();
    const outputDir = newOutputDir();
    const lossyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/fine_tuning/jobs'))
        throw new TypeError('fetch failed');
      return response;
    };
    const error = await run(url, outputDir, { fetch: lossyFetch }, { maxRetries: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(ApiCallError.isInstance(error)).toBe(true);
    const state = await readState(outputDir);
    expect(state.job?.id).toBeUndefined();
    expect(state.job?.runKey).toEqual(expect.any(String));
    expect(server!.fineTuningJobs).toHaveLength(1);

    const result = await run(url, outputDir, {}, { maxRetries: 0 });
    expect(result).toMatchObject({ status: 'succeeded', jobId: 'ftjob-fake000001' });
    expect(server!.fineTuningJobs).toHaveLength(1);
    expect(count('files-create')).toBe(2);
  });

  it('rejects bad options before any request, naming the option', async () => {
    const { url } = await start();
    const outputDir = newOutputDir();
    const attempts: [Record<string, unknown>, string][] = [
      [{ batchSize: 0 }, 'openai.batchSize'],
      [{ epochs: 1.5 }, 'openai.epochs'],
      [{ learningRateMultiplier: 0 }, 'openai.learningRateMultiplier'],
      [{ suffix: 'x'.repeat(65) }, 'openai.suffix'],
      [{ pollIntervalMs: -1 }, 'openai.pollIntervalMs'],
    ];
    for (const [openai, argument] of attempts) {
      const error = await run(url, outputDir, {}, openai).catch((caught: unknown) => caught);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    const noKey = await fineTuneWithOpenAI({ trainFile, baseModel: model, outputDir }).catch(
      (caught: unknown) => caught,
    );
    expect((noKey as InvalidArgumentError).argument).toBe('openai.apiKey');
    expect((noKey as Error).message).toContain('OPENAI_API_KEY');
    expect(server!.requests).toEqual([]);
  });
});

describe('trainWithOpenAI', () => {
  it('prepares the dataset folder, uploads exactly the prepared files and trains with the spec’s settings', async () => {
    const { url, files, fineTuningJobs } = await start();
    const datasetDir = join(root, 'dataset');
    await writeToneDataset(datasetDir, { count: 24, validationSize: 6, subsetSizes: [4, 12] });
    const outputDir = newOutputDir('tone-subset');
    const { events, onEvent } = collect();
    const result = await trainWithOpenAI(
      {
        backend: 'openai',
        name: 'voice tone/v1',
        dataset: { path: datasetDir, split: 'train-12' },
        baseModel: model,
        outputDir,
        openai: { apiKey, baseURL: url, pollIntervalMs: 2, epochs: 2, batchSize: 4 },
      },
      { onEvent },
    );
    const prepared = {
      train: await readFile(join(outputDir, 'data', 'train.jsonl'), 'utf8'),
      validation: await readFile(join(outputDir, 'data', 'validation.jsonl'), 'utf8'),
    };
    expect(prepared.train.trim().split('\n')).toHaveLength(12);
    expect(JSON.parse(prepared.train.split('\n')[0]!).messages[0]).toEqual({
      role: 'system',
      content: systemPromptPresets.concise,
    });
    expect(
      files.filter((file) => file.purpose === 'fine-tune').map((file) => file.content.toString('utf8')),
    ).toEqual([prepared.train, prepared.validation]);
    expect(events[0]).toMatchObject({
      type: 'prepare-end',
      trainExamples: 12,
      validationExamples: 6,
      skippedExamples: 0,
    });
    expect(fineTuningJobs[0]!.request).toMatchObject({
      method: {
        supervised: { hyperparameters: { batch_size: 4, learning_rate_multiplier: 1, n_epochs: 2 } },
      },
      seed: 713,
      // The run name, with characters OpenAI does not take in a suffix replaced.
      suffix: 'voice-tone-v1',
    });
    // 12 examples / batch 4 = 3 steps per epoch, 2 epochs.
    expect(events.find((event) => event.type === 'train-start')).toMatchObject({
      totalSteps: 6,
      stepsPerEpoch: 3,
    });
    expect(steps(events)).toEqual([1, 2, 3, 4, 5, 6]);
    const epochs = events.flatMap((event) => (event.type === 'step-end' ? [event.epoch] : []));
    expect(epochs).toEqual([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2]);
    expect(events.filter((event) => event.type === 'checkpoint-save').map((event) => event.step)).toEqual([
      3, 6,
    ]);
    expect(result).toMatchObject({
      status: 'succeeded',
      steps: 6,
      modelId: `ft:${model}:tonekit-fake:voice-tone-v1:fake000001`,
    });

    // Same spec again: re-attaches to the finished job before preparing anything.
    const again = collect();
    await trainWithOpenAI(
      {
        backend: 'openai',
        name: 'voice tone/v1',
        dataset: { path: datasetDir, split: 'train-12' },
        baseModel: model,
        outputDir,
        openai: { apiKey, baseURL: url, pollIntervalMs: 2, epochs: 2, batchSize: 4 },
      },
      { onEvent: again.onEvent },
    );
    expect(again.events.some((event) => event.type === 'prepare-end')).toBe(false);
    expect(fineTuningJobs).toHaveLength(1);
  });

  it('refuses a spec of the local backend', async () => {
    await expect(
      trainWithOpenAI({
        backend: 'local',
        dataset: { path: root },
        baseModel: model,
        outputDir: newOutputDir(),
      }),
    ).rejects.toMatchObject({ argument: 'spec.backend' });
  });
});
