import type { EvaluationMetrics } from '../evaluation-metrics.js';

/**
 * Orders competing runs for one slot of a figure (one bar of Fig. 2, one point of a line): the most
 * training samples first, then the highest % conversational, then the most pairs scored, then the
 * label, so the choice never depends on the order the files were found in. Sort with it and take the
 * first.
 */
export function compareRunPreference(a: EvaluationMetrics, b: EvaluationMetrics): number {
  return (
    (b.run.trainingSamples ?? 0) - (a.run.trainingSamples ?? 0) ||
    (b.metrics.conversationalPercent?.value ?? Number.NEGATIVE_INFINITY) -
      (a.metrics.conversationalPercent?.value ?? Number.NEGATIVE_INFINITY) ||
    b.count - a.count ||
    compareText(a.run.label, b.run.label)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
