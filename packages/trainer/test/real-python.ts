import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The repository's Python venv with torch (`.venv` at the root), or TONEKIT_TEST_PYTHON. */
export const realPythonPath =
  process.env.TONEKIT_TEST_PYTHON ?? path.join(repoRoot, '.venv', 'bin', 'python');

/** Installed versions in the real venv, read by the interpreter itself, or why it cannot be used. */
export function probeRealPython():
  | { python: string; versions: Record<string, string | null>; pythonVersion: string }
  | string {
  if (!existsSync(realPythonPath)) return `${realPythonPath} does not exist`;
  const probe = spawnSync(
    realPythonPath,
    [
      '-c',
      [
        'import json, platform',
        'from importlib import metadata',
        'def version(name):',
        '    try:',
        '        return metadata.version(name)',
        '    except metadata.PackageNotFoundError:',
        '        return None',
        'names = ["torch", "transformers", "peft", "accelerate", "safetensors", "bitsandbytes", "gguf", "tokenizers", "numpy"]',
        'print(json.dumps({"python": platform.python_version(), "versions": {name: version(name) for name in names}}))',
      ].join('\n'),
    ],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0) return `${realPythonPath} failed: ${probe.stderr}`;
  const parsed = JSON.parse(probe.stdout) as { python: string; versions: Record<string, string | null> };
  if (parsed.versions.torch === null) return `torch is not installed in ${realPythonPath}`;
  return { python: realPythonPath, versions: parsed.versions, pythonVersion: parsed.python };
}

/** Prints why a real-Python suite is skipped, loudly, so a green run is not mistaken for coverage. */
export function warnSkipped(suite: string, reason: string): void {
  console.warn(
    `\n!!! ${suite} SKIPPED: ${reason}.\n!!! Create the venv with torch (see packages/trainer/python/requirements.txt) to run it.\n`,
  );
}
