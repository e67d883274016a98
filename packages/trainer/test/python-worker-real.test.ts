import { describe, expect, it } from 'vitest';
import { PythonWorker } from '../src/worker/python-worker.js';
import { probeRealPython, warnSkipped } from './real-python.js';

const real = probeRealPython();
if (typeof real === 'string') warnSkipped('The real Python worker tests', real);

describe.skipIf(typeof real === 'string')('PythonWorker against the real tonekit_worker', () => {
  const { python, versions, pythonVersion } = real as Exclude<typeof real, string>;

  it('announces ready with the versions installed in the interpreter', async () => {
    const stderr: string[] = [];
    const begin = Date.now();
    await using worker = await PythonWorker.start({ python, onStderr: (line) => stderr.push(line) });
    const startMs = Date.now() - begin;
    const { ready } = worker;
    expect(ready.protocol).toBe(1);
    expect(ready.workerVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(ready.python).toBe(pythonVersion);
    expect(ready.platform).toMatch(/^(linux|macosx|win)/);
    const { cuda, cudaDevices, bf16, ...packages } = ready.capabilities;
    expect(packages).toEqual({
      torch: versions.torch,
      transformers: versions.transformers,
      peft: versions.peft,
      accelerate: versions.accelerate,
      safetensors: versions.safetensors,
      bitsandbytes: versions.bitsandbytes,
      gguf: versions.gguf,
      tokenizers: versions.tokenizers,
    });
    // CUDA facts agree with each other whatever the machine.
    if (cuda === null) {
      expect(cudaDevices).toBe(0);
      expect(bf16).toBe(false);
    } else {
      expect(cudaDevices).toBeGreaterThan(0);
    }
    expect(await worker.request('ping')).toEqual({ pong: true });
    const unknown = await worker.request('fly').catch((error: unknown) => error);
    expect(unknown).toMatchObject({ name: 'WorkerError', code: 'unknown_method' });
    console.info(`real worker: ready after ${startMs} ms`);
  });

  it('exits on close with its shutdown request', async () => {
    const worker = await PythonWorker.start({ python });
    const begin = Date.now();
    await worker.close();
    expect(Date.now() - begin).toBeLessThan(10_000);
    expect(() => process.kill(worker.pid, 0)).toThrow();
  });
});
