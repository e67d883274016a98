import type { Aggregate, MetricName } from '../evaluation-metrics.js';
import { describeMark } from './describe-mark.js';
import { formatConfidenceInterval, formatMetricValue } from './format-metric-value.js';
import type { ChartPoint } from './line-chart-spec.js';

export interface RunChartPointOptions {
  series: string;
  runLabel: string;
  /** The x axis's name in the mark's description (`training samples`, `α`) and its value. */
  xName: string;
  x: number;
  yTitle: string;
  metric: MetricName;
  aggregate: Aggregate;
}

/**
 * A line chart's point for one run's aggregate, with its interval and the accessible description the
 * browser test reads (`source: run; series: …; run: …; <x>: …; <metric>: …; 95% CI: …`).
 */
export function runChartPoint({
  series,
  runLabel,
  xName,
  x,
  yTitle,
  metric,
  aggregate,
}: RunChartPointOptions): ChartPoint {
  const point: ChartPoint = {
    series,
    source: 'run',
    x,
    y: aggregate.value,
    description: describeMark([
      ['source', 'run'],
      ['series', series],
      ['run', runLabel],
      [xName, x],
      [yTitle, formatMetricValue(metric, aggregate.value)],
      ...formatConfidenceInterval(metric, aggregate),
    ]),
  };
  if (aggregate.ci) {
    point.lower = aggregate.ci.lower;
    point.upper = aggregate.ci.upper;
  }
  return point;
}
