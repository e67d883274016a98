import type { Aggregate, EvaluationMetrics, MetricName } from '../evaluation-metrics.js';
import { escapeHtml } from './escape-html.js';
import { formatConfidenceInterval, formatMetricValue } from './format-metric-value.js';

/**
 * A table cell with one run's figure and its interval. `data-metric`, `data-run` and `data-value`
 * (the unrounded number) let a test or a script read the table back without parsing the text.
 */
export function renderMetricCell(metric: MetricName, entry: EvaluationMetrics | undefined): string {
  const aggregate: Aggregate | undefined = entry?.metrics[metric];
  if (entry === undefined || aggregate === undefined) {
    return `<td class="number missing" data-metric="${metric}">–</td>`;
  }
  const ci = aggregate.ci;
  const interval = formatConfidenceInterval(metric, aggregate)
    .map(([label, range]) => `${label} ${range}`)
    .join('');
  const title = ci
    ? `${interval} (percentile bootstrap, ${ci.resamples} resamples, seed ${ci.seed}, n = ${entry.count})`
    : `n = ${entry.count}, no confidence interval recorded`;
  const intervalText = ci
    ? `<span class="ci"> [${formatMetricValue(metric, ci.lower)}, ${formatMetricValue(metric, ci.upper)}]</span>`
    : '';
  return (
    `<td class="number" data-metric="${metric}" data-run="${escapeHtml(entry.run.label)}" ` +
    `data-value="${aggregate.value}" title="${escapeHtml(title)}">${formatMetricValue(metric, aggregate.value)}${intervalText}</td>`
  );
}

/**
 * A cell with the paper's figure, printed as transcribed. Several matching rows (a base run that fits
 * every configuration of the paper's sweep) print as their range.
 */
export function renderPaperCell(key: string, values: readonly number[]): string {
  if (values.length === 0) return `<td class="number paper missing" data-paper="${escapeHtml(key)}">–</td>`;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) {
    return `<td class="number paper" data-paper="${escapeHtml(key)}" data-value="${min}">${min}</td>`;
  }
  return (
    `<td class="number paper" data-paper="${escapeHtml(key)}" data-min="${min}" data-max="${max}" ` +
    `title="${values.length} rows of the paper match this run">${min}–${max}</td>`
  );
}
