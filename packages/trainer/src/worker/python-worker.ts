import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { asyncDispose, CancelledError, TonekitError, WorkerCrashedError, WorkerError } from '@tonekit/core';
import { LineTail } from './line-tail.js';
import { resolvePython } from './resolve-python.js';
import { workerPythonDir } from './worker-python-dir.js';

/** The version of PROTOCOL.md this driver speaks; the worker announces its own in `ready`. */
export const workerProtocolVersion = 1;

/** What to do when the interpreter is missing or broken, repeated in every start-up error. */
const environmentAdvice =
  'Check the Python environment with `tonekit trainer doctor`, create one with `tonekit trainer setup`, ' +
  'or choose another interpreter with `--python` (or TONEKIT_PYTHON).';

const stderrTailLines = 200;
const defaultStartTimeoutMs = 60_000;
const defaultGraceMs = 10_000;
/** Between SIGTERM and SIGKILL: long enough for Python to run its `finally` blocks and flush files. */
const terminateGraceMs = 5_000;

export interface StartWorkerOptions {
  /** The interpreter. Defaults to `resolvePython()`: the setup venv when it exists, then `python3` (the CLI also honours TONEKIT_PYTHON). */
  python?: string;
  /** The whole command line, replacing `[python, '-m', 'tonekit_worker']` (tests run a fake worker). */
  command?: string[];
  /**
   * Variables set for the worker on top of this process's environment; `undefined` removes one.
   * `PYTHONPATH` (the bundled worker is prepended) and `PYTHONUNBUFFERED=1` are always set.
   */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** How long the worker may take to announce `ready`. Default 60 s (a cold Python start on a slow disk). */
  startTimeoutMs?: number;
  /** Every line the worker writes to stderr (library warnings, prints, progress bars). */
  onStderr?: (line: string) => void;
  /** Aborts the start: the process is killed and `start` rejects with `CancelledError`. */
  signal?: AbortSignal;
}

/** Installed versions (or `null`) of what the worker can use, as announced in `ready`. */
export interface WorkerCapabilities {
  torch: string | null;
  /** CUDA version torch was built with, when a CUDA device is usable. */
  cuda: string | null;
  cudaDevices: number;
  bf16: boolean;
  transformers: string | null;
  peft: string | null;
  accelerate: string | null;
  safetensors: string | null;
  bitsandbytes: string | null;
  gguf: string | null;
  tokenizers: string | null;
}

export interface WorkerReady {
  protocol: number;
  workerVersion: string;
  /** Python version, such as `3.11.7`. */
  python: string;
  platform: string;
  capabilities: WorkerCapabilities;
}

/** A progress notification of one request; wire fields are kept as sent (snake_case). */
export interface WorkerEvent {
  type: string;
  requestId: number;
  [field: string]: unknown;
}

export interface WorkerRequestOptions {
  signal?: AbortSignal;
  onEvent?: (event: WorkerEvent) => void;
  /**
   * What aborting `signal` does. `true` (default): send `cancel`, then settle with whatever the worker
   * answers — long methods stop at their next step, save a checkpoint and answer with
   * `status: 'cancelled'`, so nothing is lost. `false`: reject at once with `CancelledError` and ignore
   * the answer when it comes.
   */
  cancelOnAbort?: boolean;
}

interface PendingRequest {
  method: string;
  onEvent: ((event: WorkerEvent) => void) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface ReadyWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The Python worker (`python -m tonekit_worker`) as a JSON Lines RPC client (PROTOCOL.md). Requests
 * are multiplexed by id, so control requests (`ping`, `cancel`) go through while a long one (`train`)
 * runs. A worker that exits or breaks the protocol rejects every pending request with
 * `WorkerCrashedError`, carrying the last 200 lines of its stderr. An idle worker does not keep Node
 * running: its process and pipes are unreferenced whenever no request is pending.
 */
export class PythonWorker implements AsyncDisposable {
  /** The process id of the worker. */
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #commandLine: string;
  readonly #cwd: string | undefined;
  readonly #stderr = new LineTail(stderrTailLines);
  readonly #pending = new Map<number, PendingRequest>();
  /** Requests rejected early (`cancelOnAbort: false`) whose answer may still arrive and is ignored. */
  readonly #abandoned = new Set<number>();
  readonly #exited: Promise<void>;
  #ready: WorkerReady | undefined;
  #readyWaiter: ReadyWaiter | undefined;
  #nextId = 1;
  /** Once set, the worker is unusable and every request rejects with it. */
  #failure: Error | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #closing: Promise<void> | undefined;
  #closeRequested = false;

  private constructor(command: string[], options: StartWorkerOptions) {
    this.#commandLine = command.join(' ');
    this.#cwd = options.cwd;
    const [file, ...args] = command as [string, ...string[]];
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, ...options.env })) {
      if (value !== undefined) env[name] = value;
    }
    env.PYTHONPATH = [workerPythonDir, env.PYTHONPATH].filter((entry) => entry).join(path.delimiter);
    env.PYTHONUNBUFFERED = '1';
    this.#child = spawn(file, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.#child.pid ?? -1;
    this.#exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        this.#onClose(code, signal);
        resolve();
      });
    });
    this.#child.on('error', (error: NodeJS.ErrnoException) => this.#onSpawnError(error));
    // A worker that dies mid-write makes stdin emit EPIPE; the exit itself is reported by 'close'.
    this.#child.stdin!.on('error', () => {});
    createInterface({ input: this.#child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
      this.#onLine(line),
    );
    createInterface({ input: this.#child.stderr!, crlfDelay: Number.POSITIVE_INFINITY }).on(
      'line',
      (line) => {
        this.#stderr.push(line);
        options.onStderr?.(line);
      },
    );
  }

  /**
   * Spawns the worker and waits for its `ready` announcement. Rejects with an error that says what to
   * do when the interpreter is missing, exits early (WorkerCrashedError with its stderr), stays silent
   * past `startTimeoutMs`, or speaks another protocol version.
   */
  static async start(options: StartWorkerOptions = {}): Promise<PythonWorker> {
    const { signal, startTimeoutMs = defaultStartTimeoutMs } = options;
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    const command = options.command ?? [
      await resolvePython({ python: options.python }),
      '-m',
      'tonekit_worker',
    ];
    if (command.length === 0 || command[0] === '') {
      throw new TonekitError({
        message: 'The worker command is empty: pass `python` or a non-empty `command`.',
      });
    }
    const worker = new PythonWorker(command, options);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => worker.#failStart(CancelledError.fromSignal(signal!));
    try {
      await new Promise<void>((resolve, reject) => {
        worker.#readyWaiter = { resolve, reject };
        timer = setTimeout(() => {
          const tail = worker.#stderr.toString().trim();
          worker.#failStart(
            new TonekitError({
              message:
                `The Python worker (\`${worker.#commandLine}\`) did not announce \`ready\` within ` +
                `${startTimeoutMs / 1000} s. ${environmentAdvice}` +
                (tail === '' ? '' : `\nLast stderr output:\n${tail}`),
            }),
          );
        }, startTimeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } catch (error) {
      await worker.#exited;
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    worker.#updateRef();
    return worker;
  }

  /** The worker's `ready` announcement: protocol version, Python version and installed packages. */
  get ready(): WorkerReady {
    return this.#ready!;
  }

  /**
   * Sends a request and resolves with the worker's raw `result` (snake_case keys, as on the wire).
   * An error answer rejects with `WorkerError` (code, Python type and traceback); a worker that exits
   * first rejects with `WorkerCrashedError`. Events of this request go to `onEvent`; if `onEvent` throws,
   * the request is cancelled and rejects with that error.
   */
  request<T = unknown>(
    method: string,
    params: Record<string, unknown> = {},
    options: WorkerRequestOptions = {},
  ): Promise<T> {
    const { signal, onEvent, cancelOnAbort = true } = options;
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closeRequested && method !== 'shutdown') {
      return Promise.reject(
        new TonekitError({ message: `Cannot send \`${method}\`: the worker has been closed.` }),
      );
    }
    if (signal?.aborted) return Promise.reject(CancelledError.fromSignal(signal));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (cancelOnAbort) {
          // The worker answers the original request itself once the long method has stopped.
          this.request('cancel', { request_id: id }).catch(() => {});
          return;
        }
        this.#pending.delete(id);
        this.#abandoned.add(id);
        this.#updateRef();
        reject(CancelledError.fromSignal(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        method,
        onEvent,
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.#updateRef();
      this.#child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /**
   * Stops the worker: a `shutdown` request (the worker cancels a long request, saving its checkpoint,
   * and exits), then SIGTERM after `graceMs` (default 10 s), then SIGKILL 5 s later. Requests still
   * pending when it exits reject with `WorkerCrashedError`. Idempotent; resolves once the process is gone.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closing === undefined) {
      this.#closeRequested = true;
      this.#closing = this.#shutdown(options.graceMs ?? defaultGraceMs);
    }
    return this.#closing;
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(graceMs: number): Promise<void> {
    if (this.#exit !== undefined) return;
    // Keep Node alive until the process is gone, even though no request may be pending.
    this.#updateRef();
    if (this.#failure === undefined) {
      this.request('shutdown').catch(() => {});
      if (await this.#waitForExit(graceMs)) return;
    }
    this.#child.kill('SIGTERM');
    if (await this.#waitForExit(terminateGraceMs)) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }

  async #waitForExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.#exited.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return exited;
  }

  #onLine(line: string): void {
    if (this.#failure !== undefined || line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.#protocolError('a line that is not JSON', line);
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.#protocolError('a line that is not a JSON object', line);
      return;
    }
    const record = message as Record<string, unknown>;
    if (this.#ready === undefined) {
      if (record.method !== 'ready') {
        this.#protocolError('something other than the `ready` announcement as its first message', line);
        return;
      }
      this.#onReady(record.params, line);
      return;
    }
    if ('id' in record) {
      this.#onResponse(record, line);
    } else if (record.method === 'event') {
      this.#onEvent(record.params, line);
    }
    // Other notifications are ignored, so that a newer worker can add some without breaking this driver.
  }

  #onReady(params: unknown, line: string): void {
    if (!isRecord(params) || typeof params.protocol !== 'number') {
      this.#protocolError('a `ready` announcement without a protocol version', line);
      return;
    }
    if (params.protocol !== workerProtocolVersion) {
      this.#failStart(
        new TonekitError({
          message:
            `The Python worker speaks protocol version ${params.protocol}, but this @tonekit/trainer speaks ` +
            `version ${workerProtocolVersion}. Another \`tonekit_worker\` shadows the bundled one at ` +
            `${workerPythonDir} (check PYTHONPATH and \`pip list\`), or the package is half upgraded: ` +
            'reinstall @tonekit/trainer.',
        }),
      );
      return;
    }
    const capabilities = isRecord(params.capabilities) ? params.capabilities : {};
    const version = (name: string): string | null =>
      typeof capabilities[name] === 'string' ? (capabilities[name] as string) : null;
    this.#ready = {
      protocol: params.protocol,
      workerVersion: String(params.worker_version ?? ''),
      python: String(params.python ?? ''),
      platform: String(params.platform ?? ''),
      capabilities: {
        torch: version('torch'),
        cuda: version('cuda'),
        cudaDevices: typeof capabilities.cuda_devices === 'number' ? capabilities.cuda_devices : 0,
        bf16: capabilities.bf16 === true,
        transformers: version('transformers'),
        peft: version('peft'),
        accelerate: version('accelerate'),
        safetensors: version('safetensors'),
        bitsandbytes: version('bitsandbytes'),
        gguf: version('gguf'),
        tokenizers: version('tokenizers'),
      },
    };
    const waiter = this.#readyWaiter;
    this.#readyWaiter = undefined;
    waiter?.resolve();
  }

  #onResponse(record: Record<string, unknown>, line: string): void {
    const id = record.id;
    if (typeof id !== 'number') {
      this.#protocolError('a response whose `id` is not a number', line);
      return;
    }
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      if (this.#abandoned.delete(id)) return;
      this.#protocolError(`a response to request ${id}, which is not pending`, line);
      return;
    }
    this.#pending.delete(id);
    this.#updateRef();
    if (isRecord(record.error)) {
      const { code, message, python_type: pythonType, traceback } = record.error;
      pending.reject(
        new WorkerError({
          message:
            typeof message === 'string' ? message : `The worker's \`${pending.method}\` request failed.`,
          pythonType: typeof pythonType === 'string' ? pythonType : '',
          traceback: typeof traceback === 'string' ? traceback : '',
          code: typeof code === 'string' ? code : 'internal',
        }),
      );
    } else if ('result' in record) {
      pending.resolve(record.result);
    } else {
      this.#protocolError(`a response to request ${id} with neither \`result\` nor \`error\``, line);
    }
  }

  #onEvent(params: unknown, line: string): void {
    if (!isRecord(params) || typeof params.request_id !== 'number' || typeof params.type !== 'string') {
      this.#protocolError('an event without a numeric `request_id` and a `type`', line);
      return;
    }
    const requestId = params.request_id;
    const pending = this.#pending.get(requestId);
    if (pending?.onEvent === undefined) return;
    try {
      pending.onEvent({ ...params, type: params.type, requestId });
    } catch (error) {
      // A listener that throws must not break the channel: the request is abandoned and cancelled.
      this.#pending.delete(requestId);
      this.#abandoned.add(requestId);
      this.#updateRef();
      pending.reject(error);
      this.request('cancel', { request_id: requestId }).catch(() => {});
    }
  }

  #protocolError(what: string, line: string): void {
    const shown = line.length > 500 ? `${line.slice(0, 500)}… (${line.length} characters)` : line;
    this.#fail(
      new WorkerCrashedError({
        exitCode: null,
        signal: null,
        stderrTail: this.#stderr.toString(),
        message:
          `Protocol error: the Python worker sent ${what}: ${shown}\n` +
          'Something wrote to the protocol channel (fd 1 duplicated at start-up), or the worker does not ' +
          `match this driver. The worker was stopped. ${environmentAdvice}`,
      }),
    );
    this.#child.kill('SIGKILL');
  }

  #onSpawnError(error: NodeJS.ErrnoException): void {
    // After `ready` the process is known to run; a later 'error' (a failed kill) changes nothing.
    if (this.#ready !== undefined || this.#exit !== undefined || this.#failure !== undefined) return;
    const program = this.#commandLine.split(' ')[0];
    // Node reports a missing working directory with the same ENOENT as a missing program.
    const message =
      this.#cwd !== undefined && !existsSync(this.#cwd)
        ? `The worker's working directory ${this.#cwd} does not exist.`
        : error.code === 'ENOENT'
          ? `The Python interpreter \`${program}\` was not found (ENOENT). ${environmentAdvice}`
          : `Could not start the Python worker \`${this.#commandLine}\`: ${error.message}. ${environmentAdvice}`;
    this.#fail(new TonekitError({ message, cause: error }));
  }

  #onClose(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = { code, signal };
    this.#updateRef();
    if (this.#failure !== undefined) return;
    const stderrTail = this.#stderr.toString();
    if (this.#ready === undefined) {
      const tail = stderrTail.trim();
      const how = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      const hint = /No module named '?tonekit_worker/.test(tail)
        ? `The bundled worker was not found on PYTHONPATH (${workerPythonDir}). `
        : '';
      this.#fail(
        new WorkerCrashedError({
          exitCode: code,
          signal,
          stderrTail,
          message:
            `The Python worker (\`${this.#commandLine}\`) exited before it was ready (${how}). ${hint}` +
            environmentAdvice +
            (tail === '' ? '' : `\nLast stderr output:\n${tail}`),
        }),
      );
      return;
    }
    const closed = this.#closeRequested;
    this.#fail(
      new WorkerCrashedError({
        exitCode: code,
        signal,
        stderrTail,
        ...(closed ? { message: 'The worker was closed before it answered.' } : {}),
      }),
    );
  }

  /** Rejects the start (when still waiting for `ready`) and kills the process. */
  #failStart(error: Error): void {
    this.#fail(error);
    this.#child.kill('SIGKILL');
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const waiter = this.#readyWaiter;
    this.#readyWaiter = undefined;
    waiter?.reject(error);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(error);
    this.#updateRef();
  }

  /** Holds the event loop open only while something waits on the worker. */
  #updateRef(): void {
    const busy =
      this.#exit === undefined &&
      (this.#ready === undefined || this.#pending.size > 0 || this.#closeRequested);
    const handles = [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr] as Array<{
      ref?: () => void;
      unref?: () => void;
    } | null>;
    for (const handle of handles) {
      if (busy) handle?.ref?.();
      else handle?.unref?.();
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
