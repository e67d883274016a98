import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { chartConfig, chartHeight, chartWidth } from './chart-config.js';
import { normalizeModel } from './describe-configuration.js';
import { describeMark } from './describe-mark.js';
import { describeRunSettings } from './describe-run-settings.js';
import { escapeHtml } from './escape-html.js';
import { formatConfidenceInterval, formatMetricValue } from './format-metric-value.js';
import type { PaperReferences } from './paper-references.js';
import { renderFigure, renderOmittedFigure } from './render-figure.js';
import { renderMetricCell, renderPaperCell } from './render-metric-cell.js';
import type { ReportFragment } from './report-fragment.js';
import { selectHeadlineRuns } from './select-headline-runs.js';

const id = 'seed-a-fig-2';
const title = 'Seed A Fig. 2 — % conversational, base vs fine-tuned';
const variants = ['base', 'fine-tuned'] as const;
const metric = 'conversationalPercent';

interface BarDatum {
  model: string;
  variant: (typeof variants)[number];
  value: number;
  lower?: number;
  upper?: number;
  description: string;
}

/**
 * Seed A Fig. 2: grouped bars of % conversational per model, base next to fine-tuned, with the
 * paper's Table 5 values as black ticks over the matching bars, and a table of the chosen runs.
 */
export async function renderSeedAFigure2(
  runs: readonly EvaluationMetrics[],
  references: PaperReferences | undefined,
): Promise<ReportFragment> {
  const selections = selectHeadlineRuns(runs);
  if (selections.length === 0) {
    return {
      html: renderOmittedFigure(id, title, 'no base or fine-tuned run reports conversationalPercent.'),
      images: [],
    };
  }

  const bars: BarDatum[] = [];
  const ticks: Omit<BarDatum, 'lower' | 'upper'>[] = [];
  const paperFor = (model: string, variant: (typeof variants)[number]) =>
    (references?.seedAHeadline ?? [])
      .filter((row) => normalizeModel(row.model) === normalizeModel(model) && row.variant === variant)
      .map((row) => row.conversationalPercent);

  for (const selection of selections) {
    for (const variant of variants) {
      const entry = variant === 'base' ? selection.base : selection.fineTuned;
      const aggregate = entry?.metrics[metric];
      if (entry && aggregate) {
        const bar: BarDatum = {
          model: selection.model,
          variant,
          value: aggregate.value,
          description: describeMark([
            ['source', 'run'],
            ['model', selection.model],
            ['variant', variant],
            ['run', entry.run.label],
            ['% conversational', formatMetricValue(metric, aggregate.value)],
            ...formatConfidenceInterval(metric, aggregate),
          ]),
        };
        if (aggregate.ci) {
          bar.lower = aggregate.ci.lower;
          bar.upper = aggregate.ci.upper;
        }
        bars.push(bar);
      }
      for (const value of paperFor(selection.model, variant)) {
        ticks.push({
          model: selection.model,
          variant,
          value,
          description: describeMark([
            ['source', 'paper (seed A Table 5)'],
            ['model', selection.model],
            ['variant', variant],
            ['% conversational', value],
          ]),
        });
      }
    }
  }

  const x = { field: 'model', type: 'nominal' as const, title: null, sort: null, axis: { labelAngle: 0 } };
  const xOffset = { field: 'variant', type: 'nominal' as const, scale: { domain: [...variants] } };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: '% conversational',
    scale: { domain: [0, 100] },
  };
  const spec: TopLevelSpec = {
    width: Math.min(chartWidth, 120 + 140 * selections.length),
    height: chartHeight,
    config: chartConfig,
    layer: [
      {
        name: 'run_bars',
        data: { values: bars },
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y,
          color: { field: 'variant', type: 'nominal', title: null, scale: { domain: [...variants] } },
          description: { field: 'description' },
        },
      },
      ...(bars.some((bar) => bar.lower !== undefined)
        ? [
            {
              name: 'intervals',
              data: { values: bars.filter((bar) => bar.lower !== undefined) },
              mark: { type: 'rule' as const, aria: false, color: '#333' },
              encoding: { x, xOffset, y: { ...y, field: 'lower' }, y2: { field: 'upper' } },
            },
          ]
        : []),
      ...(ticks.length > 0
        ? [
            {
              name: 'paper_ticks',
              data: { values: ticks },
              mark: { type: 'tick' as const, color: 'black', thickness: 2.5 },
              encoding: { x, xOffset, y, description: { field: 'description' } },
            },
          ]
        : []),
    ],
  };

  const figureRuns = selections.flatMap((selection) =>
    [selection.base, selection.fineTuned].filter((entry) => entry !== undefined),
  );
  const caption = [
    'Bars: our runs; whiskers: their confidence intervals.',
    ticks.length > 0 ? 'Black ticks: the paper’s values (seed A Table 5).' : '',
    'Per model, fine-tuned is the run with the most training samples (ties: highest % conversational);',
    'base is the base run with the highest % conversational, the strongest prompt-only baseline.',
    describeRunSettings(
      figureRuns,
      'conversationalThreshold',
      (values) => `Conversational = Flesch reading ease ≥ ${values}`,
    ),
    describeRunSettings(figureRuns, 'readabilityMode', (values) => `Readability: ${values}`),
  ]
    .filter((part) => part !== '')
    .map(escapeHtml)
    .join(' ');
  const figure = await renderFigure({
    id,
    title,
    caption,
    spec,
    runMarks: bars.length,
    paperMarks: ticks.length,
  });

  const rows = selections.map((selection) => {
    const runLabel = (entry: EvaluationMetrics | undefined) =>
      `<td>${entry ? escapeHtml(entry.run.label) : '<span class="missing">no run</span>'}</td>`;
    return (
      `<tr data-model="${escapeHtml(selection.model)}"><th scope="row">${escapeHtml(selection.model)}</th>` +
      runLabel(selection.base) +
      renderMetricCell(metric, selection.base) +
      renderPaperCell('conversationalPercent:base', paperFor(selection.model, 'base')) +
      runLabel(selection.fineTuned) +
      renderMetricCell(metric, selection.fineTuned) +
      renderPaperCell('conversationalPercent:fine-tuned', paperFor(selection.model, 'fine-tuned')) +
      '</tr>'
    );
  });
  const table =
    `<table id="${id}-table" data-table>\n<thead><tr><th>model</th><th>base run</th><th>% conversational</th>` +
    `<th class="paper">paper</th><th>fine-tuned run</th><th>% conversational</th><th class="paper">paper</th></tr></thead>\n` +
    `<tbody>\n${rows.join('\n')}\n</tbody></table>\n`;

  return { html: figure.html + table, images: figure.images };
}
