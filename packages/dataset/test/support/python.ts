import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository's Python venv (created by .ci/run with pyarrow), resolved from this file. */
export const pythonPath = fileURLToPath(new URL('../../../../.venv/bin/python', import.meta.url));

/** Why pyarrow interop tests cannot run here, or undefined when they can. */
export function pyarrowUnavailable(): string | undefined {
  if (!existsSync(pythonPath))
    return `${pythonPath} does not exist (run .ci/run or create the venv with pyarrow)`;
  const probe = spawnSync(pythonPath, ['-c', 'import pyarrow; print(pyarrow.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    return `pyarrow cannot be imported by ${pythonPath}: ${probe.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

/** Runs a script from test/interop with the venv's Python and returns its stdout, failing loudly. */
export function runPython(script: string, args: string[]): string {
  const path = fileURLToPath(new URL(`../interop/${script}`, import.meta.url));
  const result = spawnSync(pythonPath, [path, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
