/**
 * Training throughput and peak memory of the Python worker's LoRA loop against a plain HF Trainer +
 * PEFT baseline measured in the same run (python/bench/bench_train.py does the work; this only finds
 * the interpreter and streams its output).
 *
 * Default: the `tiny` preset on the CPU (about a minute on two cores). The goal (>= 2x tokens/s,
 * <= 0.5x peak memory) is about Llama-3.2-1B's architecture on a GPU:
 *   npm run bench -w @tonekit/trainer -- --preset llama-3.2-1b --device cuda [--json out.json]
 * Any argument is passed through (later ones win over the defaults); `-- --help` lists them.
 *
 * Python: TONEKIT_PYTHON, else the repository's .venv/bin/python, else python3 on PATH; it needs
 * torch, transformers and peft (packages/trainer/python/requirements.txt).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../python/bench/bench_train.py', import.meta.url));
const venvPython = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
const python = process.env.TONEKIT_PYTHON ?? (existsSync(venvPython) ? venvPython : 'python3');

const child = spawn(python, [script, '--preset', 'tiny', '--device', 'cpu', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, PYTHONUNBUFFERED: '1' },
});
child.on('error', (error) => {
  console.error(`could not start ${python}: ${error.message} (set TONEKIT_PYTHON to a Python with torch)`);
  process.exitCode = 2;
});
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
