import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { InvalidArgumentError } from '@tonekit/core';
import {
  chatMlTemplate,
  type TinyCausalLmOnnx,
  type TinyLlamaGguf,
  writeTinyCausalLmOnnx,
  writeTinyLlamaGguf,
  writeTinyLoraGguf,
} from '@tonekit/test-kit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let workDir: string;
let gguf: TinyLlamaGguf;
let model: TinyCausalLmOnnx;
let session: ort.InferenceSession;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-tiny-causal-'));
  gguf = await writeTinyLlamaGguf({ path: path.join(workDir, 'exact.gguf'), variant: 'exact', seed: 2 });
  model = await writeTinyCausalLmOnnx({ dir: path.join(workDir, 'model'), gguf });
  session = await ort.InferenceSession.create(model.onnxPath, { intraOpNumThreads: 1 });
});

afterAll(async () => {
  await session?.release();
  await rm(workDir, { recursive: true, force: true });
});

const int64 = (values: number[], dims: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

type Cache = Record<string, ort.Tensor>;

function emptyCache(batch: number): Cache {
  const cache: Cache = {};
  for (let layer = 0; layer < model.layers; layer++) {
    for (const kind of ['key', 'value']) {
      cache[`past_key_values.${layer}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
        batch,
        model.kvHeads,
        0,
        model.headSize,
      ]);
    }
  }
  return cache;
}

/** One forward pass; returns the logits and the next cache (present → past). */
async function step(inputs: { ids: number[][]; mask: number[][]; positions: number[][]; cache: Cache }) {
  const batch = inputs.ids.length;
  const outputs = await session.run({
    input_ids: int64(inputs.ids.flat(), [batch, inputs.ids[0]?.length ?? 0]),
    attention_mask: int64(inputs.mask.flat(), [batch, inputs.mask[0]?.length ?? 0]),
    position_ids: int64(inputs.positions.flat(), [batch, inputs.positions[0]?.length ?? 0]),
    ...inputs.cache,
  });
  const cache: Cache = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (name.startsWith('present.')) cache[name.replace('present', 'past_key_values')] = tensor;
  }
  const logits = outputs.logits as ort.Tensor;
  return { logits: logits.data as Float32Array, dims: logits.dims, cache };
}

function row(logits: Float32Array, index: number): Float32Array {
  const size = model.vocabulary.length;
  return logits.slice(index * size, (index + 1) * size);
}

describe('writeTinyCausalLmOnnx', () => {
  it('writes a transformers.js causal LM folder with the GGUF vocabulary and template', async () => {
    const config = JSON.parse(await readFile(path.join(model.dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      vocab_size: gguf.vocabulary.tokens.length,
      num_hidden_layers: gguf.layers,
      num_key_value_heads: gguf.kvHeads,
      head_dim: gguf.hiddenSize / gguf.heads,
    });
    const tokenizerConfig = JSON.parse(await readFile(path.join(model.dir, 'tokenizer_config.json'), 'utf8'));
    expect(tokenizerConfig.chat_template).toBe(chatMlTemplate);
    expect(model.vocabulary).toEqual(gguf.vocabulary.tokens);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect(session.outputNames).toEqual([
      'logits',
      'present.0.key',
      'present.0.value',
      'present.1.key',
      'present.1.value',
    ]);
  });

  it('returns the closed form for every token and grows the cache along the sequence axis', async () => {
    // Row 1 is left-padded as transformers.js pads batches: positions cumsum(mask) − 1, pads at 1.
    const prefill = await step({
      ids: [
        [1, 300, 301],
        [0, 1, 302],
      ],
      mask: [
        [1, 1, 1],
        [0, 1, 1],
      ],
      positions: [
        [0, 1, 2],
        [1, 0, 1],
      ],
      cache: emptyCache(2),
    });
    expect(prefill.dims).toEqual([2, 3, model.vocabulary.length]);
    expect(row(prefill.logits, 2)).toEqual(model.logits(301));
    expect(row(prefill.logits, 5)).toEqual(model.logits(302));
    const closedForm = Float32Array.from(gguf.exact?.logits(301) ?? []);
    expect(model.logits(301)).toEqual(closedForm);
    expect(prefill.cache['past_key_values.1.value']?.dims).toEqual([2, model.kvHeads, 3, model.headSize]);

    const next = await step({
      ids: [[303], [304]],
      mask: [
        [1, 1, 1, 1],
        [0, 1, 1, 1],
      ],
      positions: [[3], [2]],
      cache: prefill.cache,
    });
    expect(row(next.logits, 0)).toEqual(model.logits(303));
    expect(row(next.logits, 1)).toEqual(model.logits(304));
    expect(next.cache['past_key_values.0.key']?.dims).toEqual([2, model.kvHeads, 4, model.headSize]);
    // The value cache holds the token ids fed so far, in order.
    const values = next.cache['past_key_values.0.value']?.data as Float32Array;
    expect(Array.from({ length: 4 }, (_, position) => values[position * model.headSize])).toEqual([
      1, 300, 301, 303,
    ]);
  });

  it('makes the logits wrong when the inputs contradict the cache', async () => {
    const prefill = await step({
      ids: [[1, 300]],
      mask: [[1, 1]],
      positions: [[0, 1]],
      cache: emptyCache(1),
    });
    const wrongPosition = await step({
      ids: [[301]],
      mask: [[1, 1, 1]],
      positions: [[5]],
      cache: prefill.cache,
    });
    expect(row(wrongPosition.logits, 0)).not.toEqual(model.logits(301));
    // The full mask without the cache: the model sees one token but is told there are three.
    const droppedCache = await step({
      ids: [[301]],
      mask: [[1, 1, 1]],
      positions: [[2]],
      cache: emptyCache(1),
    });
    expect(row(droppedCache.logits, 0)).not.toEqual(model.logits(301));
    const right = await step({ ids: [[301]], mask: [[1, 1, 1]], positions: [[2]], cache: prefill.cache });
    expect(row(right.logits, 0)).toEqual(model.logits(301));
  });

  it('writes a tokenizer that segments text as the GGUF vocabulary intends', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(model.dir, { local_files_only: true });
    const tokens = (text: string) =>
      tokenizer.encode(text, { add_special_tokens: false }).map((id) => gguf.vocabulary.tokens[id]);
    expect(tokens('hello world, the cat')).toEqual([
      '\u2581hello',
      '\u2581world',
      ',',
      '\u2581the',
      '\u2581cat',
    ]);
    expect(tokens('<|im_start|>user\né')).toEqual([
      '<|im_start|>',
      '\u2581us',
      'e',
      'r',
      '<0x0A>',
      '<0xC3>',
      '<0xA9>',
    ]);
    expect(tokenizer.encode('hello')).toEqual([1, gguf.vocabulary.tokens.indexOf('\u2581hello')]);
    const ids = tokenizer.encode('the cat café', { add_special_tokens: false });
    expect(tokenizer.decode(ids)).toBe('the cat café');
  });

  it('folds LoRA adapters on the output head into the table', async () => {
    const adapter = await writeTinyLoraGguf({
      path: path.join(workDir, 'lora.gguf'),
      base: gguf,
      targets: ['output'],
      std: 0.5,
    });
    const adapted = await writeTinyCausalLmOnnx({
      dir: path.join(workDir, 'adapted'),
      gguf,
      adapters: [{ adapter, scale: 0.5 }],
    });
    expect(adapted.logits(300)).toEqual(
      Float32Array.from(gguf.exact?.logits(300, [{ adapter, scale: 0.5 }]) ?? []),
    );
    expect(adapted.logits(300)).not.toEqual(model.logits(300));
    const qkv = await writeTinyLoraGguf({ path: path.join(workDir, 'qkv.gguf'), base: gguf });
    await expect(
      writeTinyCausalLmOnnx({ dir: path.join(workDir, 'bad'), gguf, adapters: [{ adapter: qkv }] }),
    ).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });

  it('needs an exact-variant model', async () => {
    const random = await writeTinyLlamaGguf({ path: path.join(workDir, 'random.gguf'), seed: 1 });
    await expect(
      writeTinyCausalLmOnnx({ dir: path.join(workDir, 'random'), gguf: random }),
    ).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });
});
