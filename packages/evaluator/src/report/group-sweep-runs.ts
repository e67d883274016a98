import type { EvaluationMetrics, MetricName } from '../evaluation-metrics.js';
import { compareRunPreference } from './compare-run-preference.js';
import {
  describeConfiguration,
  normalizeModel,
  normalizePrecision,
  type RunConfiguration,
} from './describe-configuration.js';

export interface SweepPoint {
  trainingSamples: number;
  run: EvaluationMetrics;
  /** True when a base run stands in for the 0-samples point of a fine-tuning configuration. */
  fromBase: boolean;
}

export interface SweepLine {
  /** From `describeConfiguration`: equal for the same model and hyper-parameters. */
  key: string;
  label: string;
  model: string;
  configuration?: RunConfiguration;
  /** Ascending training samples, at most one per sample count. */
  points: SweepPoint[];
}

export interface SweepGrouping {
  /** Sorted by label. */
  lines: SweepLine[];
  /** Fine-tuned runs reporting the metric but no `trainingSamples`: they have no place on the x axis. */
  withoutTrainingSamples: EvaluationMetrics[];
}

/**
 * Groups fine-tuned runs reporting `metric` into the lines of seed A Fig. 3/4, one per model and
 * hyper-parameters. Each line starts at 0 samples from its model's base run, as in the paper: a base
 * run joins every line whose hyper-parameters agree with the ones it sets (a base int8 run joins the
 * int8 lines only); among several, the most specific wins, then `compareRunPreference`. When two
 * runs claim the same point, `compareRunPreference` picks one (the report's Table 6 still lists both).
 */
export function groupSweepRuns(runs: readonly EvaluationMetrics[], metric: MetricName): SweepGrouping {
  const withMetric = runs.filter((entry) => entry.metrics[metric] !== undefined);
  const bases = withMetric.filter((entry) => entry.run.variant === 'base');
  const withoutTrainingSamples: EvaluationMetrics[] = [];
  const candidates = new Map<
    string,
    { line: Omit<SweepLine, 'points'>; runs: Map<number, EvaluationMetrics[]> }
  >();

  for (const entry of withMetric) {
    if (entry.run.variant !== 'fine-tuned') continue;
    const samples = entry.run.trainingSamples;
    if (samples === undefined) {
      withoutTrainingSamples.push(entry);
      continue;
    }
    const { key, label } = describeConfiguration(entry.run.model, entry.run.configuration);
    let group = candidates.get(key);
    if (group === undefined) {
      const line: Omit<SweepLine, 'points'> = { key, label, model: entry.run.model };
      if (entry.run.configuration) line.configuration = entry.run.configuration;
      group = { line, runs: new Map() };
      candidates.set(key, group);
    }
    group.runs.set(samples, [...(group.runs.get(samples) ?? []), entry]);
  }

  const lines = [...candidates.values()].map(({ line, runs: bySamples }): SweepLine => {
    const points: SweepPoint[] = [...bySamples.entries()].map(([trainingSamples, competing]) => ({
      trainingSamples,
      run: [...competing].sort(compareRunPreference)[0]!,
      fromBase: false,
    }));
    if (!bySamples.has(0)) {
      const base = baseFor(line, bases);
      if (base) points.push({ trainingSamples: 0, run: base, fromBase: true });
    }
    points.sort((a, b) => a.trainingSamples - b.trainingSamples);
    return { ...line, points };
  });
  lines.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { lines, withoutTrainingSamples };
}

function baseFor(
  line: Omit<SweepLine, 'points'>,
  bases: readonly EvaluationMetrics[],
): EvaluationMetrics | undefined {
  const model = normalizeModel(line.model);
  const wanted = line.configuration ?? {};
  const matching = bases
    .filter((entry) => normalizeModel(entry.run.model) === model)
    .map((entry) => {
      const set = entry.run.configuration ?? {};
      const agrees =
        (set.precision === undefined ||
          (wanted.precision !== undefined &&
            normalizePrecision(set.precision) === normalizePrecision(wanted.precision))) &&
        (set.loraRank === undefined || set.loraRank === wanted.loraRank) &&
        (set.learningRate === undefined || set.learningRate === wanted.learningRate);
      const specificity = [set.precision, set.loraRank, set.learningRate].filter(
        (value) => value !== undefined,
      ).length;
      return { entry, agrees, specificity };
    })
    .filter(({ agrees }) => agrees);
  matching.sort((a, b) => b.specificity - a.specificity || compareRunPreference(a.entry, b.entry));
  return matching[0]?.entry;
}
