import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { parseEvaluationMetrics } from './parse-evaluation-metrics.js';

/** The file name an evaluation run writes its aggregates to. */
export const metricsFileName = 'metrics.json';

export interface FindRunMetricsOptions {
  signal?: AbortSignal;
}

export interface RunMetricsFile {
  /** Absolute path of the `metrics.json`. */
  path: string;
  metrics: EvaluationMetrics;
}

/**
 * Reads every `metrics.json` under the given folders (recursively) or given directly as files, and
 * validates each against the contract. Results are sorted by path, so a report built from them does
 * not depend on directory listing order. `node_modules` and dot-folders are not searched, and
 * symbolic links to folders are not followed (a link cycle would never end).
 *
 * @throws InvalidArgumentError when a path does not exist.
 * @throws DatasetFormatError naming the file when one is not valid JSON or breaks the contract.
 */
export async function findRunMetrics(
  paths: string[],
  { signal }: FindRunMetricsOptions = {},
): Promise<RunMetricsFile[]> {
  const files = new Set<string>();
  for (const [index, given] of paths.entries()) {
    throwIfAborted(signal);
    const absolute = path.resolve(given);
    const info = await stat(absolute).catch((error: unknown) => {
      throw new InvalidArgumentError({
        argument: `paths[${index}]`,
        value: given,
        message: `${absolute} does not exist or cannot be read.`,
        cause: error,
      });
    });
    if (info.isDirectory()) {
      for (const file of await walk(absolute, signal)) files.add(file);
    } else {
      files.add(absolute);
    }
  }

  const found: RunMetricsFile[] = [];
  for (const file of [...files].sort()) {
    throwIfAborted(signal);
    const text = await readFile(file, { encoding: 'utf8', signal }).catch((error: unknown) => {
      // fs rejects with a bare AbortError; callers check for CancelledError only.
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      throw error;
    });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetFormatError({
        message: `${file}: not valid JSON (${(error as Error).message}).`,
        file,
        cause: error,
      });
    }
    found.push({ path: file, metrics: parseEvaluationMetrics(value, file) });
  }
  return found;
}

async function walk(folder: string, signal: AbortSignal | undefined): Promise<string[]> {
  throwIfAborted(signal);
  const files: string[] = [];
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      files.push(...(await walk(full, signal)));
    } else if (entry.name === metricsFileName && (entry.isFile() || entry.isSymbolicLink())) {
      files.push(full);
    }
  }
  return files;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
}
