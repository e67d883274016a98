import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { expandSweep } from './expand-sweep.js';
import { type SweepGridPresetName, sweepGridPresets } from './sweep-grid-presets.js';
import {
  defaultSweepMetricsPath,
  type SweepBaseSpec,
  type SweepGrid,
  type SweepPrecision,
  type SweepSpec,
  type SweepSplit,
} from './sweep-spec.js';

export interface ParseSweepSpecOptions {
  /** Folder that relative paths are resolved against, normally the sweep file's folder. */
  baseDir?: string;
}

const topLevelKeys = ['name', 'model', 'outputDir', 'base', 'grid', 'evaluation'] as const;
const gridAxes = ['rank', 'learningRate', 'precision', 'subset'] as const;
const precisions: readonly SweepPrecision[] = ['bf16', 'int8', 'fp32'];
const numberLiteral = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Validates a sweep file (YAML or JSON, already parsed) and returns it typed:
 *
 * ```yaml
 * outputDir: sweeps/table-3
 * base: { backend: local, baseModel: meta-llama/Llama-3.2-1B-Instruct, dataset: { path: data/tone } }
 * grid: { rank: [32, 64], learningRate: [2.0e-4, 1.0e-3], precision: [bf16], subset: [1000, 9000] }
 * ```
 *
 * `grid: seed-a-table-3` (or `grid: {preset: seed-a-table-3, precision: [int8]}` to override axes)
 * uses the paper's grid. Every run the grid expands to is checked with `parseTrainSpec` here, so a bad
 * value fails before the first of many hours of training rather than in the middle of the queue.
 *
 * @throws InvalidArgumentError whose `argument` is the field's path in the sweep file (`grid.rank`,
 * `base.local.epochs`); errors found in one run name that run.
 */
export function parseSweepSpec(value: unknown, options: ParseSweepSpecOptions = {}): SweepSpec {
  const root = record(value, 'sweep', 'an object with `base`, `grid` and `outputDir`');
  rejectUnknownKeys(root, topLevelKeys, '');

  const outputDirValue = nonEmptyString(root['outputDir'], 'outputDir', 'the sweep folder');
  // Absolute from here on, like every path parseTrainSpec returns, so the queue state and the run
  // folders do not change meaning with the working directory of a later resume.
  const outputDir = path.resolve(options.baseDir ?? '.', outputDirValue);
  const name =
    root['name'] === undefined
      ? path.basename(outputDir)
      : nonEmptyString(root['name'], 'name', 'a name for the sweep');
  const model =
    root['model'] === undefined
      ? undefined
      : nonEmptyString(root['model'], 'model', 'the model column of the results, e.g. "Llama 3.2 1B"');

  const base = parseBase(root['base']);
  const grid = parseGrid(root['grid']);
  checkGridAgainstBase(grid, base);
  const evaluation = parseEvaluation(root['evaluation']);

  const spec: SweepSpec = {
    name,
    ...(model === undefined ? {} : { model }),
    outputDir,
    base,
    grid,
    evaluation,
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
  };
  // Validates every run through parseTrainSpec; the runs themselves are rebuilt by whoever needs them.
  expandSweep(spec);
  return spec;
}

function parseBase(value: unknown): SweepBaseSpec {
  const base = record(
    value,
    'base',
    'a training spec without `outputDir` (backend, baseModel, dataset, local/openai options)',
  );
  if (base['outputDir'] !== undefined) {
    throw new InvalidArgumentError({
      argument: 'base.outputDir',
      value: base['outputDir'],
      message:
        'each run gets its own folder, `<outputDir>/runs/<run id>`; set the sweep folder with the top-level `outputDir` and remove this one.',
    });
  }
  if (base['name'] !== undefined) nonEmptyString(base['name'], 'base.name', 'a prefix for the run names');
  // A copy, so that the caller editing its object later cannot change a sweep already validated.
  return structuredClone(base) as unknown as SweepBaseSpec;
}

function parseGrid(value: unknown): SweepGrid {
  if (value === undefined) {
    throw new InvalidArgumentError({
      argument: 'grid',
      message: `missing; give lists for some of ${gridAxes.join(', ')}, or a preset name (${presetNames()}).`,
    });
  }
  if (typeof value === 'string') return copyGrid(preset(value, 'grid'));
  const grid = record(value, 'grid', `an object with lists ${gridAxes.join(', ')}, or a preset name`);
  rejectUnknownKeys(grid, ['preset', ...gridAxes], 'grid.');
  const result: SweepGrid =
    grid['preset'] === undefined
      ? {}
      : copyGrid(preset(nonEmptyString(grid['preset'], 'grid.preset', 'a preset name'), 'grid.preset'));

  if (grid['rank'] !== undefined) {
    result.rank = axis(grid['rank'], 'grid.rank', 'positive integers (LoRA ranks)', (item) =>
      typeof item === 'number' && Number.isInteger(item) && item > 0 ? item : undefined,
    );
  }
  if (grid['learningRate'] !== undefined) {
    result.learningRate = axis(grid['learningRate'], 'grid.learningRate', 'positive numbers', (item) => {
      // YAML 1.1 parsers read `2e-4` (no dot) as a string; accept plain decimal literals written as
      // strings, as parseTrainSpec does, so one sweep file works with every YAML library.
      const number = typeof item === 'string' && numberLiteral.test(item.trim()) ? Number(item) : item;
      return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : undefined;
    });
  }
  if (grid['precision'] !== undefined) {
    result.precision = axis(grid['precision'], 'grid.precision', precisions.join(', '), (item) =>
      precisions.includes(item as SweepPrecision) ? (item as SweepPrecision) : undefined,
    );
  }
  if (grid['subset'] !== undefined) {
    result.subset = axis(
      grid['subset'],
      'grid.subset',
      'train subset sizes (1000 for `train-1000`), `train-<n>` or `train` (the full split)',
      toSplit,
    );
  }
  if (gridAxes.every((name) => result[name] === undefined)) {
    throw new InvalidArgumentError({
      argument: 'grid',
      value,
      message: `lists no values; give at least one of ${gridAxes.join(', ')}.`,
    });
  }
  return result;
}

function toSplit(item: unknown): SweepSplit | undefined {
  if (typeof item === 'number') return Number.isSafeInteger(item) && item > 0 ? `train-${item}` : undefined;
  if (item === 'train') return 'train';
  if (typeof item === 'string') {
    const match = /^(?:train-)?(\d+)$/.exec(item.trim());
    if (match && Number(match[1]) > 0) return `train-${Number(match[1])}`;
  }
  return undefined;
}

/** A list of distinct valid values; a single value is taken as a list of one. */
function axis<T>(
  value: unknown,
  argument: string,
  expected: string,
  convert: (item: unknown) => T | undefined,
): T[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `is empty; list at least one value (${expected}), or leave the axis out to take the value from \`base\`.`,
    });
  }
  const result: T[] = [];
  items.forEach((item, index) => {
    const converted = convert(item);
    if (converted === undefined) {
      throw new InvalidArgumentError({
        argument: `${argument}[${index}]`,
        value: item,
        message: `${describe(item)} is not valid; expected ${expected}.`,
      });
    }
    if (result.includes(converted)) {
      throw new InvalidArgumentError({
        argument: `${argument}[${index}]`,
        value: item,
        message: `${describe(item)} is listed twice; two runs would share one folder.`,
      });
    }
    result.push(converted);
  });
  return result;
}

/** A grid axis and the `base` field it sets: listing both would leave one of them silently ignored. */
const axisFields = {
  rank: ['local', 'rank'],
  learningRate: ['local', 'learningRate'],
  precision: ['local', 'precision'],
  subset: ['dataset', 'split'],
} as const;

function checkGridAgainstBase(grid: SweepGrid, base: SweepBaseSpec): void {
  const raw = base as unknown as Record<string, unknown>;
  for (const name of gridAxes) {
    if (grid[name] === undefined) continue;
    const [section, field] = axisFields[name];
    const sectionValue = raw[section];
    if (
      typeof sectionValue === 'object' &&
      sectionValue !== null &&
      (sectionValue as Record<string, unknown>)[field] !== undefined
    ) {
      throw new InvalidArgumentError({
        argument: `base.${section}.${field}`,
        value: (sectionValue as Record<string, unknown>)[field],
        message: `is set by \`grid.${name}\` for every run; remove it from \`base\` (or remove the grid axis to use one value).`,
      });
    }
    if (name !== 'subset' && raw['backend'] === 'openai') {
      throw new InvalidArgumentError({
        argument: `grid.${name}`,
        value: grid[name],
        message:
          'applies to the local backend only; an openai sweep can vary `subset` (set `base.openai` for the job hyper-parameters).',
      });
    }
  }
}

function parseEvaluation(value: unknown): SweepSpec['evaluation'] {
  if (value === undefined) return { metricsPath: defaultSweepMetricsPath };
  const evaluation = record(value, 'evaluation', 'an object such as `{metricsPath: eval/metrics.json}`');
  rejectUnknownKeys(evaluation, ['metricsPath'], 'evaluation.');
  if (evaluation['metricsPath'] === undefined) return { metricsPath: defaultSweepMetricsPath };
  const metricsPath = nonEmptyString(
    evaluation['metricsPath'],
    'evaluation.metricsPath',
    "the path of each run's evaluator metrics.json, relative to the run folder",
  );
  if (path.isAbsolute(metricsPath) && !metricsPath.includes('{id}')) {
    throw new InvalidArgumentError({
      argument: 'evaluation.metricsPath',
      value: metricsPath,
      message:
        'is absolute, so every run would read the same file; make it relative to the run folder, or put `{id}` where the run id goes.',
    });
  }
  return { metricsPath };
}

function preset(name: string, argument: string): Readonly<Required<SweepGrid>> {
  if (!Object.hasOwn(sweepGridPresets, name)) {
    throw new InvalidArgumentError({
      argument,
      value: name,
      message: `${describe(name)} is not a grid preset; known presets: ${presetNames()}.`,
    });
  }
  return sweepGridPresets[name as SweepGridPresetName];
}

function presetNames(): string {
  return Object.keys(sweepGridPresets).join(', ');
}

function copyGrid(grid: Readonly<SweepGrid>): SweepGrid {
  const copy: SweepGrid = {};
  if (grid.rank) copy.rank = [...grid.rank];
  if (grid.learningRate) copy.learningRate = [...grid.learningRate];
  if (grid.precision) copy.precision = [...grid.precision];
  if (grid.subset) copy.subset = [...grid.subset];
  return copy;
}

function record(value: unknown, argument: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `${value === undefined ? 'missing' : `got ${describe(value)}`}; expected ${expected}.`,
    });
  }
  return value as Record<string, unknown>;
}

function nonEmptyString(value: unknown, argument: string, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `${value === undefined ? 'missing' : `got ${describe(value)}`}; expected a non-empty string (${expected}).`,
    });
  }
  return value;
}

function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    // The most common slip is a training field written at the top level instead of under `base`.
    const hint =
      prefix === '' && ['backend', 'baseModel', 'dataset', 'local', 'openai', 'systemPrompt'].includes(key)
        ? ` \`${key}\` belongs under \`base\`.`
        : '';
    throw new InvalidArgumentError({
      argument: `${prefix}${key}`,
      value: value[key],
      message: `is not a known field; expected ${known.map((name) => `\`${name}\``).join(', ')}.${hint}`,
    });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
