import { TonekitError, WorkerError } from '@tonekit/core';
import type { ResolvedLocalTrainOptions } from '../parse-train-spec.js';
import type { WorkerReady } from '../worker/index.js';

export interface LocalRuntime {
  device: 'cpu' | 'cuda';
  precision: 'bf16' | 'int8' | 'fp32';
  /** Things the user should know about the choices made (sent as `log` events). */
  notes: string[];
}

/**
 * Checks that the worker's interpreter can train with these options and turns `auto` into a device and
 * a precision. Missing packages give a WorkerError with code `missing_dependency` (the code the worker
 * itself uses) whose message lists every missing package at once and the command that installs them,
 * so the user fixes the environment in one go instead of one import error at a time.
 */
export function resolveLocalRuntime(
  ready: WorkerReady,
  local: ResolvedLocalTrainOptions,
  python: string,
): LocalRuntime {
  const { capabilities } = ready;
  const required: Array<[string, string | null]> = [
    ['torch', capabilities.torch],
    ['transformers', capabilities.transformers],
    ['peft', capabilities.peft],
    ['safetensors', capabilities.safetensors],
  ];
  if (local.exportGguf) required.push(['gguf', capabilities.gguf]);
  const missing = required.filter(([, version]) => version === null).map(([name]) => name);
  if (missing.length > 0) {
    const list = missing.map((name) => `'${name}'`).join(' ');
    throw new WorkerError({
      code: 'missing_dependency',
      pythonType: 'ModuleNotFoundError',
      traceback: '',
      message:
        `Training locally needs the Python package${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, ` +
        `not installed for ${python} (Python ${ready.python}, ${ready.platform}). Install with:\n` +
        `  ${python} -m pip install ${list}\n` +
        'or run `tonekit trainer setup` to create the trainer environment, and `tonekit trainer doctor` to ' +
        'check it' +
        (local.exportGguf && missing.includes('gguf') && missing.length === 1
          ? ' (or set local.exportGguf: false to skip the GGUF adapter).'
          : '.'),
    });
  }

  const notes: string[] = [];
  const cudaAvailable = capabilities.cudaDevices > 0;
  if (local.device === 'cuda' && !cudaAvailable) {
    throw new TonekitError({
      message:
        `local.device is "cuda", but torch ${capabilities.torch} in ${python} sees no CUDA device` +
        (capabilities.cuda === null ? ' (it is a CPU-only build: install a CUDA build of torch)' : '') +
        '. Run `tonekit trainer doctor` for details, or set local.device to "cpu".',
    });
  }
  const device = local.device === 'auto' ? (cudaAvailable ? 'cuda' : 'cpu') : local.device;
  if (local.gpus > 1 && local.gpus > capabilities.cudaDevices) {
    throw new TonekitError({
      message: `local.gpus is ${local.gpus}, but torch sees ${capabilities.cudaDevices} CUDA device${capabilities.cudaDevices === 1 ? '' : 's'}.`,
    });
  }
  let precision: LocalRuntime['precision'];
  if (local.precision !== 'auto') {
    precision = local.precision;
  } else if (device === 'cpu') {
    precision = 'fp32';
  } else if (capabilities.bf16) {
    precision = 'bf16';
  } else {
    // bf16 is the paper's choice, but pre-Ampere GPUs emulate it slowly or not at all.
    precision = 'fp32';
    notes.push(
      'This GPU does not support bf16: training the base in fp32 (set local.precision to override).',
    );
  }
  if (local.device === 'auto') {
    notes.push(
      device === 'cuda'
        ? `Training on CUDA (${capabilities.cudaDevices} device${capabilities.cudaDevices === 1 ? '' : 's'}, CUDA ${capabilities.cuda}) in ${precision}.`
        : `No CUDA device found: training on the CPU in ${precision}.`,
    );
  }
  return { device, precision, notes };
}
