import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** Environment variables the interpreter lookup honours; libraries never read `process.env` themselves (DESIGN §3): the CLI passes its own. */
export interface TrainerEnvironment {
  TONEKIT_PYTHON?: string | undefined;
  TONEKIT_HOME?: string | undefined;
  XDG_CACHE_HOME?: string | undefined;
}

/**
 * Where `tonekit trainer setup` creates the trainer's virtual environment: `$TONEKIT_HOME/trainer-venv`,
 * else `$XDG_CACHE_HOME/tonekit/trainer-venv`, else `~/.cache/tonekit/trainer-venv`. A cache folder
 * because the environment can be rebuilt at any time from `requirements.txt`. `env` is empty unless
 * given, so a library caller gets `~/.cache/tonekit/trainer-venv`.
 */
export function defaultTrainerVenvDir(env: TrainerEnvironment = {}): string {
  const tonekitHome = nonEmpty(env.TONEKIT_HOME);
  if (tonekitHome !== undefined) return path.join(tonekitHome, 'trainer-venv');
  const cacheHome = nonEmpty(env.XDG_CACHE_HOME) ?? path.join(homedir(), '.cache');
  return path.join(cacheHome, 'tonekit', 'trainer-venv');
}

/** The interpreter inside a virtual environment (`bin/python`, or `Scripts\python.exe` on Windows). */
export function venvPython(venvDir: string): string {
  return process.platform === 'win32'
    ? path.join(venvDir, 'Scripts', 'python.exe')
    : path.join(venvDir, 'bin', 'python');
}

/**
 * The Python interpreter the trainer runs, first match wins: `options.python`, `env.TONEKIT_PYTHON`, the
 * virtual environment made by `tonekit trainer setup` when it exists, then `python3` from `PATH`.
 * An explicit choice always wins, even if it does not exist, so that a typo gives a clear "not found"
 * error rather than silently running another interpreter.
 */
export async function resolvePython(
  options: { python?: string | undefined; env?: TrainerEnvironment } = {},
): Promise<string> {
  const env = options.env ?? {};
  const explicit = nonEmpty(options.python) ?? nonEmpty(env.TONEKIT_PYTHON);
  if (explicit !== undefined) return explicit;
  const fromSetup = venvPython(defaultTrainerVenvDir(env));
  try {
    await access(fromSetup, constants.X_OK);
    return fromSetup;
  } catch {
    return process.platform === 'win32' ? 'python' : 'python3';
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
