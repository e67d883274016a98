import { Readable } from 'node:stream';

/** Where text goes: anything with a string `write`, such as `process.stdout` or a test capture. */
export interface TextSink {
  write(chunk: string): boolean;
  /** Present on real streams; used to wait for `drain` so large outputs stay bounded in memory. */
  once?(event: 'drain', listener: () => void): unknown;
}

/** The process surface the CLI touches; tests inject every part, `bin.ts` passes none. */
export interface CliIo {
  /** A string is handy in tests; it behaves as a piped (non-TTY) stdin. */
  stdin?: string | (NodeJS.ReadableStream & { isTTY?: boolean });
  stdout?: TextSink;
  stderr?: TextSink;
  /** Relative paths such as `-f data.jsonl` resolve against this. */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * Aborted when the user asks long work to stop (Ctrl-C in `bin.ts`): training saves a checkpoint,
   * blending stops at the next token. Tests abort it themselves.
   */
  interrupt?: AbortSignal;
}

export interface ResolvedCliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TextSink;
  stderr: TextSink;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Never aborted when the caller gave none. */
  interrupt: AbortSignal;
}

export function resolveCliIo(io: CliIo = {}): ResolvedCliIo {
  const stdin =
    typeof io.stdin === 'string'
      ? Object.assign(Readable.from([io.stdin]), { isTTY: false })
      : (io.stdin ?? process.stdin);
  return {
    stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    interrupt: io.interrupt ?? new AbortController().signal,
  };
}
