import type { ResolvedTrainSpec } from '../parse-train-spec.js';

/**
 * The part of a resolved spec that decides what a run trains: without the run folder (a sweep folder
 * may move), secrets (never written to the sweep state), the other backend's section (filled with
 * defaults but unused), and settings that only change how or where it runs (interpreter, polling,
 * checkpoint frequency). Two runs with equal comparable specs produce the same model.
 */
export function comparableTrainSpec(spec: ResolvedTrainSpec): Record<string, unknown> {
  const { outputDir: _outputDir, local, openai, ...rest } = spec;
  if (spec.backend === 'local') {
    const { python: _python, checkpointEverySteps: _checkpointEverySteps, ...kept } = local;
    return { ...rest, local: kept };
  }
  const { apiKey: _apiKey, baseURL: _baseURL, pollIntervalMs: _pollIntervalMs, ...kept } = openai;
  return { ...rest, openai: kept };
}

/** Dotted paths of the fields whose values differ (`local.epochs`, `dataset.path`), sorted. */
export function differingFields(a: unknown, b: unknown, prefix = ''): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => differingFields(a[key], b[key], prefix === '' ? key : `${prefix}.${key}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix === '' ? '(the whole spec)' : prefix];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
