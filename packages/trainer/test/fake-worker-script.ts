import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A stand-in for `python -m tonekit_worker`, in Node so the driver tests need no Python. Its behavior
 * is chosen with FAKE_MODE and it speaks the wire protocol of PROTOCOL.md:
 * - `normal`: answers `ping`, `cancel`, `shutdown` like the real worker; `echo` returns its params and
 *   the worker's environment; `events` sends three events; `fail` answers an error; `slow` answers after
 *   `params.ms` or, when cancelled, with status `cancelled`; `crash` prints a Python-looking traceback
 *   on stderr and exits 1; `garbage` writes a line that is not JSON.
 * - `stubborn`: like `normal`, but ignores `shutdown` and SIGTERM.
 * - `silent`: never announces `ready`.
 * - `protocol-2`: announces protocol version 2.
 * - `die-early`: writes an import error on stderr and exits 1 before `ready`.
 * Every line it receives is appended to FAKE_LOG (when set) so tests can check what the driver sent.
 */
const script = String.raw`
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const mode = process.env.FAKE_MODE ?? 'normal';
const log = process.env.FAKE_LOG;
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
if (mode === 'die-early') {
  process.stderr.write('Traceback (most recent call last):\n  File "<frozen runpy>", line 198, in _run_module_as_main\nModuleNotFoundError: No module named \'tonekit_worker\'\n');
  process.exit(1);
}
if (mode === 'silent') {
  process.stderr.write('importing torch...\n');
  setInterval(() => {}, 1000);
} else {
  if (mode === 'stubborn') process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\n'));
  process.stderr.write('fake worker starting\n');
  send({ method: 'ready', params: { protocol: mode === 'protocol-2' ? 2 : 1, worker_version: '0.1.0-fake', python: '3.11.7',
    platform: 'linux-x86_64', capabilities: { torch: '2.13.0+cpu', cuda: null, cuda_devices: 0, bf16: false,
    transformers: '5.18.0', peft: '0.21.0', accelerate: null, safetensors: '0.6.2', bitsandbytes: null,
    gguf: '0.19.0', tokenizers: '0.22.1' } } });
  const slow = new Map();
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (log) appendFileSync(log, line + '\n');
    const { id, method, params = {} } = JSON.parse(line);
    switch (method) {
      case 'ping': send({ id, result: { pong: true } }); break;
      case 'echo': send({ id, result: { params, pythonpath: process.env.PYTHONPATH, unbuffered: process.env.PYTHONUNBUFFERED, extra: process.env.FAKE_EXTRA ?? null, cwd: process.cwd() } }); break;
      case 'events':
        for (let step = 1; step <= 3; step++) send({ method: 'event', params: { request_id: id, type: 'step-end', step, tokens_per_second: 10 * step } });
        send({ id, result: { status: 'succeeded' } });
        break;
      case 'fail':
        send({ id, error: { code: 'missing_dependency', message: "train needs the Python package 'peft'", python_type: 'ModuleNotFoundError', traceback: 'Traceback (most recent call last):\n  File "x.py", line 1\nModuleNotFoundError: peft\n' } });
        break;
      case 'slow': {
        const timer = setTimeout(() => { slow.delete(id); send({ id, result: { status: 'succeeded' } }); }, params.ms ?? 60000);
        slow.set(id, timer);
        break;
      }
      case 'cancel': {
        const timer = slow.get(params.request_id);
        send({ id, result: { cancelling: timer !== undefined } });
        if (timer !== undefined) {
          clearTimeout(timer);
          slow.delete(params.request_id);
          send({ method: 'event', params: { request_id: params.request_id, type: 'checkpoint-save', step: 2, path: 'run/checkpoints/step-2' } });
          send({ id: params.request_id, result: { status: 'cancelled' } });
        }
        break;
      }
      case 'crash':
        process.stderr.write('Traceback (most recent call last):\n  File "/worker/training.py", line 42, in run_training\n    loss.backward()\nRuntimeError: CUDA error: an illegal memory access was encountered\n');
        process.exit(1);
        break;
      case 'garbage': process.stdout.write('Loading checkpoint shards: 100%|##########| 2/2\n'); break;
      case 'shutdown':
        if (mode === 'stubborn') break;
        send({ id, result: {} });
        process.exit(0);
        break;
      default:
        send({ id, error: { code: 'unknown_method', message: 'unknown method ' + method, python_type: null, traceback: null } });
    }
  });
}
`;

export interface FakeWorker {
  dir: string;
  scriptPath: string;
  /** The `command` option that runs the fake. */
  command: string[];
  cleanup(): Promise<void>;
}

export async function writeFakeWorker(): Promise<FakeWorker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tonekit-fake-worker-'));
  const scriptPath = path.join(dir, 'fake-worker.mjs');
  await writeFile(scriptPath, script);
  return {
    dir,
    scriptPath,
    command: [process.execPath, scriptPath],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
