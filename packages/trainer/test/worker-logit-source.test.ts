import {
  CancelledError,
  InvalidArgumentError,
  type LogitSequence,
  ModelLoadError,
  WorkerError,
} from '@tonekit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PythonWorker } from '../src/worker/python-worker.js';
import {
  createWorkerLogitSources,
  type WorkerLogitSources,
} from '../src/worker-logit-source/create-worker-logit-sources.js';
import {
  type FakeModelWorker,
  fakeVocabularySize,
  modelLogProbs,
  writeFakeModelWorker,
} from './fake-model-worker.js';
import { rejectionOf } from './rejection-of.js';

let fake: FakeModelWorker;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  fake = await writeFakeModelWorker();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await fake.cleanup();
});

interface Setup {
  worker: PythonWorker;
  blend: WorkerLogitSources;
  /** Methods of every request sent so far, in order. */
  methods(): string[];
  /** Every request sent: method and params. */
  requests: Array<{ method: string; params: Record<string, unknown> }>;
}

async function setup(env: Record<string, string> = {}, includeBase = true): Promise<Setup> {
  const worker = await PythonWorker.start({
    command: fake.command,
    env: { FAKE_STEP_DELAY_MS: '20', ...env },
  });
  cleanups.push(() => worker.close());
  const requests: Setup['requests'] = [];
  const original = worker.request.bind(worker);
  vi.spyOn(worker, 'request').mockImplementation((method, params, options) => {
    requests.push({ method, params: params ?? {} });
    return original(method, params, options);
  });
  const blend = await createWorkerLogitSources({
    worker,
    model: 'tiny',
    adapters: [
      { name: 'ed', path: '/adapters/ed' },
      { name: 'wow', path: '/adapters/wow' },
    ],
    includeBase,
  });
  cleanups.push(() => blend.dispose());
  return {
    worker,
    blend,
    requests,
    methods: () => requests.map((request) => request.method),
  };
}

const adapters = ['ed', 'wow', null] as const;

describe('createWorkerLogitSources', () => {
  it('makes one source per adapter then the base, with the tokenizer from load_model', async () => {
    const { blend, requests } = await setup();
    expect(requests[0]).toEqual({
      method: 'load_model',
      params: {
        model: 'tiny',
        adapters: [
          { name: 'ed', path: '/adapters/ed' },
          { name: 'wow', path: '/adapters/wow' },
        ],
        precision: 'fp32',
        device: 'auto',
      },
    });
    expect(
      blend.sources.map((source) => [source.provider, source.modelId, source.specificationVersion]),
    ).toEqual([
      ['tonekit-worker', 'tiny#ed', 'v1'],
      ['tonekit-worker', 'tiny#wow', 'v1'],
      ['tonekit-worker', 'tiny', 'v1'],
    ]);
    for (const source of blend.sources) {
      expect(source.tokenizer).toEqual({
        vocabularyHash: 'hash-tiny',
        vocabularySize: fakeVocabularySize,
        specialTokens: { bos: 1, eos: [2, 11] },
      });
    }
    const [ed] = blend.sources;
    expect(await ed!.tokenize('ab')).toEqual([3 + (97 % 8), 3 + (98 % 8)]);
    expect(await ed!.tokenize('a', { addSpecialTokens: true })).toEqual([1, 3 + (97 % 8)]);
    expect(await ed!.detokenize([4, 5])).toBe('<4><5>');
    expect(await ed!.applyChatTemplate!([{ role: 'user', content: 'hi' }])).toBe('user: hi\nassistant:');
    expect(
      await ed!.applyChatTemplate!([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false }),
    ).toBe('user: hi\n');
  });

  it('has no applyChatTemplate when the model has no template', async () => {
    const { blend } = await setup({ FAKE_CHAT_TEMPLATE: '0' });
    expect(blend.sources[0]!.applyChatTemplate).toBeUndefined();
  });

  it('coalesces sequences stepped in the same tick into one group and one step per step', async () => {
    const { blend, methods, requests } = await setup();
    const sequences = await Promise.all(blend.sources.map((source) => source.createSequence()));
    const histories: number[][] = [[], [], []];
    let feed: number[][] = [
      [3, 4, 5],
      [3, 4, 5],
      [3, 4, 5],
    ];
    const stepsBefore = methods().length;
    for (let step = 0; step < 6; step++) {
      const results = await Promise.all(
        sequences.map((sequence, index) => sequence.doNextLogProbs({ tokens: feed[index]! })),
      );
      results.forEach((values, index) => {
        histories[index]!.push(...feed[index]!);
        expect(values).toEqual(modelLogProbs(adapters[index]!, histories[index]!));
      });
      // Each source goes its own way (the worker allows it as long as lengths agree).
      feed = results.map((values) => [argmax(values)]);
    }
    expect(methods().slice(stepsBefore)).toEqual(['open_sequences', ...Array(6).fill('step')]);
    expect(requests[stepsBefore]!.params).toEqual({ handle: 'm1', adapters: ['ed', 'wow', null] });
    await Promise.all(sequences.map((sequence) => sequence.dispose()));
    await vi.waitFor(() => expect(methods().at(-1)).toBe('close_sequences'));
  });

  it('gives the same log-probs whether a sequence is batched or used alone', async () => {
    const { blend, methods } = await setup();
    const prompt = [5, 6, 7, 8];
    const together = await Promise.all(blend.sources.map((source) => source.createSequence()));
    const alone = await Promise.all(blend.sources.map((source) => source.createSequence()));
    const batched = await Promise.all(
      together.map((sequence) => sequence.doNextLogProbs({ tokens: prompt })),
    );
    const openBefore = methods().filter((method) => method === 'open_sequences').length;
    for (const [index, sequence] of alone.entries()) {
      // One at a time, awaited: each is a group of one.
      expect(await sequence.doNextLogProbs({ tokens: prompt })).toEqual(batched[index]);
      expect(await sequence.doNextLogProbs({ tokens: [9] })).toEqual(
        modelLogProbs(adapters[index]!, [...prompt, 9]),
      );
    }
    expect(methods().filter((method) => method === 'open_sequences').length - openBefore).toBe(3);
    // The three sources really differ, so equality above is not vacuous.
    expect(batched[0]).not.toEqual(batched[1]);
    expect(batched[1]).not.toEqual(batched[2]);
  });

  it('groups first calls by length, and re-fills a member that leaves its group', async () => {
    const { blend, requests, methods } = await setup();
    const [a, b, c] = (await Promise.all(blend.sources.map((source) => source.createSequence()))) as [
      LogitSequence,
      LogitSequence,
      LogitSequence,
    ];
    const start = requests.length;
    // Two prompts of length 2 and one of length 3 in the same tick: two groups.
    await Promise.all([
      a.doNextLogProbs({ tokens: [3, 4] }),
      b.doNextLogProbs({ tokens: [5, 6] }),
      c.doNextLogProbs({ tokens: [7, 8, 9] }),
    ]);
    expect(
      requests
        .slice(start)
        .filter((request) => request.method === 'open_sequences')
        .map((request) => request.params.adapters),
    ).toEqual([['ed', 'wow'], [null]]);
    // a steps alone: its group {a, b} is closed and a re-fills its tokens in a new group of one.
    const before = requests.length;
    expect(await a.doNextLogProbs({ tokens: [10] })).toEqual(modelLogProbs('ed', [3, 4, 10]));
    const refill = requests.slice(before);
    expect(refill.map((request) => request.method)).toEqual(['close_sequences', 'open_sequences', 'step']);
    expect(refill[2]!.params.tokens).toEqual([[3, 4, 10]]);
    // b has lost its worker row too and re-fills on its next call; c's group is untouched.
    const [bValues, cValues] = await Promise.all([
      b.doNextLogProbs({ tokens: [4] }),
      c.doNextLogProbs({ tokens: [4] }),
    ]);
    expect(bValues).toEqual(modelLogProbs('wow', [5, 6, 4]));
    expect(cValues).toEqual(modelLogProbs(null, [7, 8, 9, 4]));
    expect(methods().at(-1)).toBe('step');
  });

  it('continues with the members left when one is disposed', async () => {
    const { blend, requests } = await setup();
    const [a, b, c] = (await Promise.all(
      blend.sources.map((source) => source.createSequence()),
    )) as LogitSequence[];
    await Promise.all([a!, b!, c!].map((sequence) => sequence.doNextLogProbs({ tokens: [3, 4] })));
    await c!.dispose();
    const before = requests.length;
    const [aValues, bValues] = await Promise.all([
      a!.doNextLogProbs({ tokens: [5] }),
      b!.doNextLogProbs({ tokens: [6] }),
    ]);
    expect(aValues).toEqual(modelLogProbs('ed', [3, 4, 5]));
    expect(bValues).toEqual(modelLogProbs('wow', [3, 4, 6]));
    const next = requests.slice(before);
    expect(next.map((request) => request.method)).toEqual(['close_sequences', 'open_sequences', 'step']);
    expect(next[1]!.params.adapters).toEqual(['ed', 'wow']);
    // Now batched again: one step for both.
    const again = requests.length;
    await Promise.all([a!.doNextLogProbs({ tokens: [7] }), b!.doNextLogProbs({ tokens: [7] })]);
    expect(requests.slice(again).map((request) => request.method)).toEqual(['step']);
    await expect(c!.doNextLogProbs({ tokens: [1] })).rejects.toThrow('disposed');
  });

  it('rejects an aborted call with CancelledError and keeps the sequence consistent', async () => {
    const { blend, requests } = await setup({ FAKE_STEP_DELAY_MS: '200' });
    const [a, b] = (await Promise.all(
      blend.sources.slice(0, 2).map((source) => source.createSequence()),
    )) as LogitSequence[];
    // Aborted before the batch is sent: nothing reaches the worker for a.
    const early = new AbortController();
    const aQueued = a!.doNextLogProbs({ tokens: [3], abortSignal: early.signal });
    early.abort();
    await expect(aQueued).rejects.toSatisfy(CancelledError.isInstance);
    const before = requests.length;
    const bValues = await b!.doNextLogProbs({ tokens: [3] });
    expect(bValues).toEqual(modelLogProbs('wow', [3]));
    expect(requests.slice(before).map((request) => request.method)).toEqual(['open_sequences', 'step']);
    // Aborted while the worker computes: rejected at once, the row is dropped, the group closed.
    const late = new AbortController();
    const begin = Date.now();
    const aRejected = rejectionOf(a!.doNextLogProbs({ tokens: [3, 4], abortSignal: late.signal })).then(
      (error) => ({ error, after: Date.now() - begin }),
    );
    const bLater = b!.doNextLogProbs({ tokens: [4] });
    setTimeout(() => late.abort(), 50);
    const { error: aError, after } = await aRejected;
    expect(CancelledError.isInstance(aError)).toBe(true);
    // Rejected when the signal fired, not when the worker finished (each step takes 200 ms).
    expect(after).toBeLessThan(150);
    expect(await bLater).toEqual(modelLogProbs('wow', [3, 4]));
    expect(Date.now() - begin).toBeGreaterThanOrEqual(150);
    // a's history does not contain the aborted tokens.
    expect(await a!.doNextLogProbs({ tokens: [5] })).toEqual(modelLogProbs('ed', [5]));
  });

  it('validates tokens and refuses overlapping calls on one sequence', async () => {
    const { blend } = await setup();
    const sequence = await blend.sources[0]!.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(sequence.doNextLogProbs({ tokens: [fakeVocabularySize] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(sequence.doNextLogProbs({ tokens: [1.5] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    const first = sequence.doNextLogProbs({ tokens: [3] });
    await expect(sequence.doNextLogProbs({ tokens: [4] })).rejects.toThrow('already running');
    const values = await first;
    // Appending nothing returns the same distribution again.
    expect(await sequence.doNextLogProbs({ tokens: [] })).toEqual(values);
    await expect(blend.sources[0]!.createSequence({ abortSignal: AbortSignal.abort() })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
  });

  it('rejects every member of a failed step with the WorkerError, then recovers', async () => {
    const { blend } = await setup({ FAKE_FAIL_STEP: '2' });
    const sequences = await Promise.all(blend.sources.map((source) => source.createSequence()));
    await Promise.all(sequences.map((sequence) => sequence.doNextLogProbs({ tokens: [3] })));
    const failed = await Promise.allSettled(
      sequences.map((sequence) => sequence.doNextLogProbs({ tokens: [4] })),
    );
    for (const result of failed) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason;
      expect(WorkerError.isInstance(reason) && reason.message).toBe('fake step failure');
    }
    // The failed tokens were not appended; retrying re-fills and gives the right answer.
    const retried = await Promise.all(sequences.map((sequence) => sequence.doNextLogProbs({ tokens: [4] })));
    retried.forEach((values, index) => {
      expect(values).toEqual(modelLogProbs(adapters[index]!, [3, 4]));
    });
  });

  it('dispose closes groups, unloads the model and rejects later use', async () => {
    const { blend, worker, methods } = await setup();
    const sequences = await Promise.all(blend.sources.map((source) => source.createSequence()));
    await Promise.all(sequences.map((sequence) => sequence.doNextLogProbs({ tokens: [3] })));
    await Promise.all([blend.dispose(), blend.dispose()]);
    expect(methods().slice(-2)).toEqual(['close_sequences', 'unload_model']);
    await expect(sequences[0]!.doNextLogProbs({ tokens: [4] })).rejects.toThrow('disposed');
    await expect(blend.sources[0]!.tokenize('a')).rejects.toThrow('disposed');
    // A worker passed in stays open.
    expect(await worker.request('ping')).toEqual({ pong: true });
  });

  it('starts and closes its own worker when none is given', async () => {
    const blend = await createWorkerLogitSources({
      python: fake.pythonStandIn,
      model: 'tiny',
      adapters: [{ name: 'ed', path: '/adapters/ed' }],
    });
    const sequence = await blend.sources[0]!.createSequence();
    expect(await sequence.doNextLogProbs({ tokens: [3, 4] })).toEqual(modelLogProbs('ed', [3, 4]));
    await blend[Symbol.asyncDispose]();
    await expect(blend.sources[0]!.detokenize([3])).rejects.toThrow('disposed');
  });

  it('reports a model that cannot be loaded as ModelLoadError and closes its worker', async () => {
    const error = await rejectionOf(
      createWorkerLogitSources({
        python: fake.pythonStandIn,
        model: 'missing',
        adapters: [{ name: 'ed', path: '/adapters/ed' }],
      }),
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(error.message).toContain('model folder missing does not exist');
    expect(WorkerError.isInstance(error.cause) && error.cause.code).toBe('not_found');
  });

  it('validates its options', async () => {
    const base = { python: fake.pythonStandIn, model: 'tiny' };
    await expect(createWorkerLogitSources({ ...base, adapters: [] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(
      createWorkerLogitSources({
        ...base,
        adapters: [
          { name: 'x', path: '/a' },
          { name: 'x', path: '/b' },
        ],
      }),
    ).rejects.toThrow('used twice');
    await expect(
      createWorkerLogitSources({ ...base, model: '', adapters: [{ name: 'x', path: '/a' }] }),
    ).rejects.toThrow('`model`');
  });
});

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}
