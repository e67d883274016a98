import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the package's `python` folder (the `tonekit_worker` package and its
 * `requirements.txt`). Found by walking up from this module to the folder whose `package.json` is
 * `@tonekit/trainer`, so it is the same whether the code runs from `src` (tests, tsx) or from `dist`
 * (the published build), and survives bundlers that flatten the folder depth.
 */
export const workerPythonDir: string = findWorkerPythonDir(path.dirname(fileURLToPath(import.meta.url)));

function findWorkerPythonDir(start: string): string {
  let directory = start;
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === '@tonekit/trainer') {
      return path.join(directory, 'python');
    }
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  // src/worker and dist/worker both sit two levels below the package root.
  return path.resolve(start, '..', '..', 'python');
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return typeof parsed === 'object' &&
      parsed !== null &&
      'name' in parsed &&
      typeof parsed.name === 'string'
      ? parsed.name
      : undefined;
  } catch {
    return undefined;
  }
}
