import { execFile } from 'node:child_process';
import { PythonWorker } from '../worker/python-worker.js';
import { resolvePython } from '../worker/resolve-python.js';
import { versionAtLeast } from './compare-versions.js';
import { readRequirements, workerRequirementsFile } from './parse-requirements.js';
import { shellQuote } from './shell-quote.js';

/** What the environment is checked for. */
export type TrainerRequirements = 'train' | 'blend';

export interface DiagnoseTrainerEnvironmentOptions {
  /** The interpreter to check. Defaults to `resolvePython()` (what the trainer would run). */
  python?: string;
  /** `train` (default): everything in requirements.txt; `blend`: what serving adapters needs. */
  requirements?: TrainerRequirements;
}

export interface PythonPackageDiagnosis {
  name: string;
  /** Installed version, or null. */
  installed: string | null;
  /** From the worker's requirements.txt (`peft>=0.13` → `0.13`). */
  minimum: string;
  /** Needed for `requirements`; an optional package only enables a feature (GGUF export, bitsandbytes int8). */
  required: boolean;
  /** Installed at the minimum version or newer, or optional and absent. */
  ok: boolean;
}

export interface CudaDiagnosis {
  /** A CUDA device is usable from torch. */
  available: boolean;
  /** The CUDA version torch was built with, when a device is usable. */
  version: string | null;
  devices: number;
  /** bf16 supported on the device (the paper trains adapters in bf16). */
  bf16: boolean;
}

export interface TrainerDiagnosis {
  python: {
    /** The interpreter as it was given or resolved. */
    command: string;
    /** Its version, or null when it could not be run. */
    version: string | null;
    found: boolean;
    /** `sys.executable`: where the command leads (a venv, pyenv shim target). */
    executable: string | null;
  };
  packages: PythonPackageDiagnosis[];
  cuda: CudaDiagnosis;
  /** The bundled worker started and announced `ready` with the expected protocol. */
  worker: { ok: boolean; version: string | null; error: string | null };
  /** Everything `requirements` needs is there: Python, the required packages, a working worker. */
  ok: boolean;
  /** What to do, as commands to copy; empty when there is nothing to do. */
  advice: string[];
}

/** The oldest Python the worker and its dependencies support (torch 2.x wheels need 3.10+ since 2.5). */
const minimumPython = '3.10';

/** What serving adapters for blending imports; training needs every non-optional requirement. */
const blendPackages = new Set(['torch', 'transformers', 'peft', 'safetensors', 'tokenizers', 'numpy']);

// Reads versions from package metadata without importing anything, so a broken package cannot crash
// the probe and the answer comes in well under a second.
const probeScript = `
import json, platform, sys
from importlib import metadata
names = json.loads(sys.argv[1])
versions = {}
for name in names:
    try:
        versions[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        versions[name] = None
print(json.dumps({"version": platform.python_version(), "executable": sys.executable, "packages": versions}))
`;

/**
 * Checks a Python interpreter for the trainer: its version, every package of the worker's
 * `requirements.txt` against its minimum, CUDA as torch sees it, and a real start of the bundled
 * worker. Never throws for a broken environment: it says what is wrong in `advice`, with the commands
 * that fix it (`tonekit trainer setup`, `<python> -m pip install 'peft>=0.13'`).
 */
export async function diagnoseTrainerEnvironment(
  options: DiagnoseTrainerEnvironmentOptions = {},
): Promise<TrainerDiagnosis> {
  const purpose = options.requirements ?? 'train';
  const command = await resolvePython({ python: options.python });
  const requirements = await readRequirements();
  const advice: string[] = [];
  const quotedPython = shellQuote(command);

  const probe = await runProbe(
    command,
    requirements.map((requirement) => requirement.name),
  );
  const python: TrainerDiagnosis['python'] = {
    command,
    version: probe?.version ?? null,
    found: probe !== undefined,
    executable: probe?.executable ?? null,
  };
  const packages: PythonPackageDiagnosis[] = requirements.map((requirement) => {
    const installed = probe?.packages[requirement.name] ?? null;
    const required = !requirement.optional && (purpose === 'train' || blendPackages.has(requirement.name));
    const minimum = requirement.minimum ?? '0';
    const ok = installed === null ? !required : versionAtLeast(installed, minimum);
    return { name: requirement.name, installed, minimum, required, ok };
  });
  const cuda: CudaDiagnosis = { available: false, version: null, devices: 0, bf16: false };
  const worker: TrainerDiagnosis['worker'] = { ok: false, version: null, error: null };

  if (probe === undefined) {
    advice.push(
      `The Python interpreter \`${command}\` could not be run. Install Python ${minimumPython} or newer, then run ` +
        '`tonekit trainer setup` (or pass `--python /path/to/python`).',
    );
  } else {
    const pythonOk = versionAtLeast(probe.version, minimumPython);
    if (!pythonOk) {
      advice.push(
        `Python ${probe.version} is too old: the trainer needs ${minimumPython} or newer. Install a newer Python and ` +
          'run `tonekit trainer setup --python /path/to/python3.11`.',
      );
    }
    const broken = packages.filter((entry) => !entry.ok);
    if (broken.length > 0) {
      const specs = broken.map((entry) => {
        const requirement = requirements.find((candidate) => candidate.name === entry.name)!;
        return shellQuote(`${entry.name}${requirement.specifier}`);
      });
      const what = broken
        .map(
          (entry) =>
            `${entry.name} ${entry.installed === null ? 'is missing' : `${entry.installed} is older than ${entry.minimum}`}`,
        )
        .join(', ');
      advice.push(`${what}. Install with: ${quotedPython} -m pip install ${specs.join(' ')}`);
      advice.push(
        `Or create a separate environment with everything: \`tonekit trainer setup\` ` +
          `(equivalent to \`${quotedPython} -m pip install -r ${shellQuote(workerRequirementsFile)}\` in a new venv).`,
      );
    }
    try {
      const started = await PythonWorker.start({ python: command, startTimeoutMs: 120_000 });
      const { capabilities } = started.ready;
      cuda.available = capabilities.cuda !== null && capabilities.cudaDevices > 0;
      cuda.version = capabilities.cuda;
      cuda.devices = capabilities.cudaDevices;
      cuda.bf16 = capabilities.bf16;
      worker.ok = true;
      worker.version = started.ready.workerVersion;
      await started.close({ graceMs: 5_000 });
    } catch (error) {
      worker.error = error instanceof Error ? error.message : String(error);
      advice.push(`The bundled worker did not start with this interpreter: ${worker.error}`);
    }
    const torch = packages.find((entry) => entry.name === 'torch');
    if (worker.ok && torch?.installed != null && !cuda.available) {
      advice.push(
        'No CUDA device is usable from torch: training runs on the CPU, which is practical only for tiny models. ' +
          'For a GPU, install the CUDA build of torch that matches your driver (https://pytorch.org/get-started/locally/).',
      );
    }
  }
  const ok =
    python.found &&
    python.version !== null &&
    versionAtLeast(python.version, minimumPython) &&
    packages.every((entry) => entry.ok) &&
    worker.ok;
  return { python, packages, cuda, worker, ok, advice };
}

interface ProbeResult {
  version: string;
  executable: string;
  packages: Record<string, string | null>;
}

function runProbe(command: string, names: string[]): Promise<ProbeResult | undefined> {
  return new Promise((resolve) => {
    execFile(command, ['-c', probeScript, JSON.stringify(names)], { timeout: 60_000 }, (error, stdout) => {
      if (error !== null) {
        resolve(undefined);
        return;
      }
      try {
        const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ProbeResult;
        resolve(typeof parsed.version === 'string' ? parsed : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
