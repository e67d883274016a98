import type { Aggregate, EvaluationMetrics, MetricName } from '../evaluation-metrics.js';
import { compareRunPreference } from './compare-run-preference.js';

export interface BlendGroup {
  /** Equal for runs of the same `blend.name` and `blend.testSet`. */
  key: string;
  name: string;
  testSet?: string;
  /** Legend text: "name · testSet". */
  label: string;
  /** Every run of the group, ascending α. */
  runs: EvaluationMetrics[];
}

export interface BlendPoint {
  alpha: number;
  run: EvaluationMetrics;
  aggregate: Aggregate;
}

/**
 * Groups runs that carry a `blend` by blend name and test set (seed B's tables: one block per test
 * set, rows by α). Groups keep the order of their first run.
 */
export function groupBlendRuns(runs: readonly EvaluationMetrics[]): BlendGroup[] {
  const groups = new Map<string, BlendGroup>();
  for (const entry of runs) {
    const blend = entry.run.blend;
    if (blend === undefined) continue;
    const key = JSON.stringify([blend.name, blend.testSet ?? null]);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        key,
        name: blend.name,
        label: blend.testSet === undefined ? blend.name : `${blend.name} · ${blend.testSet}`,
        runs: [],
      };
      if (blend.testSet !== undefined) group.testSet = blend.testSet;
      groups.set(key, group);
    }
    group.runs.push(entry);
  }
  for (const group of groups.values()) group.runs.sort((a, b) => a.run.blend!.alpha - b.run.blend!.alpha);
  return [...groups.values()];
}

/**
 * One point per α for `metric`. Per metric rather than per run because one mix is often scored by
 * several runs (automatic metrics on the test set, MT-Bench apart); when two runs report the same
 * metric at the same α, `compareRunPreference` picks one.
 */
export function blendPoints(group: BlendGroup, metric: MetricName): BlendPoint[] {
  const byAlpha = new Map<number, EvaluationMetrics[]>();
  for (const entry of group.runs) {
    if (entry.metrics[metric] === undefined) continue;
    const alpha = entry.run.blend!.alpha;
    byAlpha.set(alpha, [...(byAlpha.get(alpha) ?? []), entry]);
  }
  return [...byAlpha.entries()]
    .map(([alpha, competing]) => {
      const run = [...competing].sort(compareRunPreference)[0]!;
      return { alpha, run, aggregate: run.metrics[metric]! };
    })
    .sort((a, b) => a.alpha - b.alpha);
}
