import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerPythonDir } from '../../src/worker/index.js';

/** The repository's venv with torch, transformers and peft (CPU builds). */
export const venvPython = fileURLToPath(new URL('../../../../.venv/bin/python', import.meta.url));

/** Why the real-worker tests cannot run here, or undefined when they can. */
export function localTrainingUnavailable(): string | undefined {
  if (!existsSync(venvPython))
    return `${venvPython} does not exist (create the venv with torch, transformers, peft)`;
  const probe = spawnSync(venvPython, ['-c', 'import torch, transformers, peft'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return `${venvPython} cannot import torch, transformers and peft: ${probe.stderr.trim().split('\n').at(-1)}`;
  }
  return undefined;
}

/** Writes the tiny random Llama of the Python worker's test kit (no download). */
export function writeTinyLlama(dir: string): void {
  const result = spawnSync(venvPython, ['-m', 'tonekit_worker.testing.tiny_llama', '--out', dir], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: workerPythonDir },
  });
  if (result.status !== 0) throw new Error(`tiny_llama failed (${result.status}):\n${result.stderr}`);
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export async function readRunJson(outputDir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(outputDir, 'run.json'), 'utf8')) as Record<string, unknown>;
}
