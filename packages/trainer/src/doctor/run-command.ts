import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CancelledError } from '@tonekit/core';
import { LineTail } from '../worker/line-tail.js';

export interface RunCommandOptions {
  /** Every line of stdout and stderr, in arrival order. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Lines kept for the error message. Default 60. */
  tailLines?: number;
  /** Kill the command after this long (SIGKILL). Default: no limit. */
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Joined stdout+stderr lines. */
  output: string;
  /** The last `tailLines` lines. */
  tail: string;
  timedOut: boolean;
}

/**
 * Runs a command with both output streams read line by line. Resolves with its exit status (whatever
 * it is); rejects only when it cannot be started (the spawn error, such as ENOENT) or on `signal`
 * (CancelledError, after killing it).
 */
export function runCommand(
  command: string,
  args: string[],
  { onLine, signal, tailLines = 60, timeoutMs }: RunCommandOptions = {},
): Promise<CommandResult> {
  if (signal?.aborted) return Promise.reject(CancelledError.fromSignal(signal));
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = new LineTail(tailLines);
    const lines: string[] = [];
    let timedOut = false;
    const onText = (line: string) => {
      lines.push(line);
      tail.push(line);
      onLine?.(line);
    };
    createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onText);
    createInterface({ input: child.stderr!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onText);
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs);
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(CancelledError.fromSignal(signal));
      else if (spawnError !== undefined) reject(spawnError);
      else {
        resolve({ exitCode, signal: exitSignal, output: lines.join('\n'), tail: tail.toString(), timedOut });
      }
    });
  });
}
