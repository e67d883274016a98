import { DatasetFormatError } from '@tonekit/dataset';
import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { metricNames } from './metric-names.js';

const variants = ['base', 'fine-tuned', 'blend'] as const;
const knownMetrics: ReadonlySet<string> = new Set(metricNames);

/**
 * Checks that a parsed `metrics.json` follows the contract in `evaluation-metrics.ts` and returns it
 * typed. Pure: `file` only names the source in error messages.
 *
 * Unknown metric names are rejected rather than skipped: a typo such as `conversationalPct` would
 * otherwise drop a figure from the report without a word.
 *
 * @throws DatasetFormatError naming the file and the offending field.
 */
export function parseEvaluationMetrics(value: unknown, file: string): EvaluationMetrics {
  const fail = (path: string, expected: string, found: unknown): never => {
    throw new DatasetFormatError({
      message: `${file}: \`${path}\` must be ${expected} (found ${describe(found)}).`,
      file,
    });
  };
  const root = object(value, 'the top level', fail);

  if (root['schemaVersion'] !== 1) {
    throw new DatasetFormatError({
      message:
        root['schemaVersion'] === undefined
          ? `${file}: missing \`schemaVersion\`; is this a tonekit metrics.json?`
          : `${file}: unsupported \`schemaVersion\` ${describe(root['schemaVersion'])}; this version of @tonekit/evaluator reads schemaVersion 1.`,
      file,
    });
  }

  const run = object(root['run'], 'run', fail);
  nonEmptyString(run['label'], 'run.label', fail);
  nonEmptyString(run['model'], 'run.model', fail);
  if (!variants.includes(run['variant'] as (typeof variants)[number])) {
    fail('run.variant', 'one of "base", "fine-tuned", "blend"', run['variant']);
  }
  optionalCount(run['trainingSamples'], 'run.trainingSamples', fail);
  if (run['configuration'] !== undefined) {
    const configuration = object(run['configuration'], 'run.configuration', fail);
    optionalString(configuration['precision'], 'run.configuration.precision', fail);
    optionalPositive(configuration['loraRank'], 'run.configuration.loraRank', fail);
    optionalPositive(configuration['learningRate'], 'run.configuration.learningRate', fail);
  }
  if (run['blend'] !== undefined) {
    const blend = object(run['blend'], 'run.blend', fail);
    nonEmptyString(blend['name'], 'run.blend.name', fail);
    finite(blend['alpha'], 'run.blend.alpha', fail);
    optionalString(blend['testSet'], 'run.blend.testSet', fail);
  }
  optionalString(run['systemPrompt'], 'run.systemPrompt', fail);

  const count = root['count'];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    fail('count', 'a non-negative integer', count);
  }

  const metrics = object(root['metrics'], 'metrics', fail);
  for (const [name, aggregateValue] of Object.entries(metrics)) {
    if (!knownMetrics.has(name)) {
      throw new DatasetFormatError({
        message: `${file}: \`metrics.${name}\` is not a known metric; known metrics: ${metricNames.join(', ')}.`,
        file,
      });
    }
    const aggregate = object(aggregateValue, `metrics.${name}`, fail);
    finite(aggregate['value'], `metrics.${name}.value`, fail);
    if (aggregate['ci'] !== undefined) {
      const ci = object(aggregate['ci'], `metrics.${name}.ci`, fail);
      for (const key of ['lower', 'upper', 'level', 'resamples', 'seed']) {
        finite(ci[key], `metrics.${name}.ci.${key}`, fail);
      }
    }
  }

  const settings = object(root['settings'], 'settings', fail);
  optionalFinite(settings['conversationalThreshold'], 'settings.conversationalThreshold', fail);
  for (const key of ['readabilityMode', 'bleuSignature', 'embedderModel', 'bertScoreModel', 'judgeModel']) {
    optionalString(settings[key], `settings.${key}`, fail);
  }
  if (settings['bertScoreRescaled'] !== undefined && typeof settings['bertScoreRescaled'] !== 'boolean') {
    fail('settings.bertScoreRescaled', 'a boolean', settings['bertScoreRescaled']);
  }
  optionalCount(settings['judgeParseFailures'], 'settings.judgeParseFailures', fail);

  if (root['fleschHistogram'] !== undefined) {
    const histogram = object(root['fleschHistogram'], 'fleschHistogram', fail);
    const edges = numberArray(histogram['edges'], 'fleschHistogram.edges', fail);
    const counts = numberArray(histogram['counts'], 'fleschHistogram.counts', fail);
    if (edges.length !== counts.length + 1) {
      fail(
        'fleschHistogram',
        'one more edge than counts',
        `${edges.length} edges and ${counts.length} counts`,
      );
    }
  }

  return value as EvaluationMetrics;
}

type Fail = (path: string, expected: string, found: unknown) => never;

function object(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(path, 'an object', value);
  return value as Record<string, unknown>;
}

function nonEmptyString(value: unknown, path: string, fail: Fail): void {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'a non-empty string', value);
}

function optionalString(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && typeof value !== 'string') fail(path, 'a string when present', value);
}

function finite(value: unknown, path: string, fail: Fail): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
}

function optionalFinite(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined) finite(value, path, fail);
}

function optionalPositive(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    fail(path, 'a positive number when present', value);
  }
}

function optionalCount(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
    fail(path, 'a non-negative integer when present', value);
  }
}

function numberArray(value: unknown, path: string, fail: Fail): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'number' && Number.isFinite(item))) {
    return fail(path, 'an array of finite numbers', value);
  }
  return value as number[];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
