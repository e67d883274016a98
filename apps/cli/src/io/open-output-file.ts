import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { CliError } from '../cli-error.js';
import { fileExists } from './file-exists.js';

export interface OpenOutputFileOptions {
  cwd: string;
  /** The flag that named the file, for messages (`--out`). */
  flag: string;
  /** Replace an existing file; without it an existing file is an error, so no earlier results are lost. */
  force: boolean;
  /** Absolute paths the command reads; writing over one of them would destroy the input. */
  inputs?: readonly string[];
}

export interface OutputFile {
  /** Absolute path the file will have once committed. */
  path: string;
  write(chunk: string): Promise<void>;
  /** Flushes and moves the file into place. */
  commit(): Promise<void>;
  /** Deletes the partial file; the target is left as it was. */
  abort(): Promise<void>;
}

/**
 * Writes to a temporary sibling and renames it over the target only on success, so a failed or
 * interrupted run never leaves a truncated results file behind.
 */
export async function openOutputFile(file: string, options: OpenOutputFileOptions): Promise<OutputFile> {
  const target = path.resolve(options.cwd, file);
  if (options.inputs?.includes(target)) {
    throw CliError.usage(`${options.flag} ${file}: is also the input file; choose another path`);
  }
  if (!options.force && (await fileExists(target))) {
    throw CliError.usage(`${options.flag} ${file}: file exists (pass --force to overwrite it)`);
  }
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const stream = createWriteStream(temporary, { flags: 'wx' });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CliError(`${options.flag} ${file}: cannot write (${(error as Error).message})`, {
      cause: error,
    });
  }
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });

  return {
    path: target,
    async write(chunk) {
      if (failure) throw writeError(options.flag, file, failure);
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async commit() {
      stream.end();
      await once(stream, 'finish').catch(() => undefined);
      if (failure) {
        await rm(temporary, { force: true });
        throw writeError(options.flag, file, failure);
      }
      await rename(temporary, target);
    },
    async abort() {
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}

function writeError(flag: string, file: string, cause: Error): CliError {
  return new CliError(`${flag} ${file}: write failed (${cause.message})`, { cause });
}
