import { access, constants, mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError, TonekitError } from '@tonekit/core';
import { defaultTrainerVenvDir, venvPython } from '../worker/resolve-python.js';
import { workerRequirementsFile } from './parse-requirements.js';
import { type CommandResult, runCommand } from './run-command.js';

export interface SetupTrainerEnvironmentOptions {
  /** Where to create the virtual environment. Default `defaultTrainerVenvDir()`, which `resolvePython` finds. */
  venvDir?: string;
  /** The interpreter that creates the venv. Default `python3`. */
  python?: string;
  /** More pip requirements, installed with the worker's (`bitsandbytes>=0.43`, a CUDA torch wheel). */
  extras?: string[];
  /** Every output line of `venv` and `pip`, for a progress display. */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SetupTrainerEnvironmentResult {
  venvDir: string;
  /** The venv's interpreter: pass it as `--python`, or let `resolvePython` find it. */
  python: string;
}

/**
 * Creates (or repairs) the trainer's virtual environment: `python3 -m venv <venvDir>` when it has no
 * interpreter yet, then `<venv>/bin/python -m pip install -r requirements.txt [extras]`. pip's own
 * configuration (index URL, proxy, cache) applies. A separate venv because torch and transformers pin
 * versions that would fight with whatever else lives in the user's Python.
 */
export async function setupTrainerEnvironment(
  options: SetupTrainerEnvironmentOptions = {},
): Promise<SetupTrainerEnvironmentResult> {
  const { extras = [], onOutput, signal } = options;
  const basePython = options.python ?? 'python3';
  const venvDir = path.resolve(options.venvDir ?? defaultTrainerVenvDir());
  const python = venvPython(venvDir);
  if (signal?.aborted) throw CancelledError.fromSignal(signal);

  if (!(await isExecutable(python))) {
    await mkdir(path.dirname(venvDir), { recursive: true });
    onOutput?.(`$ ${basePython} -m venv ${venvDir}`);
    const created = await run(basePython, ['-m', 'venv', venvDir], { onOutput, signal });
    if (created.exitCode !== 0 || !(await isExecutable(python))) {
      throw new TonekitError({
        message:
          `Could not create the virtual environment ${venvDir} with \`${basePython} -m venv\` (${describe(created)}). ` +
          'On Debian/Ubuntu install the venv module (`sudo apt install python3-venv`), or pass another interpreter ' +
          `with --python.\n${created.tail}`,
      });
    }
  }

  const args = ['-m', 'pip', 'install', '-r', workerRequirementsFile, ...extras];
  onOutput?.(`$ ${python} ${args.join(' ')}`);
  const installed = await run(python, args, { onOutput, signal });
  if (installed.exitCode !== 0) {
    throw new TonekitError({
      message:
        `pip could not install the trainer's requirements into ${venvDir} (${describe(installed)}). ` +
        'Check the network or your pip configuration (index URL, proxy), then run `tonekit trainer setup` again.\n' +
        `Last pip output:\n${installed.tail}`,
    });
  }
  return { venvDir, python };
}

async function run(
  command: string,
  args: string[],
  { onOutput, signal }: { onOutput: ((line: string) => void) | undefined; signal: AbortSignal | undefined },
): Promise<CommandResult> {
  try {
    return await runCommand(command, args, { onLine: onOutput, signal });
  } catch (error) {
    if (CancelledError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TonekitError({
      message:
        code === 'ENOENT'
          ? `The Python interpreter \`${command}\` was not found. Install Python 3.10 or newer, or pass its path with --python.`
          : `Could not run \`${command}\`: ${(error as Error).message}`,
      cause: error,
    });
  }
}

function describe(result: CommandResult): string {
  return result.signal !== null ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
