import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CliError } from '../cli-error.js';

/**
 * Turns a user-supplied path into an absolute path to a readable regular file, or fails with a message
 * that names the flag and the resolved path (a relative path alone is ambiguous in CI logs).
 */
export async function resolveInputFile(file: string, cwd: string, flag: string): Promise<string> {
  const absolute = path.resolve(cwd, file);
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new CliError(`${flag} ${file}: ${reason} (resolved to ${absolute})`, { cause: error });
  }
  if (!stats.isFile()) {
    throw new CliError(`${flag} ${file}: not a regular file (resolved to ${absolute})`);
  }
  return absolute;
}
