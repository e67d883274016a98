import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError, ModelLoadError, TonekitError } from '@tonekit/core';
import { bertSpecialTokens, type TinyBertModel, writeTinyBertModel } from '@tonekit/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTransformersTokenEmbedder,
  type TransformersTokenEmbedder,
  type TransformersTokenEmbedderSettings,
} from '../src/index.js';

// Two cores on CI: one onnxruntime thread per session keeps parallel test files from thrashing.
const threads = 1;
const tolerance = 1e-5;

const sentences = [
  'hello',
  'What is the capital of France?',
  'Paris is the capital city of France, and London is the capital of England.',
  'the king and the queen of the united states',
  'yes',
  'big red car',
];

let workDir: string;
let plain: TinyBertModel;
let oneLayer: TinyBertModel;
let withHiddenStates: TinyBertModel;
let byteLevelDir: string;
let session: ort.InferenceSession;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-token-embedder-'));
  plain = await writeTinyBertModel(path.join(workDir, 'plain'), { seed: 7 });
  // The seeded generator draws weights layer by layer, so the one-layer model is exactly the two-layer
  // model cut after its first layer: what export-bertscore-encoder.py does to roberta-large.
  oneLayer = await writeTinyBertModel(path.join(workDir, 'one-layer'), { seed: 7, layers: 1 });
  withHiddenStates = await writeTinyBertModel(path.join(workDir, 'hidden-states'), {
    seed: 7,
    hiddenStates: true,
  });
  byteLevelDir = await writeByteLevelVariant(plain, path.join(workDir, 'byte-level'));
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

/** last_hidden_state of one unpadded sequence, straight from onnxruntime. */
async function lastHiddenState(ids: number[]): Promise<Float32Array> {
  const dims = [1, ids.length];
  const outputs = await session.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
  });
  return outputs.last_hidden_state!.data as Float32Array;
}

function largestDifference(actual: Float32Array, expected: Float32Array): number {
  expect(actual).toHaveLength(expected.length);
  let largest = 0;
  for (let index = 0; index < expected.length; index++) {
    largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
  }
  return largest;
}

async function withEmbedder<T>(
  settings: TransformersTokenEmbedderSettings,
  use: (embedder: TransformersTokenEmbedder) => Promise<T>,
): Promise<T> {
  const embedder = await createTransformersTokenEmbedder({ threads, ...settings });
  try {
    return await use(embedder);
  } finally {
    await embedder.dispose();
  }
}

/**
 * The tiny BERT's weights behind a byte-level BPE tokenizer framed RoBERTa-style (`<s>` … `</s>`), whose
 * merges only join words that start with `Ġ`: so the ids show whether a prefix space was added.
 */
async function writeByteLevelVariant(model: TinyBertModel, dir: string): Promise<string> {
  await cp(model.dir, dir, { recursive: true });
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const symbols = ['Ġ', 'h', 'e', 'l', 'o', 'w', 'r', 'd'];
  const merges = ['Ġ h', 'Ġh e', 'l l', 'Ġhe ll', 'Ġhell o', 'Ġ w', 'o r', 'Ġw or', 'l d', 'Ġwor ld'];
  const vocab: Record<string, number> = {};
  for (const token of [...specials, ...symbols, ...merges.map((merge) => merge.replace(' ', ''))]) {
    vocab[token] ??= Object.keys(vocab).length;
  }
  const added = specials.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['</s>', 2],
      cls: ['<s>', 0],
      trim_offsets: true,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await writeFile(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'RobertaTokenizer',
      bos_token: '<s>',
      eos_token: '</s>',
      sep_token: '</s>',
      cls_token: '<s>',
      unk_token: '<unk>',
      pad_token: '<pad>',
      model_max_length: model.maxPositionEmbeddings,
    }),
  );
  return dir;
}

describe('createTransformersTokenEmbedder on a generated BERT model', () => {
  it('describes itself from the model config', async () => {
    await withEmbedder({ localPath: plain.dir }, async (embedder) => {
      expect(embedder.specificationVersion).toBe('v1');
      expect(embedder.provider).toBe('transformers.js');
      expect(embedder.modelId).toBe('plain');
      expect(embedder.path).toBe(plain.dir);
      expect(embedder.dimensions).toBe(plain.hiddenSize);
      expect(embedder.layer).toBe(plain.layers);
      expect(embedder.outputName).toBe('last_hidden_state');
      expect(embedder.addPrefixSpace).toBe(false);
      expect(embedder.strip).toBe(true);
      expect(embedder.maxBatchSize).toBe(256);
      expect(embedder.maxLength).toBe(plain.maxPositionEmbeddings);
    });
  });

  it('returns every token vector of last_hidden_state, with the ids and the [CLS]/[SEP] flags', async () => {
    await withEmbedder({ localPath: plain.dir }, async (embedder) => {
      const { embeddings, usage } = await embedder.doEmbedTokens({ values: sentences });
      expect(embeddings).toHaveLength(sentences.length);
      let tokens = 0;
      for (const [index, text] of sentences.entries()) {
        const ids = tokenize(text, plain);
        tokens += ids.length;
        const embedding = embeddings[index]!;
        expect(embedding.tokenIds).toEqual(ids);
        expect(embedding.special).toEqual(
          ids.map((_, position) => position === 0 || position === ids.length - 1),
        );
        expect(embedding.vectors).toBeInstanceOf(Float32Array);
        expect(largestDifference(embedding.vectors, await lastHiddenState(ids))).toBeLessThan(tolerance);
      }
      expect(usage).toEqual({ tokens });
    });
  });

  it('gives the same vectors batched (padded, length-sorted) as one by one, in input order', async () => {
    const values = [...sentences, ...sentences.map((text) => `${text} ${text}`).reverse()];
    const alone = await withEmbedder({ localPath: plain.dir, batchSize: 1 }, async (embedder) => {
      const results = [];
      for (const value of values)
        results.push((await embedder.doEmbedTokens({ values: [value] })).embeddings[0]!);
      return results;
    });
    for (const shape of [{ batchSize: 3 }, { batchSize: 8, maxBatchTokens: 60 }]) {
      const batched = await withEmbedder({ localPath: plain.dir, ...shape }, (embedder) =>
        embedder.doEmbedTokens({ values }),
      );
      for (const [index, embedding] of batched.embeddings.entries()) {
        expect(embedding.tokenIds).toEqual(alone[index]!.tokenIds);
        expect(largestDifference(embedding.vectors, alone[index]!.vectors)).toBeLessThan(tolerance);
      }
    }
  });

  it('strips Python whitespace as bert_score does and encodes an empty text as the special tokens alone', async () => {
    await withEmbedder({ localPath: plain.dir }, async (embedder) => {
      const { embeddings } = await embedder.doEmbedTokens({
        values: ['big red car', ' \t big red car \n', '\x1cbig red car\x85', '', '  \n '],
      });
      const [reference, padded, pythonSpaces, empty, blank] = embeddings;
      expect(padded!.tokenIds).toEqual(reference!.tokenIds);
      expect(pythonSpaces!.tokenIds).toEqual(reference!.tokenIds);
      expect(empty!.tokenIds).toEqual([bertSpecialTokens.cls.id, bertSpecialTokens.sep.id]);
      expect(empty!.special).toEqual([true, true]);
      expect(empty!.vectors).toHaveLength(2 * plain.hiddenSize);
      expect(blank!.tokenIds).toEqual(empty!.tokenIds);
    });
  });

  it('truncates to maxLength keeping the closing [SEP]', async () => {
    await withEmbedder({ localPath: plain.dir, maxLength: 6 }, async (embedder) => {
      const text = 'the king and the queen of the united states';
      const { embeddings } = await embedder.doEmbedTokens({ values: [text] });
      const ids = tokenize(text, plain);
      expect(embeddings[0]!.tokenIds).toEqual([...ids.slice(0, 5), bertSpecialTokens.sep.id]);
      expect(embeddings[0]!.special).toEqual([true, false, false, false, false, true]);
    });
  });

  it('reads layer n from a graph output hidden_states.n, equal to the model cut after n layers', async () => {
    const truncated = await withEmbedder({ localPath: oneLayer.dir }, (embedder) =>
      embedder.doEmbedTokens({ values: sentences }),
    );
    const full = await withEmbedder({ localPath: plain.dir }, (embedder) =>
      embedder.doEmbedTokens({ values: sentences }),
    );
    await withEmbedder({ localPath: withHiddenStates.dir, layer: 1 }, async (embedder) => {
      expect(embedder.layer).toBe(1);
      expect(embedder.outputName).toBe('hidden_states.1');
      const { embeddings } = await embedder.doEmbedTokens({ values: sentences });
      for (const [index, embedding] of embeddings.entries()) {
        expect(largestDifference(embedding.vectors, truncated.embeddings[index]!.vectors)).toBeLessThan(
          tolerance,
        );
        // Layer 1 really is another layer than the last one.
        expect(largestDifference(embedding.vectors, full.embeddings[index]!.vectors)).toBeGreaterThan(0.01);
      }
    });
    await withEmbedder({ localPath: withHiddenStates.dir, layer: 2 }, async (embedder) => {
      expect(embedder.outputName).toBe('hidden_states.2');
      const { embeddings } = await embedder.doEmbedTokens({ values: sentences });
      for (const [index, embedding] of embeddings.entries()) {
        expect(largestDifference(embedding.vectors, full.embeddings[index]!.vectors)).toBeLessThan(tolerance);
      }
    });
  });

  it('uses last_hidden_state when the model ends at the requested layer, and refuses any other layer', async () => {
    await withEmbedder({ localPath: oneLayer.dir, layer: 1 }, async (embedder) => {
      expect(embedder.outputName).toBe('last_hidden_state');
    });
    const error = await createTransformersTokenEmbedder({ localPath: plain.dir, layer: 1, threads }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('export-bertscore-encoder.py');
    expect((error as Error).message).toContain('--layers 1');
  });

  it('adds a prefix space for a byte-level BPE tokenizer and flags <s> and </s>', async () => {
    await withEmbedder({ localPath: byteLevelDir }, async (embedder) => {
      expect(embedder.addPrefixSpace).toBe(true);
      const { embeddings } = await embedder.doEmbedTokens({ values: ['hello world', '  hello world '] });
      // <s> Ġhello Ġworld </s>: the first word gets the same token it would get mid-sentence.
      expect(embeddings[0]!.tokenIds).toEqual([0, 16, 21, 2]);
      expect(embeddings[0]!.special).toEqual([true, false, false, true]);
      expect(embeddings[1]!.tokenIds).toEqual(embeddings[0]!.tokenIds);
    });
    await withEmbedder({ localPath: byteLevelDir, addPrefixSpace: false }, async (embedder) => {
      const { embeddings } = await embedder.doEmbedTokens({ values: ['hello world'] });
      expect(embeddings[0]!.tokenIds).toEqual([0, 5, 6, 14, 8, 21, 2]);
    });
    await withEmbedder({ localPath: byteLevelDir, addPrefixSpace: false }, async (embedder) => {
      // U+001C and U+0085 are Python whitespace (not JS's), so bert_score strips them too.
      const { embeddings } = await embedder.doEmbedTokens({
        values: ['\x1c hello world\x85', 'hello world'],
      });
      expect(embeddings[0]!.tokenIds).toEqual(embeddings[1]!.tokenIds);
    });
    await withEmbedder({ localPath: byteLevelDir, addPrefixSpace: false, strip: false }, async (embedder) => {
      const { embeddings } = await embedder.doEmbedTokens({ values: [' hello world'] });
      expect(embeddings[0]!.tokenIds).toEqual([0, 16, 21, 2]);
    });
  });

  it('takes a path as model, and a Hub id only from the cache without allowRemote', async () => {
    await withEmbedder({ model: `./${path.relative(process.cwd(), plain.dir)}` }, async (embedder) => {
      expect(embedder.path).toBe(plain.dir);
      expect(embedder.modelId).toBe('plain');
    });
    await withEmbedder({ localPath: plain.dir, model: 'example-org/tiny-bert' }, async (embedder) => {
      expect(embedder.path).toBe(plain.dir);
      expect(embedder.modelId).toBe('example-org/tiny-bert');
    });
    const cacheDir = path.join(workDir, 'cache');
    const missing = await createTransformersTokenEmbedder({
      model: 'example-org/not-downloaded',
      cacheDir,
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('allowRemote');
    await cp(plain.dir, path.join(cacheDir, 'example-org', 'tiny-bert'), { recursive: true });
    await withEmbedder({ model: 'example-org/tiny-bert', cacheDir }, async (embedder) => {
      expect(embedder.modelId).toBe('example-org/tiny-bert');
      expect(embedder.path).toBeUndefined();
      const { embeddings } = await embedder.doEmbedTokens({ values: ['hello'] });
      expect(
        largestDifference(embeddings[0]!.vectors, await lastHiddenState(tokenize('hello', plain))),
      ).toBeLessThan(tolerance);
    });
  });

  it('rejects bad settings and values with InvalidArgumentError', async () => {
    const attempts: Array<Promise<unknown>> = [
      createTransformersTokenEmbedder({}),
      createTransformersTokenEmbedder({ localPath: plain.dir, layer: -1 }),
      createTransformersTokenEmbedder({ localPath: plain.dir, batchSize: 0 }),
      createTransformersTokenEmbedder({ localPath: plain.dir, maxLength: 1 }),
      createTransformersTokenEmbedder({ localPath: plain.dir, maxLength: 100_000, threads }),
    ];
    for (const attempt of attempts) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    }
    const missingFolder = await createTransformersTokenEmbedder({
      localPath: path.join(workDir, 'nope'),
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(missingFolder)).toBe(true);
    await withEmbedder({ localPath: plain.dir, batchSize: 2, maxBatchSize: 2 }, async (embedder) => {
      for (const values of [
        ['a', 'b', 'c'],
        ['a', 3],
      ] as unknown[][]) {
        const error = await embedder
          .doEmbedTokens({ values: values as string[] })
          .catch((caught: unknown) => caught);
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
      }
    });
  });

  it('honours cancellation and rejects after dispose', async () => {
    const embedder = await createTransformersTokenEmbedder({ localPath: plain.dir, threads });
    const controller = new AbortController();
    controller.abort();
    const cancelled = await embedder
      .doEmbedTokens({ values: ['hello'], abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(cancelled)).toBe(true);
    await embedder.dispose();
    const afterDispose = await embedder
      .doEmbedTokens({ values: ['hello'] })
      .catch((caught: unknown) => caught);
    expect(TonekitError.isInstance(afterDispose)).toBe(true);
    const loadCancelled = await createTransformersTokenEmbedder({
      localPath: plain.dir,
      abortSignal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(loadCancelled)).toBe(true);
  });
});
