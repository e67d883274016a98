import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogitSequence, LogitSource } from '@tonekit/core';
import { createLlamaCppLogitSource, type LlamaCppLogitSource } from '@tonekit/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerPythonDir } from '../src/worker/index.js';
import { createWorkerLogitSources, type WorkerLogitSources } from '../src/worker-logit-source/index.js';
import { localTrainingUnavailable, venvPython, writeTinyLlama } from './support/local-training.js';

// The GGUF LoRA adapter the trainer exports must make llama.cpp compute what torch + PEFT compute with
// the adapter it was converted from: same next-token probabilities, step after step. The base is the
// tiny random Llama, converted to GGUF by the worker's test kit; the adapter has random (non-zero) A
// and B on every projection, so a wrong layout, permutation or scale shows at once.
const unavailable = localTrainingUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED GGUF adapter cross-check: ${unavailable}`);

function python(args: string[], input?: string): void {
  const result = spawnSync(venvPython, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, PYTHONPATH: workerPythonDir },
  });
  if (result.status !== 0) throw new Error(`python ${args.join(' ')} failed:\n${result.stderr}`);
}

const writeRandomAdapter = `
import sys, torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM
torch.manual_seed(3)
base = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj","k_proj","v_proj","o_proj","gate_proj","up_proj","down_proj"], init_lora_weights=False)
model = get_peft_model(base, config)
with torch.no_grad():
    for name, parameter in model.named_parameters():
        if "lora_" in name: parameter.mul_(0.5)
model.save_pretrained(sys.argv[2])
`;

describe.skipIf(unavailable !== undefined)('GGUF LoRA adapter export', () => {
  let dir: string;
  let worker: WorkerLogitSources;
  let llamaAdapter: LlamaCppLogitSource;
  let llamaBase: LlamaCppLogitSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonekit-gguf-adapter-'));
    const base = join(dir, 'base');
    writeTinyLlama(base);
    python(['-c', writeRandomAdapter, base, join(dir, 'adapter')]);
    python(['-m', 'tonekit_worker.testing.gguf_base', '--model', base, '--out', join(dir, 'base.gguf')]);
    python([
      '-m',
      'tonekit_worker.gguf_lora',
      join(dir, 'adapter'),
      '--base',
      base,
      '--out',
      join(dir, 'adapter.gguf'),
    ]);
    worker = await createWorkerLogitSources({
      python: venvPython,
      model: base,
      adapters: [{ name: 'random', path: join(dir, 'adapter') }],
      includeBase: true,
      device: 'cpu',
    });
    const llama = { modelPath: join(dir, 'base.gguf'), threads: 1, gpu: 'cpu' as const, contextSize: 128 };
    llamaAdapter = await createLlamaCppLogitSource({
      ...llama,
      loraAdapters: [{ path: join(dir, 'adapter.gguf') }],
    });
    llamaBase = await createLlamaCppLogitSource(llama);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([worker?.dispose(), llamaAdapter?.dispose(), llamaBase?.dispose()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** Feeds the same tokens to both sources and returns the largest probability difference over the steps. */
  async function largestDifference(torchSource: LogitSource, llamaSource: LogitSource, prompt: number[]) {
    await using torchSequence = await torchSource.createSequence();
    await using llamaSequence = await llamaSource.createSequence();
    let largest = 0;
    let tokens = prompt;
    for (let step = 0; step < 5; step++) {
      const [expected, actual] = await Promise.all(
        [torchSequence, llamaSequence].map((sequence: LogitSequence) => sequence.doNextLogProbs({ tokens })),
      );
      let argmax = 0;
      for (let id = 0; id < (expected as Float32Array).length; id++) {
        largest = Math.max(largest, Math.abs(Math.exp(expected?.[id] ?? 0) - Math.exp(actual?.[id] ?? 0)));
        if ((expected?.[id] ?? 0) > (expected?.[argmax] ?? 0)) argmax = id;
      }
      tokens = [argmax];
    }
    return largest;
  }

  it('makes llama.cpp match torch + PEFT token by token, and both backends agree on the vocabulary', async () => {
    const [torchAdapter, torchBase] = worker.sources as [LogitSource, LogitSource];
    expect(llamaAdapter.tokenizer.vocabularySize).toBe(torchAdapter.tokenizer.vocabularySize);
    expect(llamaAdapter.tokenizer.vocabularyHash).toBe(torchAdapter.tokenizer.vocabularyHash);
    const prompt = await torchAdapter.tokenize('the cat sat on the mat', { addSpecialTokens: true });
    expect(await llamaAdapter.tokenize('the cat sat on the mat', { addSpecialTokens: true })).toEqual(prompt);

    const adapterGap = await largestDifference(torchAdapter, llamaAdapter, prompt);
    const baseGap = await largestDifference(torchBase, llamaBase, prompt);
    // The adapter really moves the distribution, far more than the backends disagree.
    const effect = await largestDifference(torchAdapter, llamaBase, prompt);
    console.log(
      `GGUF adapter cross-check: llama.cpp vs torch+PEFT max |Δp| ${adapterGap.toExponential(2)} (base ${baseGap.toExponential(2)}), adapter effect ${effect.toExponential(2)}`,
    );
    expect(baseGap).toBeLessThan(1e-4);
    expect(adapterGap).toBeLessThan(1e-4);
    expect(effect).toBeGreaterThan(100 * adapterGap);
  });
});
