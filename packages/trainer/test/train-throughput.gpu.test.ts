import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTrainingUnavailable, venvPython } from './support/local-training.js';

// The throughput benchmark on Llama-3.2-1B's architecture (random init) on CUDA, a few steps: checks
// that both runs (ours and the HF Trainer + PEFT baseline) train and produce measurements. It does
// not assert the goals; `npm run bench -w @tonekit/trainer -- --preset llama-3.2-1b --device cuda`
// prints them.
const script = fileURLToPath(new URL('../python/bench/bench_train.py', import.meta.url));

function cudaUnavailable(): string | undefined {
  const missing = localTrainingUnavailable();
  if (missing !== undefined) return missing;
  const probe = spawnSync(venvPython, ['-c', 'import torch; print(torch.cuda.is_available())'], {
    encoding: 'utf8',
  });
  return probe.stdout.trim() === 'True' ? undefined : `torch in ${venvPython} sees no CUDA GPU`;
}

const unavailable = cudaUnavailable();
if (unavailable !== undefined) {
  console.warn(`\n!!! SKIPPED the llama-3.2-1b training throughput GPU test: ${unavailable}.\n`);
}

interface Run {
  label: string;
  kind: string;
  tokens: number;
  seconds: number;
  tokens_per_second: number;
  peak_memory_bytes: number;
  memory_metric: string;
  mean_loss: number | null;
}

describe.skipIf(unavailable !== undefined)('training throughput benchmark, llama-3.2-1b on CUDA', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonekit-train-throughput-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures tokens/s and peak memory of ours and the baseline', async () => {
    const jsonPath = join(dir, 'out.json');
    const args = [
      script,
      ...['--preset', 'llama-3.2-1b', '--device', 'cuda', '--steps', '3', '--warmup', '1'],
      ...['--batching', 'length-grouped,padding-free', '--json', jsonPath],
    ];
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(venvPython, args, { env: { ...process.env, PYTHONUNBUFFERED: '1' } });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    const text = output.join('');
    console.log(text.slice(-4000));
    if (code !== 0) throw new Error(`bench_train.py failed (exit ${code}):\n${text.slice(-6000)}`);

    const result = JSON.parse(await readFile(jsonPath, 'utf8')) as {
      device: string;
      memory_metric: string;
      summary: Run[];
      ratios: { tokens_per_second_ratio: number; peak_memory_ratio: number }[];
    };
    expect(result.device).toBe('cuda');
    expect(result.memory_metric).toBe('cuda_max_memory_allocated');
    expect(result.summary.map((run) => run.kind)).toEqual(['baseline', 'ours', 'ours']);
    for (const run of result.summary) {
      expect(run.tokens).toBeGreaterThan(0);
      expect(run.seconds).toBeGreaterThan(0);
      expect(Number.isFinite(run.tokens_per_second) && run.tokens_per_second > 0).toBe(true);
      // At least the 1B base's bf16 weights (about 2.5 GB) must be on the GPU.
      expect(run.peak_memory_bytes).toBeGreaterThan(2e9);
      expect(Number.isFinite(run.mean_loss)).toBe(true);
    }
    expect(result.ratios).toHaveLength(2);
    for (const ratio of result.ratios) {
      expect(Number.isFinite(ratio.tokens_per_second_ratio) && ratio.tokens_per_second_ratio > 0).toBe(true);
      expect(Number.isFinite(ratio.peak_memory_ratio) && ratio.peak_memory_ratio > 0).toBe(true);
    }
  }, 900_000);
});
