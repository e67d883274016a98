import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { LogitSequence } from '@tonekit/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PythonWorker } from '../src/worker/python-worker.js';
import { workerPythonDir } from '../src/worker/worker-python-dir.js';
import {
  createWorkerLogitSources,
  type WorkerLogitSources,
} from '../src/worker-logit-source/create-worker-logit-sources.js';
import { probeRealPython, warnSkipped } from './real-python.js';

const run = promisify(execFile);
const real = probeRealPython();
if (typeof real === 'string') warnSkipped('Worker logit sources on a real tiny Llama', real);

// Two LoRA adapters with random A and B (peft's init_lora_weights=False), so each one really changes
// the model's output, unlike a freshly initialized adapter whose B is zero.
const writeAdapters = `
import sys
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

base = sys.argv[1]
for index, out in enumerate(sys.argv[2:]):
    torch.manual_seed(1000 + index)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(out)
`;

describe.skipIf(typeof real === 'string')(
  'worker logit sources on a real tiny Llama with two adapters',
  () => {
    const { python } = real as Exclude<typeof real, string>;
    let dir: string;
    let worker: PythonWorker;
    let blend: WorkerLogitSources;
    let methods: string[];

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'tonekit-worker-logit-source-'));
      const env = { ...process.env, PYTHONPATH: workerPythonDir };
      await run(python, ['-m', 'tonekit_worker.testing.tiny_llama', '--out', path.join(dir, 'model')], {
        env,
      });
      await writeFile(path.join(dir, 'write_adapters.py'), writeAdapters);
      await run(python, [
        path.join(dir, 'write_adapters.py'),
        path.join(dir, 'model'),
        path.join(dir, 'ed'),
        path.join(dir, 'wow'),
      ]);
      worker = await PythonWorker.start({ python });
      methods = [];
      const original = worker.request.bind(worker);
      vi.spyOn(worker, 'request').mockImplementation((method, params, options) => {
        methods.push(method);
        return original(method, params, options);
      });
      blend = await createWorkerLogitSources({
        worker,
        model: path.join(dir, 'model'),
        adapters: [
          { name: 'ed', path: path.join(dir, 'ed') },
          { name: 'wow', path: path.join(dir, 'wow') },
        ],
        includeBase: true,
        device: 'cpu',
      });
    });

    afterAll(async () => {
      await blend?.dispose();
      await worker?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('steps 3 sources in one batched step per step, with the log-probs of each source used alone', async () => {
      const [ed] = blend.sources;
      const { vocabularySize, vocabularyHash, specialTokens } = ed!.tokenizer;
      expect(vocabularySize).toBeGreaterThan(300);
      expect(vocabularyHash).toMatch(/^[0-9a-f]{64}$/);
      expect(specialTokens.eos.length).toBeGreaterThan(0);
      for (const source of blend.sources) expect(source.tokenizer).toEqual(ed!.tokenizer);

      const prompt = await ed!.applyChatTemplate!([{ role: 'user', content: 'Why is the sky blue?' }]);
      expect(prompt).toContain('Why is the sky blue?');
      const promptTokens = await ed!.tokenize(prompt);
      expect(await ed!.detokenize(promptTokens)).toBe(prompt);

      // Blend-like: every source is stepped in the same tick and fed the same chosen token.
      const steps = 4;
      const together = await Promise.all(blend.sources.map((source) => source.createSequence()));
      const before = methods.length;
      const fed: number[][] = [promptTokens];
      const batched: Float32Array[][] = [];
      for (let step = 0; step < steps; step++) {
        const results = await Promise.all(
          together.map((sequence) => sequence.doNextLogProbs({ tokens: fed[step]! })),
        );
        for (const values of results) expect(values).toHaveLength(vocabularySize);
        batched.push(results);
        fed.push([argmax(results[0]!)]);
      }
      expect(methods.slice(before)).toEqual(['open_sequences', ...Array(steps).fill('step')]);

      // Each source alone (one at a time, so each forms a group of one) gives the same numbers.
      for (const [index, source] of blend.sources.entries()) {
        const alone: LogitSequence = await source.createSequence();
        for (let step = 0; step < steps; step++) {
          const values = await alone.doNextLogProbs({ tokens: fed[step]! });
          expect(maxAbsoluteDifference(values, batched[step]![index]!)).toBeLessThan(1e-5);
        }
        await alone.dispose();
      }
      // ... and the three really differ (the adapters are not no-ops), so the comparison means something.
      expect(maxAbsoluteDifference(batched[0]![0]!, batched[0]![1]!)).toBeGreaterThan(1e-3);
      expect(maxAbsoluteDifference(batched[0]![0]!, batched[0]![2]!)).toBeGreaterThan(1e-3);
      // log-softmax: probabilities sum to 1.
      const total = batched[0]![2]!.reduce((sum, value) => sum + Math.exp(value), 0);
      expect(total).toBeCloseTo(1, 4);
      await Promise.all(together.map((sequence) => sequence.dispose()));
      expect(methods.at(-1)).toBe('close_sequences');
    });
  },
);

function argmax(values: Float32Array): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) if (values[index]! > values[best]!) best = index;
  return best;
}

function maxAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let index = 0; index < a.length; index++) max = Math.max(max, Math.abs(a[index]! - b[index]!));
  return max;
}
