import type { EvaluationMetrics } from '../evaluation-metrics.js';

type Settings = EvaluationMetrics['settings'];

/**
 * One caption sentence naming a setting across the runs of a figure, e.g. "Conversational = Flesch
 * reading ease ≥ 60." — and, when runs disagree, all the values, because mixing thresholds or
 * embedders changes what the figure compares.
 */
export function describeRunSettings(
  runs: readonly EvaluationMetrics[],
  setting: keyof Settings,
  describe: (values: string) => string,
): string {
  const values = [
    ...new Set(runs.map((entry) => entry.settings[setting]).filter((value) => value !== undefined)),
  ];
  const missing = runs.some((entry) => entry.settings[setting] === undefined);
  if (values.length === 0) return '';
  const text = describe(values.map(String).join(' / '));
  const warnings = [
    values.length > 1 ? 'runs differ in this setting' : undefined,
    missing ? 'some runs do not record it' : undefined,
  ].filter((warning) => warning !== undefined);
  return warnings.length > 0 ? `${text} (${warnings.join('; ')}).` : `${text}.`;
}
