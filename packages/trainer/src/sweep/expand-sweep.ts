import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { parseTrainSpec } from '../parse-train-spec.js';
import { sweepRunId } from './sweep-run-id.js';
import type { SweepGrid, SweepRun, SweepRunSettings, SweepSpec } from './sweep-spec.js';

/** Run folders live under `<sweep>/runs/`, so the sweep's own files never mix with a run's. */
export const sweepRunsFolder = 'runs';

/**
 * Lays a sweep out as runs, in the row order of seed A Table 6: precision, then rank, then learning
 * rate, then subset, each axis in the order the sweep file lists it. The order and the ids depend
 * only on the spec, so a resumed sweep finds its runs again. Each run's spec is the sweep's `base`
 * with the run's grid values filled in, validated and completed by `parseTrainSpec` — exactly what
 * `tonekit train` would run from the same fields.
 *
 * @throws InvalidArgumentError naming the sweep-file field and the run when a run's spec is invalid.
 */
export function expandSweep(spec: SweepSpec): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const settings of crossGrid(spec.grid)) {
    const id = sweepRunId(settings);
    const outputDir = path.join(spec.outputDir, sweepRunsFolder, id);
    const candidate = runCandidate(spec, settings, outputDir);
    try {
      runs.push({
        id,
        index: runs.length,
        settings,
        outputDir,
        spec: parseTrainSpec(candidate, spec.baseDir === undefined ? {} : { baseDir: spec.baseDir }),
      });
    } catch (error) {
      throw InvalidArgumentError.isInstance(error) ? inSweepTerms(error, spec.grid, id) : error;
    }
  }
  return runs;
}

function crossGrid(grid: SweepGrid): SweepRunSettings[] {
  // An axis the grid leaves out contributes one "unset" value, so it multiplies by one.
  const values = <T>(list: T[] | undefined): (T | undefined)[] => (list === undefined ? [undefined] : list);
  const result: SweepRunSettings[] = [];
  for (const precision of values(grid.precision)) {
    for (const rank of values(grid.rank)) {
      for (const learningRate of values(grid.learningRate)) {
        for (const subset of values(grid.subset)) {
          result.push({
            ...(rank === undefined ? {} : { rank }),
            ...(learningRate === undefined ? {} : { learningRate }),
            ...(precision === undefined ? {} : { precision }),
            ...(subset === undefined ? {} : { subset }),
          });
        }
      }
    }
  }
  return result;
}

function runCandidate(
  spec: SweepSpec,
  settings: SweepRunSettings,
  outputDir: string,
): Record<string, unknown> {
  const base = structuredClone(spec.base) as unknown as Record<string, unknown>;
  const candidate: Record<string, unknown> = { ...base, outputDir };
  const localSettings = {
    ...(settings.rank === undefined ? {} : { rank: settings.rank }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
    ...(settings.precision === undefined ? {} : { precision: settings.precision }),
  };
  // A malformed section is passed through untouched, so parseTrainSpec reports it in its own words.
  if (Object.keys(localSettings).length > 0 && (base['local'] === undefined || isRecord(base['local']))) {
    candidate['local'] = { ...(base['local'] as Record<string, unknown> | undefined), ...localSettings };
  }
  if (settings.subset !== undefined) {
    const dataset = typeof base['dataset'] === 'string' ? { path: base['dataset'] } : base['dataset'];
    if (isRecord(dataset)) candidate['dataset'] = { ...dataset, split: settings.subset };
  }
  const id = sweepRunId(settings);
  // The run name becomes the OpenAI model suffix and shows in run.json; a base name is kept as a prefix.
  candidate['name'] = base['name'] === undefined ? id : `${String(base['name'])}-${id}`;
  return candidate;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** parseTrainSpec's field (`local.rank`) → the sweep-file field that set it (`grid.rank` or `base.local.rank`). */
const gridFields: Record<string, keyof SweepGrid> = {
  'local.rank': 'rank',
  'local.learningRate': 'learningRate',
  'local.precision': 'precision',
  'dataset.split': 'subset',
};

function inSweepTerms(error: InvalidArgumentError, grid: SweepGrid, id: string): InvalidArgumentError {
  const field = error.argument;
  const axis = gridFields[field];
  const argument =
    axis !== undefined && grid[axis] !== undefined
      ? `grid.${axis}`
      : field === 'outputDir'
        ? 'outputDir'
        : `base.${field}`;
  const prefix = `Invalid argument \`${field}\`: `;
  let message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  if (message.startsWith(field)) message = `${argument}${message.slice(field.length)}`;
  return new InvalidArgumentError({
    argument,
    value: error.value,
    message: `${message.replace(/\.$/, '')} (run ${id}).`,
    cause: error,
  });
}
