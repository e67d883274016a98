import type { Aggregate, MetricName } from '../evaluation-metrics.js';
import { metricDisplay } from './metric-display.js';

/** A run's figure as the report prints it: the metric's fixed decimals, no thousands separators. */
export function formatMetricValue(metric: MetricName, value: number): string {
  return value.toFixed(metricDisplay[metric].decimals);
}

/**
 * The interval as a label/value pair for mark labels and cell titles, e.g. ["95% CI", "96.9 to 98.5"]
 * ("to" rather than a dash, so negative bounds stay readable); none when the run has no interval.
 */
export function formatConfidenceInterval(metric: MetricName, aggregate: Aggregate): [string, string][] {
  const ci = aggregate.ci;
  if (ci === undefined) return [];
  const level = Number((ci.level * 100).toFixed(4));
  return [
    [`${level}% CI`, `${formatMetricValue(metric, ci.lower)} to ${formatMetricValue(metric, ci.upper)}`],
  ];
}
