import type { CliIo } from '../src/index.js';
import { runCli } from '../src/index.js';

export interface TonekitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunTonekitOptions {
  /** Defaults to an empty piped stdin so no test ever waits on the real terminal. */
  stdin?: CliIo['stdin'];
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Runs the CLI in-process with captured output, as `tonekit <args>` would from a shell. */
export async function runTonekit(
  args: readonly string[],
  options: RunTonekitOptions = {},
): Promise<TonekitResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await runCli(['node', 'tonekit', ...args], {
    stdin: options.stdin ?? '',
    stdout: {
      write(chunk) {
        stdout += chunk;
        return true;
      },
    },
    stderr: {
      write(chunk) {
        stderr += chunk;
        return true;
      },
    },
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
  });
  return { exitCode, stdout, stderr };
}

/** Parses per-row JSONL output. */
export function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
