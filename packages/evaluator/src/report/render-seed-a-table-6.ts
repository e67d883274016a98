import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { compareRunPreference } from './compare-run-preference.js';
import { describeConfiguration, formatLearningRate, normalizeModel } from './describe-configuration.js';
import { escapeHtml } from './escape-html.js';
import { matchPaperSweepRows } from './match-paper-sweep-rows.js';
import type { PaperReferences } from './paper-references.js';
import { renderOmittedFigure } from './render-figure.js';
import { renderMetricCell, renderPaperCell } from './render-metric-cell.js';

const id = 'seed-a-table-6';
const title = 'Seed A Table 6 — the sweep';

/**
 * Seed A Table 6: every base and fine-tuned run with its hyper-parameters, % conversational and
 * similarity with their intervals, and the paper's figures for the same experiment when there are
 * some. Rows go by model (order of first run), base before fine-tuned, configuration, samples.
 */
export function renderSeedATable6(
  runs: readonly EvaluationMetrics[],
  references: PaperReferences | undefined,
): string {
  const rows = runs.filter(
    (entry) =>
      (entry.run.variant === 'base' || entry.run.variant === 'fine-tuned') &&
      (entry.metrics.conversationalPercent !== undefined || entry.metrics.similarity !== undefined),
  );
  if (rows.length === 0) {
    return renderOmittedFigure(
      id,
      title,
      'no base or fine-tuned run reports conversationalPercent or similarity.',
    );
  }
  const modelOrder = new Map<string, number>();
  for (const entry of rows) {
    const model = normalizeModel(entry.run.model);
    if (!modelOrder.has(model)) modelOrder.set(model, modelOrder.size);
  }
  const sorted = [...rows].sort(
    (a, b) =>
      modelOrder.get(normalizeModel(a.run.model))! - modelOrder.get(normalizeModel(b.run.model))! ||
      Number(a.run.variant === 'fine-tuned') - Number(b.run.variant === 'fine-tuned') ||
      compareText(
        describeConfiguration(a.run.model, a.run.configuration).label,
        describeConfiguration(b.run.model, b.run.configuration).label,
      ) ||
      (a.run.trainingSamples ?? 0) - (b.run.trainingSamples ?? 0) ||
      compareRunPreference(a, b),
  );

  const paperRows = references?.seedASweep;
  const body = sorted.map((entry) => {
    const { run } = entry;
    const configuration = run.configuration ?? {};
    const cells = [
      `<th scope="row">${escapeHtml(run.label)}</th>`,
      `<td>${escapeHtml(run.model)}</td>`,
      `<td>${escapeHtml(run.variant)}</td>`,
      `<td>${escapeHtml(configuration.precision ?? '–')}</td>`,
      `<td class="number">${configuration.loraRank ?? '–'}</td>`,
      `<td class="number">${configuration.learningRate === undefined ? '–' : formatLearningRate(configuration.learningRate)}</td>`,
      `<td class="number" data-field="trainingSamples">${run.trainingSamples ?? (run.variant === 'base' ? 0 : '–')}</td>`,
      renderMetricCell('conversationalPercent', entry),
      renderMetricCell('similarity', entry),
    ];
    if (paperRows) {
      const matched = matchPaperSweepRows(run, paperRows);
      cells.push(
        renderPaperCell(
          'conversationalPercent',
          matched.map((row) => row.conversationalPercent),
        ),
        renderPaperCell(
          'similarity',
          matched.map((row) => row.similarity),
        ),
      );
    }
    return `<tr data-run="${escapeHtml(run.label)}">${cells.join('')}</tr>`;
  });
  const paperHeader = paperRows
    ? '<th class="paper">paper % conv.</th><th class="paper">paper similarity</th>'
    : '';
  return (
    `<h3>${escapeHtml(title)}</h3>\n` +
    `<table id="${id}" data-table>\n<thead><tr><th>run</th><th>model</th><th>variant</th><th>precision</th>` +
    `<th>r</th><th>lr</th><th>samples</th><th>% conversational</th><th>similarity</th>${paperHeader}</tr></thead>\n` +
    `<tbody>\n${body.join('\n')}\n</tbody></table>\n` +
    `<p class="note">Brackets: confidence intervals. ${
      paperRows
        ? 'Paper columns: seed A Table 6 for the same model, hyper-parameters and samples; a base run that sets no hyper-parameters matches every configuration’s 0-samples row, shown as their range.'
        : 'No paper references loaded.'
    }</p>\n`
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
