import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { describeMark } from './describe-mark.js';
import { describeRunSettings } from './describe-run-settings.js';
import { escapeHtml } from './escape-html.js';
import { groupSweepRuns } from './group-sweep-runs.js';
import { type ChartPoint, lineChartSpec } from './line-chart-spec.js';
import { matchPaperSweepLine } from './match-paper-sweep-rows.js';
import { metricDisplay } from './metric-display.js';
import type { PaperReferences } from './paper-references.js';
import { renderFigure, renderOmittedFigure } from './render-figure.js';
import type { ReportFragment } from './report-fragment.js';
import { runChartPoint } from './run-chart-point.js';

const figures = {
  'fig-3': { metric: 'conversationalPercent', title: 'Seed A Fig. 3 — % conversational vs training samples' },
  'fig-4': { metric: 'similarity', title: 'Seed A Fig. 4 — similarity to the reference vs training samples' },
} as const;

/**
 * Seed A Fig. 3 (% conversational) or Fig. 4 (similarity) against training samples: one line per
 * model and fine-tuning configuration, starting from the model's base run at 0 samples, with the
 * paper's Table 6 line for the same configuration dashed.
 */
export async function renderSeedASweepFigure(
  figure: keyof typeof figures,
  runs: readonly EvaluationMetrics[],
  references: PaperReferences | undefined,
): Promise<ReportFragment> {
  const { metric, title } = figures[figure];
  const id = `seed-a-${figure}`;
  const { lines, withoutTrainingSamples } = groupSweepRuns(runs, metric);
  if (lines.length === 0) {
    const reason =
      withoutTrainingSamples.length > 0
        ? `the fine-tuned runs that report ${metric} do not record trainingSamples.`
        : `no fine-tuned run reports ${metric}.`;
    return { html: renderOmittedFigure(id, title, reason), images: [] };
  }

  const yTitle = metricDisplay[metric].title;
  const points: ChartPoint[] = [];
  for (const line of lines) {
    for (const { trainingSamples, run: entry } of line.points) {
      const aggregate = entry.metrics[metric]!;
      points.push(
        runChartPoint({
          series: line.label,
          runLabel: entry.run.label,
          xName: 'training samples',
          x: trainingSamples,
          yTitle,
          metric,
          aggregate,
        }),
      );
    }
  }
  const runMarks = points.length;
  for (const line of lines) {
    for (const row of matchPaperSweepLine(line.model, line.configuration, references?.seedASweep ?? [])) {
      const value = row[metric];
      points.push({
        series: line.label,
        source: 'paper',
        x: row.trainingSamples,
        y: value,
        description: describeMark([
          ['source', 'paper (seed A Table 6)'],
          ['series', line.label],
          ['training samples', row.trainingSamples],
          [yTitle, value],
        ]),
      });
    }
  }

  const spec = lineChartSpec({
    points,
    xTitle: 'training samples',
    yTitle,
    xType: 'ordinal',
    ...(metric === 'conversationalPercent' ? { yDomain: [0, 100] as [number, number] } : {}),
  });
  const lineRuns = lines.flatMap((line) => line.points.map((point) => point.run));
  const caption = [
    'One line per model and fine-tuning configuration (precision · LoRA rank · learning rate);',
    'the point at 0 samples is the model’s base run. Vertical rules: confidence intervals.',
    points.length > runMarks ? 'Dashed lines, hollow points: the paper’s values (seed A Table 6).' : '',
    'Training samples are evenly spaced, not to scale.',
    withoutTrainingSamples.length > 0
      ? `${withoutTrainingSamples.length} fine-tuned run(s) without trainingSamples are left out.`
      : '',
    metric === 'conversationalPercent'
      ? describeRunSettings(
          lineRuns,
          'conversationalThreshold',
          (values) => `Conversational = Flesch reading ease ≥ ${values}`,
        )
      : describeRunSettings(
          lineRuns,
          'embedderModel',
          (values) => `Similarity: cosine of ${values} embeddings`,
        ),
  ]
    .filter((part) => part !== '')
    .map(escapeHtml)
    .join(' ');
  return renderFigure({ id, title, caption, spec, runMarks, paperMarks: points.length - runMarks });
}
