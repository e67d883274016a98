import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { describeConfiguration } from './describe-configuration.js';
import { escapeHtml } from './escape-html.js';

/**
 * Every run behind the report with what it was and the settings that change what its figures mean,
 * so a reader can tell why two bars differ before trusting the difference.
 */
export function renderRunsOverview(runs: readonly EvaluationMetrics[]): string {
  if (runs.length === 0) return '<p class="omitted" data-omitted="runs">No runs were given.</p>\n';
  const rows = runs.map(({ run, count, settings, metrics }) => {
    const configuration = run.configuration ? describeConfiguration('', run.configuration).label : '';
    const blend = run.blend
      ? `${run.blend.name} · α ${run.blend.alpha}${run.blend.testSet === undefined ? '' : ` · ${run.blend.testSet}`}`
      : '';
    const settingsText = Object.entries(settings)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${String(value)}`)
      .join('; ');
    return (
      `<tr data-run="${escapeHtml(run.label)}"><th scope="row">${escapeHtml(run.label)}</th>` +
      `<td>${escapeHtml(run.model)}</td><td>${escapeHtml(run.variant)}</td>` +
      `<td class="number">${run.trainingSamples ?? ''}</td><td>${escapeHtml(configuration)}</td>` +
      `<td>${escapeHtml(blend)}</td><td>${escapeHtml(run.systemPrompt ?? '')}</td>` +
      `<td class="number" data-field="count">${count}</td>` +
      `<td>${escapeHtml(Object.keys(metrics).join(', '))}</td><td class="settings">${escapeHtml(settingsText)}</td></tr>`
    );
  });
  return (
    '<table id="runs-table" data-table>\n<thead><tr><th>run</th><th>model</th><th>variant</th><th>samples</th>' +
    '<th>configuration</th><th>blend</th><th>system prompt</th><th>pairs</th><th>metrics</th><th>settings</th></tr></thead>\n' +
    `<tbody>\n${rows.join('\n')}\n</tbody></table>\n`
  );
}
