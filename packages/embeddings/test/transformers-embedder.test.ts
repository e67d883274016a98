import { cp, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  asyncDispose,
  CancelledError,
  InvalidArgumentError,
  ModelLoadError,
  TonekitError,
} from '@tonekit/core';
import { bertSpecialTokens, type TinyBertModel, writeTinyBertModel } from '@tonekit/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRuns } from '../src/create-transformers-embedder.js';
import {
  createTransformersEmbedder,
  type EmbedProgressEvent,
  embedMany,
  type TransformersEmbedder,
  type TransformersEmbedderEvent,
} from '../src/index.js';

// Two cores on CI: one onnxruntime thread per session keeps parallel test files from thrashing.
const threads = 1;
const tolerance = 1e-5;

const sentences = [
  'hello',
  'What is the capital of France?',
  'Paris is the capital city of France, and London is the capital of England.',
  'the king and the queen of the united states',
  'A long question about music, science, history, language and the world: the old school had many ' +
    'a book, a big church, a green tree, a red flower and a river where the fish were fast in the cold water.',
  'yes',
  'big red car',
  'the first new president of the national government was very young',
];

let workDir: string;
let plain: TinyBertModel;
let meanDeclared: TinyBertModel;
let clsDeclared: TinyBertModel;
let session: ort.InferenceSession;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-embeddings-'));
  // Same seed: the three folders hold identical weights and differ only in pooling metadata.
  plain = await writeTinyBertModel(path.join(workDir, 'plain'), { seed: 7 });
  meanDeclared = await writeTinyBertModel(path.join(workDir, 'mean-declared'), { seed: 7, pooling: 'mean' });
  clsDeclared = await writeTinyBertModel(path.join(workDir, 'cls-declared'), { seed: 7, pooling: 'cls' });
  session = await ort.InferenceSession.create(plain.onnxPath, { intraOpNumThreads: threads });
});

afterAll(async () => {
  await session?.release();
  await rm(workDir, { recursive: true, force: true });
});

/** WordPiece for texts made of vocabulary words and punctuation, written independently of any tokenizer library. */
function tokenize(text: string, model: TinyBertModel): number[] {
  const ids: number[] = [bertSpecialTokens.cls.id];
  for (const piece of text.toLowerCase().match(/[a-z0-9]+|[^\sa-z0-9]/g) ?? []) {
    const id = model.vocabulary.indexOf(piece);
    if (id < 0) throw new Error(`test sentence uses "${piece}", which is not in the vocabulary`);
    ids.push(id);
  }
  ids.push(bertSpecialTokens.sep.id);
  return ids;
}

/** last_hidden_state for one unpadded sequence, straight from onnxruntime. */
async function lastHiddenState(ids: number[]): Promise<Float32Array> {
  const dims = [1, ids.length];
  const outputs = await session.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
  });
  const hidden = outputs.last_hidden_state!;
  expect(hidden.dims).toEqual([1, ids.length, plain.hiddenSize]);
  return hidden.data as Float32Array;
}

async function manualEmbedding(text: string, pooling: 'cls' | 'mean', normalize: boolean): Promise<number[]> {
  const ids = tokenize(text, plain);
  const hidden = await lastHiddenState(ids);
  const size = plain.hiddenSize;
  const vector = Array.from({ length: size }, (_, dimension) => {
    if (pooling === 'cls') return hidden[dimension]!;
    let sum = 0;
    for (let token = 0; token < ids.length; token++) sum += hidden[token * size + dimension]!;
    return sum / ids.length;
  });
  if (!normalize) return vector;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  let largest = 0;
  for (let index = 0; index < expected.length; index++) {
    largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
  }
  expect(largest).toBeLessThan(tolerance);
}

function expectAllClose(actual: Float32Array[], expected: Float32Array[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [index, vector] of actual.entries()) expectClose(vector, expected[index]!);
}

const norm = (vector: Float32Array) => Math.hypot(...vector);

async function withEmbedder<T>(
  settings: Parameters<typeof createTransformersEmbedder>[0],
  use: (embedder: TransformersEmbedder) => Promise<T>,
): Promise<T> {
  const embedder = await createTransformersEmbedder({ threads, ...settings });
  try {
    return await use(embedder);
  } finally {
    await embedder.dispose();
  }
}

describe('createTransformersEmbedder on a generated BERT model', () => {
  it('describes itself from the model config', async () => {
    const events: TransformersEmbedderEvent[] = [];
    await withEmbedder({ localPath: plain.dir, onEvent: (event) => events.push(event) }, async (embedder) => {
      expect(embedder.specificationVersion).toBe('v1');
      expect(embedder.provider).toBe('transformers.js');
      expect(embedder.modelId).toBe('plain');
      expect(embedder.path).toBe(plain.dir);
      expect(embedder.dimensions).toBe(plain.hiddenSize);
      expect(embedder.maxBatchSize).toBe(256);
      expect(embedder.batchSize).toBe(32);
      expect(embedder.maxLength).toBe(plain.maxPositionEmbeddings);
      expect(embedder.normalize).toBe(true);
      const { embeddings, usage } = await embedder.doEmbed({ values: sentences.slice(0, 3) });
      expect(embeddings).toHaveLength(3);
      for (const vector of embeddings) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector).toHaveLength(plain.hiddenSize);
      }
      const expectedTokens = sentences
        .slice(0, 3)
        .reduce((sum, text) => sum + tokenize(text, plain).length, 0);
      expect(usage).toEqual({ tokens: expectedTokens });
    });
    const loaded = events.find((event) => event.type === 'model-loaded');
    expect(loaded).toMatchObject({ type: 'model-loaded', dimensions: plain.hiddenSize, path: plain.dir });
    expect(
      events.some((event) => event.type === 'model-load-progress' && event.file === 'onnx/model.onnx'),
    ).toBe(true);
  });

  it('CLS and mean pooling each match a manual computation from last_hidden_state, and differ', async () => {
    const cls = await withEmbedder({ localPath: plain.dir, pooling: 'cls' }, (embedder) =>
      embedder.doEmbed({ values: sentences }),
    );
    const mean = await withEmbedder({ localPath: plain.dir, pooling: 'mean' }, (embedder) =>
      embedder.doEmbed({ values: sentences }),
    );
    for (const [index, text] of sentences.entries()) {
      expectClose(cls.embeddings[index]!, await manualEmbedding(text, 'cls', true));
      expectClose(mean.embeddings[index]!, await manualEmbedding(text, 'mean', true));
      const difference = Math.max(
        ...cls.embeddings[index]!.map((value, dimension) =>
          Math.abs(value - mean.embeddings[index]![dimension]!),
        ),
      );
      expect(difference).toBeGreaterThan(0.01);
    }
  });

  it('returns unit vectors by default and raw pooled vectors with normalize: false', async () => {
    const normalized = await withEmbedder({ localPath: plain.dir, pooling: 'mean' }, (embedder) =>
      embedder.doEmbed({ values: sentences }),
    );
    for (const vector of normalized.embeddings) expect(norm(vector)).toBeCloseTo(1, 5);

    await withEmbedder({ localPath: plain.dir, pooling: 'mean', normalize: false }, async (embedder) => {
      expect(embedder.normalize).toBe(false);
      const raw = await embedder.doEmbed({ values: sentences });
      for (const [index, text] of sentences.entries()) {
        expectClose(raw.embeddings[index]!, await manualEmbedding(text, 'mean', false));
        expect(Math.abs(norm(raw.embeddings[index]!) - 1)).toBeGreaterThan(0.01);
      }
    });
  });

  it('gives the same vectors batched (padded, length-sorted) as one by one, in input order', async () => {
    // Lengths from 3 to 60 tokens, not in length order, so runs need padding and the sort reorders them.
    const values = [...sentences, ...sentences.map((text) => `${text} ${text}`).reverse()];
    const runShapes = [
      { batchSize: 3, maxBatchSize: 16 },
      // A token budget that splits the long texts into runs of one or two.
      { batchSize: 8, maxBatchSize: 16, maxBatchTokens: 100 },
    ];
    for (const [pooling, shape] of [
      ['cls', runShapes[0]],
      ['mean', runShapes[0]],
      ['mean', runShapes[1]],
    ] as const) {
      await withEmbedder({ localPath: plain.dir, pooling, ...shape }, async (embedder) => {
        const batched = await embedder.doEmbed({ values });
        const single: Float32Array[] = [];
        for (const value of values) single.push((await embedder.doEmbed({ values: [value] })).embeddings[0]!);
        expectAllClose(batched.embeddings, single);

        const many = await embedMany(embedder, values, { batchSize: 5 });
        expectAllClose(many.embeddings, single);
        const unsorted = await embedMany(embedder, values, { batchSize: 4, sortByLength: false });
        expectAllClose(unsorted.embeddings, single);
      });
    }
  });

  it('reads the pooling from sentence-transformers metadata (modules.json → 1_Pooling/config.json)', async () => {
    const detect = (settings: Parameters<typeof createTransformersEmbedder>[0]) =>
      withEmbedder(settings, async ({ pooling, poolingSource }) => ({ pooling, poolingSource }));
    expect(await detect({ localPath: meanDeclared.dir })).toEqual({
      pooling: 'mean',
      poolingSource: 'sentence-transformers-config',
    });
    expect(await detect({ localPath: clsDeclared.dir })).toEqual({
      pooling: 'cls',
      poolingSource: 'sentence-transformers-config',
    });
    expect(await detect({ localPath: clsDeclared.dir, pooling: 'mean' })).toEqual({
      pooling: 'mean',
      poolingSource: 'option',
    });
    // Without metadata: CLS for the models known to be CLS-trained, mean otherwise.
    expect(await detect({ localPath: plain.dir })).toEqual({
      pooling: 'mean',
      poolingSource: 'model-name-default',
    });
    expect(await detect({ localPath: plain.dir, model: 'Alibaba-NLP/gte-modernbert-base' })).toEqual({
      pooling: 'cls',
      poolingSource: 'model-name-default',
    });

    // The detected pooling is the one applied.
    const [declaredCls, explicitCls] = await Promise.all([
      withEmbedder({ localPath: clsDeclared.dir }, (embedder) => embedder.doEmbed({ values: sentences })),
      withEmbedder({ localPath: plain.dir, pooling: 'cls' }, (embedder) =>
        embedder.doEmbed({ values: sentences }),
      ),
    ]);
    expectAllClose(declaredCls.embeddings, explicitCls.embeddings);
  });

  it('rejects a pooling mode it cannot reproduce unless one is chosen explicitly', async () => {
    const dir = path.join(workDir, 'max-pooled');
    await writeTinyBertModel(dir, { seed: 7, pooling: 'mean' });
    await writeFile(
      path.join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: 32, pooling_mode_max_tokens: true }),
    );
    const error = await createTransformersEmbedder({ localPath: dir, threads }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/pooling_mode_max_tokens.*pooling: 'cls' or 'mean'/);
    await withEmbedder({ localPath: dir, pooling: 'cls' }, async (embedder) => {
      expect(embedder.pooling).toBe('cls');
    });

    await writeFile(path.join(dir, 'modules.json'), '[{ not json');
    const parseError = await createTransformersEmbedder({ localPath: dir, threads }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(parseError)).toBe(true);
    expect((parseError as Error).message).toContain('modules.json');
  });

  it('truncates long inputs to maxLength, keeping the closing [SEP]', async () => {
    const text = sentences[4]!;
    await withEmbedder({ localPath: plain.dir, pooling: 'mean', maxLength: 8 }, async (embedder) => {
      const { embeddings, usage } = await embedder.doEmbed({ values: [text] });
      expect(usage).toEqual({ tokens: 8 });
      const ids = tokenize(text, plain);
      const truncated = [...ids.slice(0, 7), bertSpecialTokens.sep.id];
      const hidden = await lastHiddenState(truncated);
      const mean = Array.from({ length: plain.hiddenSize }, (_, dimension) => {
        let sum = 0;
        for (let token = 0; token < truncated.length; token++)
          sum += hidden[token * plain.hiddenSize + dimension]!;
        return sum / truncated.length;
      });
      const length = Math.hypot(...mean);
      expectClose(
        embeddings[0]!,
        mean.map((value) => value / length),
      );
    });
    await expect(createTransformersEmbedder({ localPath: plain.dir, maxLength: 100_000 })).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'maxLength',
    );
  });

  it('validates values: at most maxBatchSize strings; an empty list gives no vectors', async () => {
    await withEmbedder({ localPath: plain.dir, batchSize: 2, maxBatchSize: 4 }, async (embedder) => {
      expect(await embedder.doEmbed({ values: [] })).toEqual({ embeddings: [], usage: { tokens: 0 } });
      await expect(embedder.doEmbed({ values: ['a', 'b', 'c', 'd', 'e'] })).rejects.toSatisfy(
        (error) =>
          InvalidArgumentError.isInstance(error) && /maxBatchSize \(4\)/.test((error as Error).message),
      );
      await expect(embedder.doEmbed({ values: ['a', 42 as unknown as string] })).rejects.toSatisfy(
        (error) => InvalidArgumentError.isInstance(error) && error.argument === 'values[1]',
      );
    });
    await expect(createTransformersEmbedder({ localPath: plain.dir, batchSize: 0 })).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'batchSize',
    );
  });

  it('rejects with CancelledError when aborted, before a call or between batches', async () => {
    await withEmbedder({ localPath: plain.dir, batchSize: 2 }, async (embedder) => {
      const reason = new Error('user pressed Ctrl-C');
      const aborted = AbortSignal.abort(reason);
      const error = await embedder
        .doEmbed({ values: ['hello'], abortSignal: aborted })
        .catch((caught) => caught);
      expect(CancelledError.isInstance(error)).toBe(true);
      expect((error as CancelledError).cause).toBe(reason);

      const controller = new AbortController();
      const events: EmbedProgressEvent[] = [];
      const values = Array.from({ length: 40 }, (_, index) => `question ${index} about the world`);
      const stopped = await embedMany(embedder, values, {
        batchSize: 4,
        abortSignal: controller.signal,
        onEvent: (event) => {
          events.push(event);
          if (event.done >= 8) controller.abort();
        },
      }).catch((caught: unknown) => caught);
      expect(CancelledError.isInstance(stopped)).toBe(true);
      expect(events.at(-1)).toMatchObject({ done: 8, total: 40 });

      await expect(
        createTransformersEmbedder({ localPath: plain.dir, abortSignal: AbortSignal.abort() }),
      ).rejects.toSatisfy((caught) => CancelledError.isInstance(caught));
    });
  });

  it('releases the session on dispose after runs in flight; later calls reject', async () => {
    const embedder = await createTransformersEmbedder({ localPath: plain.dir, threads });
    // A run already started finishes before the session is released.
    const inFlight = embedder.doEmbed({ values: sentences });
    await embedder[asyncDispose]();
    expect((await inFlight).embeddings).toHaveLength(sentences.length);
    await embedder.dispose();
    await expect(embedder.doEmbed({ values: ['hello'] })).rejects.toSatisfy(
      (error) => TonekitError.isInstance(error) && /disposed/.test((error as Error).message),
    );
  });
});

describe('planRuns', () => {
  it('cuts length-sorted indices into runs bounded by batchSize and rows × longest length', () => {
    const lengths = [3, 3, 4, 5, 10, 20, 40, 200];
    const order = lengths.map((_, index) => index);
    expect(planRuns(order, (index) => lengths[index]!, 3, 1000)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(planRuns(order, (index) => lengths[index]!, 8, 40)).toEqual([[0, 1, 2, 3], [4, 5], [6], [7]]);
    expect(planRuns([], (index) => lengths[index]!, 8, 40)).toEqual([]);
  });
});

describe('createTransformersEmbedder model resolution', () => {
  it('throws ModelLoadError naming the folder when localPath does not exist', async () => {
    const missing = path.join(workDir, 'no-such-model');
    const error = await createTransformersEmbedder({ localPath: missing }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ path: missing });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/hf download/);
  });

  it('throws ModelLoadError listing the missing files of an incomplete folder', async () => {
    const error = await createTransformersEmbedder({ localPath: plain.dir, dtype: 'q8' }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('onnx/model_quantized.onnx');

    const broken = path.join(workDir, 'broken');
    await writeTinyBertModel(broken, { seed: 1 });
    await writeFile(path.join(broken, 'onnx', 'model.onnx'), 'not an onnx file');
    const loadError = await createTransformersEmbedder({ localPath: broken, threads }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(loadError)).toBe(true);
    expect((loadError as ModelLoadError).cause).toBeDefined();
    expect((loadError as Error).message).toContain(broken);
  });

  it('without allowRemote, names the cache folder it looked in and how to download', async () => {
    const cacheDir = path.join(workDir, 'empty-cache');
    const error = await createTransformersEmbedder({ model: 'example-org/not-downloaded', cacheDir }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ modelId: 'example-org/not-downloaded' });
    const message = (error as Error).message;
    expect(message).toContain(path.join(cacheDir, 'example-org', 'not-downloaded'));
    expect(message).toContain('allowRemote: true');
  });

  it('loads a Hub id offline from the cache folder', async () => {
    const cacheDir = path.join(workDir, 'cache');
    await cp(meanDeclared.dir, path.join(cacheDir, 'example-org', 'tiny-bert'), { recursive: true });
    await withEmbedder({ model: 'example-org/tiny-bert', cacheDir }, async (embedder) => {
      expect(embedder.modelId).toBe('example-org/tiny-bert');
      expect(embedder.path).toBeUndefined();
      expect(embedder.pooling).toBe('mean');
      expect(embedder.poolingSource).toBe('sentence-transformers-config');
      const { embeddings } = await embedder.doEmbed({ values: [sentences[1]!] });
      expectClose(embeddings[0]!, await manualEmbedding(sentences[1]!, 'mean', true));
    });
    await unlink(path.join(cacheDir, 'example-org', 'tiny-bert', 'modules.json'));
    await withEmbedder({ model: 'example-org/tiny-bert', cacheDir }, async (embedder) => {
      expect(embedder.poolingSource).toBe('model-name-default');
    });
  });
});
