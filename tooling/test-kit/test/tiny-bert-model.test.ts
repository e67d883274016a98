import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { InvalidArgumentError } from '@tonekit/core';
import {
  bertSpecialTokens,
  buildWordPieceVocabulary,
  mostFrequentWords,
  tinyBertPresets,
  writeTinyBertModel,
} from '@tonekit/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-tiny-bert-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const int64 = (values: number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

async function run(
  session: ort.InferenceSession,
  rows: number[][],
  options: { tokenTypes?: number[][]; pad?: number } = {},
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const width = Math.max(...rows.map((row) => row.length));
  const padded = (values: number[], fill: number) => [
    ...values,
    ...Array<number>(width - values.length).fill(fill),
  ];
  const dims = [rows.length, width];
  const outputs = await session.run({
    input_ids: int64(
      rows.flatMap((row) => padded(row, options.pad ?? 0)),
      dims,
    ),
    attention_mask: int64(
      rows.flatMap((row) =>
        padded(
          row.map(() => 1),
          0,
        ),
      ),
      dims,
    ),
    token_type_ids: int64(
      rows.flatMap((row, index) => padded(options.tokenTypes?.[index] ?? row.map(() => 0), 0)),
      dims,
    ),
  });
  const hidden = outputs.last_hidden_state!;
  return { data: hidden.data as Float32Array, dims: hidden.dims };
}

describe('writeTinyBertModel', () => {
  it('writes the Hugging Face layout with a BERT config and a WordPiece tokenizer', async () => {
    const dir = path.join(workDir, 'layout');
    const model = await writeTinyBertModel(dir, { seed: 1 });
    expect((await readdir(dir)).sort()).toEqual(
      ['config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(model.onnxPath).toBe(path.join(dir, 'onnx', 'model.onnx'));
    expect(model).toMatchObject({
      hiddenSize: 32,
      layers: 2,
      heads: 2,
      intermediateSize: 64,
      pooling: undefined,
    });
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'bert',
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      vocab_size: model.vocabulary.length,
      max_position_embeddings: 128,
    });
    const tokenizer = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.model.type).toBe('WordPiece');
    expect(tokenizer.normalizer.type).toBe('BertNormalizer');
    expect(tokenizer.pre_tokenizer.type).toBe('BertPreTokenizer');
    expect(tokenizer.post_processor.type).toBe('TemplateProcessing');
    expect(model.vocabulary.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    // Small enough to generate in every test that needs one.
    expect(model.onnxBytes).toBeLessThan(200_000);
  });

  it('writes sentence-transformers pooling metadata on request', async () => {
    const dir = path.join(workDir, 'pooled');
    await writeTinyBertModel(dir, { pooling: 'cls' });
    const modules = JSON.parse(await readFile(path.join(dir, 'modules.json'), 'utf8'));
    expect(modules.map((module: { type: string }) => module.type)).toEqual([
      'sentence_transformers.models.Transformer',
      'sentence_transformers.models.Pooling',
    ]);
    const pooling = JSON.parse(await readFile(path.join(dir, '1_Pooling', 'config.json'), 'utf8'));
    expect(pooling).toMatchObject({
      word_embedding_dimension: 32,
      pooling_mode_cls_token: true,
      pooling_mode_mean_tokens: false,
    });
  });

  it('is deterministic for a seed and different across seeds', async () => {
    const [a, b, c] = await Promise.all(
      [3, 3, 4].map((seed, index) => writeTinyBertModel(path.join(workDir, `seed-${index}`), { seed })),
    );
    const bytes = await Promise.all([a!, b!, c!].map((model) => readFile(model.onnxPath)));
    expect(bytes[0]!.equals(bytes[1]!)).toBe(true);
    expect(bytes[0]!.equals(bytes[2]!)).toBe(false);
  });

  it('validates its options', async () => {
    await expect(
      writeTinyBertModel(path.join(workDir, 'bad'), { hiddenSize: 30, heads: 4 }),
    ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error) && error.argument === 'heads');
    await expect(writeTinyBertModel(path.join(workDir, 'bad'), { layers: 0 })).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'layers',
    );
    expect(tinyBertPresets['bert-base']).toEqual({
      hiddenSize: 768,
      layers: 12,
      heads: 12,
      intermediateSize: 3072,
      maxPositionEmbeddings: 512,
    });
  });
});

describe('the generated ONNX model in onnxruntime-node', () => {
  let session: ort.InferenceSession;

  beforeAll(async () => {
    const model = await writeTinyBertModel(path.join(workDir, 'ort'), {
      seed: 11,
      hiddenSize: 16,
      layers: 1,
      heads: 4,
    });
    session = await ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: 1 });
  });

  afterAll(async () => {
    await session?.release();
  });

  it('has BERT inputs and a [batch, sequence, hidden] last_hidden_state with dynamic axes', async () => {
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
    expect(session.outputNames).toEqual(['last_hidden_state']);
    for (const [batch, length] of [
      [1, 3],
      [3, 9],
    ] as const) {
      const rows = Array.from({ length: batch }, (_, row) =>
        Array.from({ length }, (_, index) => 5 + row + index),
      );
      const { data, dims } = await run(session, rows);
      expect(dims).toEqual([batch, length, 16]);
      expect(data.every(Number.isFinite)).toBe(true);
    }
  });

  it('applies the attention mask: padding changes nothing for the real tokens', async () => {
    const short = [2, 60, 61, 3];
    const long = [2, 70, 71, 72, 73, 74, 75, 3];
    const alone = await run(session, [short]);
    for (const pad of [0, 99]) {
      const batched = await run(session, [short, long], { pad });
      const firstRow = batched.data.subarray(0, short.length * 16);
      const difference = Math.max(...firstRow.map((value, index) => Math.abs(value - alone.data[index]!)));
      expect(difference).toBeLessThan(1e-5);
    }
  });

  it('mixes context into every position and uses token types', async () => {
    const a = await run(session, [[2, 60, 61, 3]]);
    const b = await run(session, [[2, 60, 62, 3]]);
    // Position 1 holds the same token in both; attention makes it depend on its neighbours.
    const position = (data: Float32Array) => data.subarray(16, 32);
    expect(
      Math.max(...position(a.data).map((value, index) => Math.abs(value - position(b.data)[index]!))),
    ).toBeGreaterThan(1e-3);
    const typed = await run(session, [[2, 60, 61, 3]], { tokenTypes: [[0, 0, 1, 1]] });
    expect(Math.max(...typed.data.map((value, index) => Math.abs(value - a.data[index]!)))).toBeGreaterThan(
      1e-3,
    );
  });
});

describe('the generated tokenizer in transformers.js', () => {
  it('loads offline and tokenizes like BERT: lower-cased WordPiece between [CLS] and [SEP]', async () => {
    const words = mostFrequentWords(['Héllo world, hello there! The world is big.'], 10);
    expect(words).toEqual(['hello', 'world', 'big', 'is', 'the', 'there']);
    const dir = path.join(workDir, 'tokenizer');
    const model = await writeTinyBertModel(dir, { vocabulary: words });
    expect(model.vocabulary).toEqual(buildWordPieceVocabulary(words));
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const id = (token: string) => model.vocabulary.indexOf(token);

    expect(tokenizer.tokenize('Hello, WORLD! Zebra')).toEqual([
      'hello',
      ',',
      'world',
      '!',
      'z',
      '##e',
      '##b',
      '##r',
      '##a',
    ]);
    expect(tokenizer.encode('Hello world')).toEqual([
      bertSpecialTokens.cls.id,
      id('hello'),
      id('world'),
      bertSpecialTokens.sep.id,
    ]);
    expect(tokenizer.pad_token_id).toBe(bertSpecialTokens.pad.id);
    expect(tokenizer.model_max_length).toBe(model.maxPositionEmbeddings);

    const pair = tokenizer('hello', { text_pair: 'world', return_tensor: false });
    expect(pair.input_ids).toEqual([2, id('hello'), 3, id('world'), 3]);
    expect(pair.token_type_ids).toEqual([0, 0, 0, 1, 1]);

    const batch = tokenizer(['hello', 'big world is there'], { padding: true, return_tensor: false });
    expect(batch.attention_mask).toEqual([
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ]);
    expect(tokenizer.decode(tokenizer.encode('hello zebra'), { skip_special_tokens: true })).toBe(
      'hello zebra',
    );
  });
});
