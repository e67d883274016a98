import { type FakeOpenAIServer, startFakeOpenAIServer } from '@tonekit/test-kit';
import { afterEach, describe, expect, it } from 'vitest';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(settings: Parameters<typeof startFakeOpenAIServer>[0] = {}) {
  server = await startFakeOpenAIServer(settings);
  return server;
}

/** API answers, read loosely: the assertions check their shape. */
interface Json {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers navigated by the assertions themselves.
  [key: string]: any;
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** Uploads like the SDK does: multipart/form-data with `purpose` and `file`. */
async function upload(url: string, content: string, filename = 'train.jsonl', purpose = 'fine-tune') {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new Blob([content], { type: 'application/jsonl' }), filename);
  const response = await fetch(`${url}/files`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Json };
}

function chatLines(count: number, prefix = 'q'): string {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `${prefix} ${index}` },
        { role: 'assistant', content: `answer ${index}` },
      ],
    }),
  )
    .map((line) => `${line}\n`)
    .join('');
}

const supervised = (hyperparameters: Record<string, unknown>) => ({
  type: 'supervised',
  supervised: { hyperparameters },
});

async function createJob(url: string, body: Record<string, unknown>) {
  return call(url, 'POST', '/fine_tuning/jobs', { model: 'gpt-4o-mini-2024-07-18', ...body });
}

describe('fake OpenAI files', () => {
  it('stores a multipart upload with its bytes and answers it by id', async () => {
    const { url, files } = await start();
    const content = chatLines(10);
    const uploaded = await upload(url, content);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({
      object: 'file',
      id: 'file-fake000001',
      purpose: 'fine-tune',
      filename: 'train.jsonl',
      bytes: Buffer.byteLength(content),
      status: 'processed',
    });
    expect(files).toHaveLength(1);
    expect(files[0]!.content.toString('utf8')).toBe(content);
    const retrieved = await call(url, 'GET', '/files/file-fake000001');
    expect(retrieved.body).toEqual(uploaded.body);
    const missing = await call(url, 'GET', '/files/file-nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('No such File object: file-nope');
    expect(server!.requests.map((request) => request.endpoint)).toEqual([
      'files-create',
      'files-retrieve',
      'files-retrieve',
    ]);
    expect(server!.requests[0]!.body).toEqual({
      purpose: 'fine-tune',
      file: { filename: 'train.jsonl', bytes: Buffer.byteLength(content) },
    });
  });

  it('rejects uploads without purpose, with an unknown purpose, or a fine-tune file that is not .jsonl', async () => {
    const { url } = await start();
    const noPurpose = new FormData();
    noPurpose.append('file', new Blob(['x']), 'a.jsonl');
    const response = await fetch(`${url}/files`, { method: 'POST', body: noPurpose });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).error).toMatchObject({
      param: 'purpose',
      type: 'invalid_request_error',
    });
    expect((await upload(url, 'x', 'a.jsonl', 'nonsense')).body.error.param).toBe('purpose');
    const csv = await upload(url, 'x', 'a.csv');
    expect(csv.status).toBe(400);
    expect(csv.body.error.message).toBe('Invalid file format for Fine-Tuning API. Must be .jsonl');
    const json = await fetch(`${url}/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
  });

  it('keeps files `uploaded` for fileProcessingPolls retrievals, and jobs refuse them until processed', async () => {
    const { url } = await start({ fineTuning: { fileProcessingPolls: 2 } });
    const file = (await upload(url, chatLines(10))).body;
    expect(file.status).toBe('uploaded');
    const early = await createJob(url, { training_file: file.id });
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ code: 'file_not_ready', param: 'training_file' });
    expect((await call(url, 'GET', `/files/${file.id}`)).body.status).toBe('uploaded');
    expect((await call(url, 'GET', `/files/${file.id}`)).body.status).toBe('uploaded');
    expect((await call(url, 'GET', `/files/${file.id}`)).body.status).toBe('processed');
    expect((await createJob(url, { training_file: file.id })).status).toBe(200);
  });
});

describe('fake OpenAI fine-tuning jobs', () => {
  it('validates the create body like the API: method type, hyper-parameters, files, suffix, unknown keys', async () => {
    const { url } = await start();
    const train = (await upload(url, chatLines(12))).body.id as string;
    const results = await Promise.all([
      createJob(url, { training_file: train, method: { type: 'distillation' } }),
      createJob(url, { training_file: train, method: supervised({ batch_size: 0 }) }),
      createJob(url, { training_file: train, method: supervised({ n_epochs: 51 }) }),
      createJob(url, { training_file: train, method: supervised({ learning_rate_multiplier: -1 }) }),
      createJob(url, { training_file: train, method: supervised({ warmup: 3 }) }),
      createJob(url, { training_file: 'file-missing' }),
      createJob(url, {}),
      createJob(url, { training_file: train, suffix: 'x'.repeat(65) }),
      createJob(url, { training_file: train, temperature: 1 }),
      createJob(url, { training_file: train, validation_file: 'file-missing' }),
      call(url, 'POST', '/fine_tuning/jobs', { training_file: train }),
      createJob(url, { training_file: train, method: { type: 'dpo' } }),
    ]);
    expect(results.map((result) => [result.status, result.body.error?.param])).toEqual([
      [400, 'method.type'],
      [400, 'method.supervised.hyperparameters.batch_size'],
      [400, 'method.supervised.hyperparameters.n_epochs'],
      [400, 'method.supervised.hyperparameters.learning_rate_multiplier'],
      [400, 'method.supervised.hyperparameters.warmup'],
      [400, 'training_file'],
      [400, 'training_file'],
      [400, 'suffix'],
      [400, 'temperature'],
      [400, 'validation_file'],
      [400, 'model'],
      [400, 'method.type'],
    ]);
    expect(results[0]!.body.error.message).toContain("Invalid value for 'method.type'");
    expect(results[0]!.body.error.type).toBe('invalid_request_error');
    expect(results[5]!.body.error.code).toBe('invalid_file_id');
    expect(server!.fineTuningJobs).toHaveLength(0);
  });

  it('walks validating_files → queued → running → succeeded, one tick per retrieval, with metrics, checkpoints and the model name', async () => {
    const { url, fineTuningJobs } = await start();
    const train = (await upload(url, chatLines(12))).body.id as string;
    const validation = (await upload(url, chatLines(4, 'v'), 'validation.jsonl')).body.id as string;
    const created = await createJob(url, {
      training_file: train,
      validation_file: validation,
      method: supervised({ batch_size: 4, learning_rate_multiplier: 1, n_epochs: 2 }),
      seed: 713,
      suffix: 'tone',
      metadata: { run: 'a' },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'fine_tuning.job',
      id: 'ftjob-fake000001',
      model: 'gpt-4o-mini-2024-07-18',
      status: 'validating_files',
      training_file: train,
      validation_file: validation,
      seed: 713,
      fine_tuned_model: null,
      hyperparameters: { batch_size: 4, learning_rate_multiplier: 1, n_epochs: 2 },
      method: { type: 'supervised' },
      metadata: { run: 'a' },
    });
    const id = created.body.id as string;
    const statuses: string[] = [];
    for (let poll = 0; poll < 8; poll++)
      statuses.push((await call(url, 'GET', `/fine_tuning/jobs/${id}`)).body.status);
    // 12 examples / batch 4 = 3 steps per epoch, 2 epochs: 6 steps after validating and queued.
    expect(statuses).toEqual([
      'queued',
      'running',
      'running',
      'running',
      'running',
      'running',
      'running',
      'succeeded',
    ]);
    const job = (await call(url, 'GET', `/fine_tuning/jobs/${id}`)).body;
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toBe('ft:gpt-4o-mini-2024-07-18:tonekit-fake:tone:fake000001');
    // 12 examples × 4 words of content (`q 3`, `answer 3`) × 2 epochs.
    expect(job.trained_tokens).toBe(12 * 4 * 2);
    expect(job.result_files).toHaveLength(1);
    expect(job.finished_at).toEqual(expect.any(Number));

    const metrics = fineTuningJobs[0]!.events.filter((event) => event.type === 'metrics');
    expect(metrics.map((event) => (event.data as Json).step)).toEqual([1, 2, 3, 4, 5, 6]);
    const first = metrics[0]!.data as Json;
    expect(first.total_steps).toBe(6);
    expect(first.train_loss).toBeCloseTo(0.4 + 2 * Math.exp(-0.5), 12);
    expect(first.valid_loss).toBeCloseTo(first.train_loss + 0.1, 12);
    expect(first.full_valid_loss).toBeUndefined();
    expect((metrics[5]!.data as Json).full_valid_loss).toBeCloseTo(0.4 + 2 * Math.exp(-3) + 0.1, 12);
    expect(metrics[0]!.message).toBe(
      `Step 1/6: training loss=${first.train_loss.toFixed(2)}, validation loss=${first.valid_loss.toFixed(2)}`,
    );
    const messages = fineTuningJobs[0]!.events
      .filter((event) => event.type === 'message')
      .map((e) => e.message);
    expect(messages).toEqual([
      'Created fine-tuning job: ftjob-fake000001',
      `Validating training file: ${train} and validation file: ${validation}`,
      'Files validated, moving job to queued state',
      'Fine-tuning job started',
      'Checkpoint created at step 3',
      'Checkpoint created at step 6',
      'New fine-tuned model created: ft:gpt-4o-mini-2024-07-18:tonekit-fake:tone:fake000001',
      'The job has successfully completed',
    ]);

    const checkpoints = (await call(url, 'GET', `/fine_tuning/jobs/${id}/checkpoints`)).body;
    expect(
      checkpoints.data.map((checkpoint: Json) => [
        checkpoint.step_number,
        checkpoint.fine_tuned_model_checkpoint,
      ]),
    ).toEqual([
      [6, 'ft:gpt-4o-mini-2024-07-18:tonekit-fake:tone:fake000001:ckpt-step-6'],
      [3, 'ft:gpt-4o-mini-2024-07-18:tonekit-fake:tone:fake000001:ckpt-step-3'],
    ]);
    const results = server!.files.find((file) => file.id === job.result_files[0]);
    expect(results?.purpose).toBe('fine-tune-results');
    expect(results?.content.toString('utf8').split('\n')[0]).toBe(
      'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy',
    );
  });

  it('lists events newest first and pages backwards with `after` and `limit`', async () => {
    const { url } = await start({ fineTuning: { stepsPerPoll: 10 } });
    const train = (await upload(url, chatLines(10))).body.id as string;
    const id = (
      await createJob(url, { training_file: train, method: supervised({ batch_size: 5, n_epochs: 1 }) })
    ).body.id as string;
    for (let poll = 0; poll < 3; poll++) await call(url, 'GET', `/fine_tuning/jobs/${id}`);
    const all = server!.fineTuningJobs[0]!.events.map((event) => event.id as string);
    expect(server!.fineTuningJobs[0]!.object.status).toBe('succeeded');
    const firstPage = (await call(url, 'GET', `/fine_tuning/jobs/${id}/events?limit=3`)).body;
    expect(firstPage.object).toBe('list');
    expect(firstPage.has_more).toBe(true);
    expect(firstPage.data.map((event: Json) => event.id)).toEqual(all.slice(-3).reverse());
    const after = firstPage.data[2].id as string;
    const rest = (await call(url, 'GET', `/fine_tuning/jobs/${id}/events?limit=100&after=${after}`)).body;
    expect(rest.has_more).toBe(false);
    expect(rest.data.map((event: Json) => event.id)).toEqual(all.slice(0, -3).reverse());
    expect((await call(url, 'GET', `/fine_tuning/jobs/${id}/events?after=ftevent-nope`)).status).toBe(400);
    expect((await call(url, 'GET', `/fine_tuning/jobs/${id}/events?limit=101`)).status).toBe(400);
    expect((await call(url, 'GET', '/fine_tuning/jobs/ftjob-nope/events')).status).toBe(404);
  });

  it('fails at the configured step with the configured error', async () => {
    const { url } = await start({
      fineTuning: { stepsPerPoll: 2, fail: { atStep: 3, code: 'server_error', message: 'GPU on fire' } },
    });
    const train = (await upload(url, chatLines(10))).body.id as string;
    const id = (
      await createJob(url, { training_file: train, method: supervised({ batch_size: 2, n_epochs: 1 }) })
    ).body.id as string;
    let job: Json = {};
    for (let poll = 0; poll < 5 && job.status !== 'failed'; poll++)
      job = (await call(url, 'GET', `/fine_tuning/jobs/${id}`)).body;
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ code: 'server_error', message: 'GPU on fire', param: null });
    expect(job.fine_tuned_model).toBeNull();
    const steps = server!.fineTuningJobs[0]!.events.filter((event) => event.type === 'metrics').map(
      (e) => (e.data as Json).step,
    );
    expect(steps).toEqual([1, 2]);
    expect(server!.fineTuningJobs[0]!.events.at(-1)).toMatchObject({
      level: 'error',
      message: 'GPU on fire',
    });
  });

  it('fails while validating files that have fewer than 10 examples or a line without messages', async () => {
    const { url } = await start();
    const small = (await upload(url, chatLines(5))).body.id as string;
    const broken = (await upload(url, `${chatLines(10)}{"prompt": "x"}\n`)).body.id as string;
    const smallJob = (await createJob(url, { training_file: small })).body.id as string;
    const brokenJob = (await createJob(url, { training_file: broken })).body.id as string;
    const smallResult = (await call(url, 'GET', `/fine_tuning/jobs/${smallJob}`)).body;
    expect(smallResult.status).toBe('failed');
    expect(smallResult.error.code).toBe('invalid_training_file');
    expect(smallResult.error.message).toContain(
      'Training file has 5 example(s), but must have at least 10 examples',
    );
    const brokenResult = (await call(url, 'GET', `/fine_tuning/jobs/${brokenJob}`)).body;
    expect(brokenResult.error).toMatchObject({ code: 'invalid_training_file', param: 'training_file' });
    expect(brokenResult.error.message).toContain('Line 11');
  });

  it('cancels a running job once, and lists jobs newest first filtered by metadata', async () => {
    const { url } = await start();
    const train = (await upload(url, chatLines(10))).body.id as string;
    const a = (await createJob(url, { training_file: train, metadata: { key: 'a' } })).body.id as string;
    const b = (await createJob(url, { training_file: train, metadata: { key: 'b' } })).body.id as string;
    for (let poll = 0; poll < 3; poll++) await call(url, 'GET', `/fine_tuning/jobs/${a}`);
    const cancelled = await call(url, 'POST', `/fine_tuning/jobs/${a}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await call(url, 'GET', `/fine_tuning/jobs/${a}`)).body.status).toBe('cancelled');
    const again = await call(url, 'POST', `/fine_tuning/jobs/${a}/cancel`);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe(`Job has already been cancelled: ${a}`);
    const all = (await call(url, 'GET', '/fine_tuning/jobs')).body;
    expect(all.data.map((job: Json) => job.id)).toEqual([b, a]);
    const onlyB = (
      await call(url, 'GET', `/fine_tuning/jobs?${new URLSearchParams({ 'metadata[key]': 'b' })}`)
    ).body;
    expect(onlyB.data.map((job: Json) => job.id)).toEqual([b]);
  });

  it('advances by time with stepIntervalMs, whatever the number of retrievals', async () => {
    const { url } = await start({ fineTuning: { stepIntervalMs: 20 } });
    const train = (await upload(url, chatLines(10))).body.id as string;
    const id = (
      await createJob(url, { training_file: train, method: supervised({ batch_size: 5, n_epochs: 2 }) })
    ).body.id as string;
    expect((await call(url, 'GET', `/fine_tuning/jobs/${id}`)).body.status).toBe('validating_files');
    // 2 ticks of status + 4 steps = 6 ticks of 20 ms.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const job = (await call(url, 'GET', `/fine_tuning/jobs/${id}`)).body;
    expect(job.status).toBe('succeeded');
    expect(server!.fineTuningJobs[0]!.step).toBe(4);
  });

  it('lets faults target the fine-tuning routes; a faulted retrieval does not advance the job', async () => {
    const { url } = await start({
      faults: [{ on: 'fine-tuning-jobs-retrieve', kind: 'status', status: 500, times: 2 }],
    });
    const train = (await upload(url, chatLines(10))).body.id as string;
    const id = (await createJob(url, { training_file: train })).body.id as string;
    const first = await call(url, 'GET', `/fine_tuning/jobs/${id}`);
    const second = await call(url, 'GET', `/fine_tuning/jobs/${id}`);
    const third = await call(url, 'GET', `/fine_tuning/jobs/${id}`);
    expect([first.status, second.status, third.status]).toEqual([500, 500, 200]);
    expect(first.body.error.type).toBe('server_error');
    expect(third.body.status).toBe('queued');
    expect(server!.requests.filter((request) => request.fault === 'status').map((r) => r.endpoint)).toEqual([
      'fine-tuning-jobs-retrieve',
      'fine-tuning-jobs-retrieve',
    ]);
  });
});
