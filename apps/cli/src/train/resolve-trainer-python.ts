import * as path from 'node:path';
import { resolvePython } from '@tonekit/trainer';
import type { ResolvedCliIo } from '../cli-io.js';

/**
 * The interpreter of the trainer's Python worker: `--python` (a path resolves against the working
 * directory, a bare name is looked up on PATH), else TONEKIT_PYTHON, else the venv of `tonekit trainer
 * setup` (TONEKIT_HOME / XDG_CACHE_HOME), else `python3`.
 */
export function resolveTrainerPython(flag: string | undefined, io: ResolvedCliIo): Promise<string> {
  const python = flag === undefined ? undefined : flag.includes('/') ? path.resolve(io.cwd, flag) : flag;
  return resolvePython({ python, env: io.env });
}
