import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError, TonekitError, WorkerCrashedError, WorkerError } from '@tonekit/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PythonWorker, type WorkerEvent } from '../src/worker/python-worker.js';
import { workerPythonDir } from '../src/worker/worker-python-dir.js';
import { type FakeWorker, writeFakeWorker } from './fake-worker-script.js';
import { rejectionOf } from './rejection-of.js';

let fake: FakeWorker;
const started: PythonWorker[] = [];

beforeAll(async () => {
  fake = await writeFakeWorker();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.close({ graceMs: 1_000 })));
});

afterAll(async () => {
  await fake.cleanup();
});

async function start(mode = 'normal', options: Parameters<typeof PythonWorker.start>[0] = {}) {
  const worker = await PythonWorker.start({
    command: fake.command,
    ...options,
    env: { FAKE_MODE: mode, ...options.env },
  });
  started.push(worker);
  return worker;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('PythonWorker.start', () => {
  it('reads the ready announcement into camelCase capabilities', async () => {
    const worker = await start();
    expect(worker.ready).toEqual({
      protocol: 1,
      workerVersion: '0.1.0-fake',
      python: '3.11.7',
      platform: 'linux-x86_64',
      capabilities: {
        torch: '2.13.0+cpu',
        cuda: null,
        cudaDevices: 0,
        bf16: false,
        transformers: '5.18.0',
        peft: '0.21.0',
        accelerate: null,
        safetensors: '0.6.2',
        bitsandbytes: null,
        gguf: '0.19.0',
        tokenizers: '0.22.1',
      },
    });
    expect(worker.pid).toBeGreaterThan(0);
    expect(isAlive(worker.pid)).toBe(true);
  });

  it('prepends the bundled worker to PYTHONPATH, sets PYTHONUNBUFFERED, env and cwd', async () => {
    const worker = await start('normal', {
      env: { PYTHONPATH: '/somewhere/else', FAKE_EXTRA: 'yes' },
      cwd: fake.dir,
    });
    const result = await worker.request<Record<string, unknown>>('echo', { a: [1, 2], b: { c: 'd' } });
    expect(result).toEqual({
      params: { a: [1, 2], b: { c: 'd' } },
      pythonpath: `${workerPythonDir}${path.delimiter}/somewhere/else`,
      unbuffered: '1',
      extra: 'yes',
      cwd: fake.dir,
    });
  });

  it('passes stderr lines to onStderr', async () => {
    const lines: string[] = [];
    await start('normal', { onStderr: (line) => lines.push(line) });
    expect(lines).toContain('fake worker starting');
  });

  it('says what to do when the interpreter does not exist (ENOENT)', async () => {
    const error = await rejectionOf(PythonWorker.start({ python: '/nonexistent/bin/python3' }));
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error.message).toContain('`/nonexistent/bin/python3` was not found (ENOENT)');
    expect(error.message).toContain('tonekit trainer doctor');
    expect(error.message).toContain('tonekit trainer setup');
    expect(error.message).toContain('--python');
    expect(error.cause.code).toBe('ENOENT');
  });

  it('tells a missing working directory apart from a missing interpreter', async () => {
    const error = await rejectionOf(PythonWorker.start({ command: fake.command, cwd: '/nonexistent/dir' }));
    expect(error.message).toBe("The worker's working directory /nonexistent/dir does not exist.");
  });

  it('times out when ready does not come, kills the process and shows its stderr', async () => {
    const begin = Date.now();
    const error = await rejectionOf(
      PythonWorker.start({
        command: fake.command,
        env: { FAKE_MODE: 'silent' },
        startTimeoutMs: 400,
      }),
    );
    expect(Date.now() - begin).toBeLessThan(5_000);
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error.message).toContain('did not announce `ready` within 0.4 s');
    expect(error.message).toContain('tonekit trainer doctor');
    expect(error.message).toContain('importing torch...');
  });

  it('reports an exit before ready as WorkerCrashedError with the stderr tail', async () => {
    const error = await rejectionOf(
      PythonWorker.start({ command: fake.command, env: { FAKE_MODE: 'die-early' } }),
    );
    expect(WorkerCrashedError.isInstance(error)).toBe(true);
    expect(error.exitCode).toBe(1);
    expect(error.stderrTail).toContain("ModuleNotFoundError: No module named 'tonekit_worker'");
    expect(error.message).toContain('exited before it was ready (exit code 1)');
    expect(error.message).toContain(workerPythonDir);
  });

  it('rejects a worker that speaks another protocol version', async () => {
    const error = await rejectionOf(
      PythonWorker.start({ command: fake.command, env: { FAKE_MODE: 'protocol-2' } }),
    );
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error.message).toContain('protocol version 2');
    expect(error.message).toContain('version 1');
  });

  it('can be aborted while starting', async () => {
    const controller = new AbortController();
    const starting = PythonWorker.start({
      command: fake.command,
      env: { FAKE_MODE: 'silent' },
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('user')), 100);
    const error = await rejectionOf(starting);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(error.cause.message).toBe('user');
  });
});

describe('PythonWorker.request', () => {
  it('answers control requests while a long one runs', async () => {
    const worker = await start();
    const order: string[] = [];
    const slow = worker.request('slow', { ms: 400 }).then(() => order.push('slow'));
    const pings = Promise.all([worker.request('ping'), worker.request('ping'), worker.request('ping')]).then(
      (answers) => {
        order.push('pings');
        return answers;
      },
    );
    expect(await pings).toEqual([{ pong: true }, { pong: true }, { pong: true }]);
    await slow;
    expect(order).toEqual(['pings', 'slow']);
  });

  it('delivers events with requestId and the wire fields kept as sent', async () => {
    const worker = await start();
    const events: WorkerEvent[] = [];
    const result = await worker.request('events', {}, { onEvent: (event) => events.push(event) });
    expect(result).toEqual({ status: 'succeeded' });
    expect(events.map((event) => [event.type, event.requestId, event.step, event.tokens_per_second])).toEqual(
      [
        ['step-end', 1, 1, 10],
        ['step-end', 1, 2, 20],
        ['step-end', 1, 3, 30],
      ],
    );
  });

  it('turns error answers into WorkerError with code, Python type and traceback', async () => {
    const worker = await start();
    const error = await rejectionOf(worker.request('fail'));
    expect(WorkerError.isInstance(error)).toBe(true);
    expect(error.code).toBe('missing_dependency');
    expect(error.pythonType).toBe('ModuleNotFoundError');
    expect(error.message).toBe("train needs the Python package 'peft'");
    expect(error.traceback).toContain('ModuleNotFoundError: peft');
    // The worker is still usable.
    expect(await worker.request('ping')).toEqual({ pong: true });
    const unknown = await rejectionOf(worker.request('nope'));
    expect(unknown.code).toBe('unknown_method');
    expect(unknown.pythonType).toBe('');
  });

  it('rejects every pending request with WorkerCrashedError carrying the traceback when the worker dies', async () => {
    const worker = await start();
    const slow = rejectionOf(worker.request('slow', { ms: 60_000 }));
    const crash = rejectionOf(worker.request('crash'));
    const [slowError, crashError] = await Promise.all([slow, crash]);
    for (const error of [slowError, crashError]) {
      expect(WorkerCrashedError.isInstance(error)).toBe(true);
      expect(error.exitCode).toBe(1);
      expect(error.signal).toBeNull();
      expect(error.stderrTail).toContain(
        'RuntimeError: CUDA error: an illegal memory access was encountered',
      );
      expect(error.stderrTail).toContain('File "/worker/training.py", line 42, in run_training');
      expect(error.message).toContain('exited with code 1');
    }
    const later = await rejectionOf(worker.request('ping'));
    expect(later).toBe(crashError);
  });

  it('treats a malformed line as a protocol error naming the line, and stops the worker', async () => {
    const worker = await start();
    const slow = rejectionOf(worker.request('slow', { ms: 60_000 }));
    const error = await rejectionOf(worker.request('garbage'));
    expect(WorkerCrashedError.isInstance(error)).toBe(true);
    expect(error.message).toContain('Protocol error');
    expect(error.message).toContain('Loading checkpoint shards: 100%|##########| 2/2');
    expect(await slow).toBe(error);
    await worker.close();
    expect(isAlive(worker.pid)).toBe(false);
  });

  it('cancels on abort by sending `cancel` and settles with the cancelled answer', async () => {
    const log = path.join(fake.dir, 'cancel.log');
    const worker = await start('normal', { env: { FAKE_LOG: log } });
    const controller = new AbortController();
    const events: WorkerEvent[] = [];
    const running = worker.request(
      'slow',
      { ms: 60_000 },
      { signal: controller.signal, onEvent: (event) => events.push(event) },
    );
    setTimeout(() => controller.abort(), 50);
    expect(await running).toEqual({ status: 'cancelled' });
    expect(events.map((event) => event.type)).toEqual(['checkpoint-save']);
    const sent = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(sent).toEqual([
      { id: 1, method: 'slow', params: { ms: 60_000 } },
      { id: 2, method: 'cancel', params: { request_id: 1 } },
    ]);
  });

  it('rejects at once with CancelledError when cancelOnAbort is false, and ignores the late answer', async () => {
    const worker = await start();
    const controller = new AbortController();
    const running = worker.request('slow', { ms: 300 }, { signal: controller.signal, cancelOnAbort: false });
    controller.abort();
    const error = await rejectionOf(running);
    expect(CancelledError.isInstance(error)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The late answer to request 1 did not break the channel.
    expect(await worker.request('ping')).toEqual({ pong: true });
    const already = await rejectionOf(worker.request('ping', {}, { signal: AbortSignal.abort() }));
    expect(CancelledError.isInstance(already)).toBe(true);
  });

  it('rejects the request when onEvent throws, and keeps the worker usable', async () => {
    const worker = await start();
    const error = await rejectionOf(
      worker.request(
        'events',
        {},
        {
          onEvent: () => {
            throw new Error('listener failed');
          },
        },
      ),
    );
    expect(error.message).toBe('listener failed');
    expect(await worker.request('ping')).toEqual({ pong: true });
  });
});

describe('PythonWorker.close', () => {
  it('shuts down with the shutdown request, idempotently', async () => {
    const worker = await start();
    const begin = Date.now();
    await Promise.all([worker.close(), worker.close()]);
    expect(Date.now() - begin).toBeLessThan(2_000);
    expect(isAlive(worker.pid)).toBe(false);
    const error = await rejectionOf(worker.request('ping'));
    expect(TonekitError.isInstance(error)).toBe(true);
    await worker.close();
  });

  it('escalates to SIGTERM after the grace, then SIGKILL 5 s later, for a worker that ignores both', async () => {
    const worker = await start('stubborn');
    const pending = rejectionOf(worker.request('slow', { ms: 60_000 }));
    const graceMs = 300;
    const begin = Date.now();
    await worker.close({ graceMs });
    const elapsed = Date.now() - begin;
    expect(elapsed).toBeGreaterThanOrEqual(graceMs + 5_000 - 50);
    expect(elapsed).toBeLessThan(graceMs + 5_000 + 1_500);
    expect(isAlive(worker.pid)).toBe(false);
    const error = await pending;
    expect(WorkerCrashedError.isInstance(error)).toBe(true);
    expect(error.signal).toBe('SIGKILL');
    expect(error.stderrTail).toContain('ignoring SIGTERM');
  });

  it('works with await using', async () => {
    let pid = 0;
    {
      await using worker = await PythonWorker.start({ command: fake.command });
      pid = worker.pid;
      expect(isAlive(pid)).toBe(true);
    }
    expect(isAlive(pid)).toBe(false);
  });
});

describe('workerPythonDir', () => {
  it('is the package python folder holding the worker and its protocol', () => {
    expect(path.isAbsolute(workerPythonDir)).toBe(true);
    expect(path.basename(workerPythonDir)).toBe('python');
    expect(existsSync(path.join(workerPythonDir, 'PROTOCOL.md'))).toBe(true);
  });
});
