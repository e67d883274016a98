import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localTrainingUnavailable, venvPython } from './support/local-training.js';

// The worker's own test suite (pytest: protocol transcripts, the OneCycleLR schedule, the int8 layer's
// error bound, the loss mask, training/resume, GGUF export, batched blending) runs as part of
// `npm test`, so one command checks both halves of the trainer.
const pythonDir = fileURLToPath(new URL('../python', import.meta.url));
const unavailable = localTrainingUnavailable();
if (unavailable !== undefined) console.warn(`SKIPPED the Python worker's pytest suite: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("the Python worker's pytest suite", () => {
  it('passes', async () => {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(venvPython, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
        cwd: pythonDir,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    const text = output.join('');
    const summary = text.trim().split('\n').at(-1) ?? '';
    console.log(`pytest: ${summary}`);
    if (code !== 0) throw new Error(`pytest failed (exit ${code}):\n${text.slice(-6000)}`);
    expect(summary).toMatch(/\d+ passed/);
    expect(summary).not.toMatch(/failed|error/);
  }, 300_000);
});
