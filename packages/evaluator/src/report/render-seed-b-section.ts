import type { EvaluationMetrics, MetricName } from '../evaluation-metrics.js';
import { describeMark } from './describe-mark.js';
import { describeRunSettings } from './describe-run-settings.js';
import { escapeHtml } from './escape-html.js';
import { type BlendGroup, type BlendPoint, blendPoints, groupBlendRuns } from './group-blend-runs.js';
import { type ChartPoint, lineChartSpec } from './line-chart-spec.js';
import { metricDisplay } from './metric-display.js';
import type { PaperReferences } from './paper-references.js';
import { renderFigure, renderOmittedFigure } from './render-figure.js';
import { renderMetricCell, renderPaperCell } from './render-metric-cell.js';
import type { ReportFragment } from './report-fragment.js';
import { runChartPoint } from './run-chart-point.js';

interface Family {
  id: string;
  title: string;
  metrics: MetricName[];
  /** Which printed table the paper's numbers come from, for labels. */
  paperTable: string;
}

const families: Family[] = [
  {
    id: 'automatic',
    title: 'Seed B Tables 1–2 — automatic metrics vs α',
    metrics: ['wer', 'averageResponseLength', 'bleu', 'bertScoreF1'],
    paperTable: 'seed B Tables 1–2',
  },
  {
    id: 'lexical',
    title: 'Seed B Table 3 — lexical diversity vs α',
    metrics: ['distinct1', 'distinct2', 'mattr'],
    paperTable: 'seed B Table 3',
  },
  {
    id: 'mt-bench',
    title: 'Seed B Tables 5–6 — MT-Bench judge vs α',
    metrics: ['judgeTurn1', 'judgeTurn2', 'judgeAverage'],
    paperTable: 'seed B Tables 5–6',
  },
];

/** One printed series of the paper that fits a blend group: a model size, and a test set where the table has one. */
interface PaperSeries {
  label: string;
  /** Column key in tables, e.g. "wer:1B". */
  size: string;
  values: { alpha: number; value: number }[];
}

/**
 * Seed B: for each metric family, a line chart per metric vs α (one line per blend and test set,
 * the paper's series dashed) and a table per blend and test set with the paper's columns beside ours.
 */
export async function renderSeedBSection(
  runs: readonly EvaluationMetrics[],
  references: PaperReferences | undefined,
): Promise<ReportFragment> {
  const groups = groupBlendRuns(runs);
  if (groups.length === 0) {
    return {
      html: renderOmittedFigure('seed-b', 'Seed B (blends vs α)', 'no run carries a blend.'),
      images: [],
    };
  }
  const slugs = uniqueSlugs(groups.map((group) => group.label));
  let html = '';
  const images: ReportFragment['images'] = [];
  for (const family of families) {
    const present = family.metrics.some((metric) =>
      groups.some((group) => blendPoints(group, metric).length > 0),
    );
    html += `<h3 id="seed-b-${family.id}">${escapeHtml(family.title)}</h3>\n`;
    if (!present) {
      html += renderOmittedFigure(
        `seed-b-${family.id}-figures`,
        family.title,
        `no blend run reports ${family.metrics.join(', ')}.`,
      );
      continue;
    }
    for (const metric of family.metrics) {
      const fragment = await renderMetricChart(metric, family, groups, references);
      html += fragment.html;
      images.push(...fragment.images);
    }
    for (const [index, group] of groups.entries()) {
      html += renderFamilyTable(family, group, slugs[index]!, references);
    }
  }
  return { html, images };
}

async function renderMetricChart(
  metric: MetricName,
  family: Family,
  groups: readonly BlendGroup[],
  references: PaperReferences | undefined,
): Promise<ReportFragment> {
  const id = `seed-b-${kebab(metric)}`;
  const yTitle = metricDisplay[metric].title;
  const title = `${yTitle} vs α`;
  const points: ChartPoint[] = [];
  const chartRuns: EvaluationMetrics[] = [];
  for (const group of groups) {
    for (const { alpha, run: entry, aggregate } of blendPoints(group, metric)) {
      chartRuns.push(entry);
      points.push(
        runChartPoint({
          series: group.label,
          runLabel: entry.run.label,
          xName: 'α',
          x: alpha,
          yTitle,
          metric,
          aggregate,
        }),
      );
    }
  }
  if (points.length === 0) {
    return { html: renderOmittedFigure(id, title, `no blend run reports ${metric}.`), images: [] };
  }
  const runMarks = points.length;
  // The paper's lexical-diversity measure is not named, so it is not drawn against distinct-n or MATTR.
  if (family.id !== 'lexical') {
    const seen = new Set<string>();
    for (const group of groups) {
      if (blendPoints(group, metric).length === 0) continue;
      for (const series of paperSeries(metric, group, references)) {
        if (seen.has(series.label)) continue;
        seen.add(series.label);
        for (const { alpha, value } of series.values) {
          points.push({
            series: series.label,
            source: 'paper',
            x: alpha,
            y: value,
            description: describeMark([
              ['source', `paper (${family.paperTable})`],
              ['series', series.label],
              ['α', alpha],
              [yTitle, value],
            ]),
          });
        }
      }
    }
  }
  const caption = [
    'One line per blend and test set; α is the weight of the blend’s first model. Vertical rules: confidence intervals.',
    points.length > runMarks ? `Dashed lines, hollow points: the paper’s values (${family.paperTable}).` : '',
    metricNote(metric, chartRuns),
  ]
    .filter((part) => part !== '')
    .map(escapeHtml)
    .join(' ');
  const spec = lineChartSpec({
    points,
    xTitle: 'α',
    yTitle,
    xType: 'quantitative',
    ...(metric.startsWith('judge') ? { yDomain: [1, 10] as [number, number] } : {}),
  });
  return renderFigure({ id, title, caption, spec, runMarks, paperMarks: points.length - runMarks });
}

function renderFamilyTable(
  family: Family,
  group: BlendGroup,
  slug: string,
  references: PaperReferences | undefined,
): string {
  const byMetric = new Map(family.metrics.map((metric) => [metric, blendPoints(group, metric)]));
  const alphas = [...new Set([...byMetric.values()].flat().map((point) => point.alpha))].sort(
    (a, b) => a - b,
  );
  if (alphas.length === 0) return '';

  const columns: { header: string; cell: (alpha: number) => string }[] = family.metrics
    .filter((metric) => byMetric.get(metric)!.length > 0)
    .map((metric) => ({
      header: `<th>${escapeHtml(metricDisplay[metric].title)}</th>`,
      cell: (alpha: number) => renderMetricCell(metric, pointAt(byMetric.get(metric)!, alpha)?.run),
    }));
  const paperMetrics: (MetricName | 'lexicalDiversity')[] =
    family.id === 'lexical'
      ? ['lexicalDiversity']
      : family.metrics.filter((metric) => byMetric.get(metric)!.length > 0);
  for (const metric of paperMetrics) {
    for (const series of paperSeries(metric, group, references)) {
      const name =
        metric === 'lexicalDiversity'
          ? 'lexical diversity (measure not stated)'
          : metricDisplay[metric].title;
      columns.push({
        header: `<th class="paper">${escapeHtml(`${series.label} ${name}`)}</th>`,
        cell: (alpha: number) =>
          renderPaperCell(
            `${metric}:${series.size}`,
            series.values.filter((value) => sameAlpha(value.alpha, alpha)).map((value) => value.value),
          ),
      });
    }
  }
  const id = `seed-b-${family.id}-${slug}`;
  const rows = alphas.map(
    (alpha) =>
      `<tr data-alpha="${alpha}"><th scope="row" class="number">${alpha}</th>${columns.map((column) => column.cell(alpha)).join('')}</tr>`,
  );
  return (
    `<table id="${escapeHtml(id)}" data-table data-blend="${escapeHtml(group.name)}"${
      group.testSet === undefined ? '' : ` data-test-set="${escapeHtml(group.testSet)}"`
    }>\n<caption>${escapeHtml(group.label)}</caption>\n<thead><tr><th>α</th>${columns.map((column) => column.header).join('')}</tr></thead>\n` +
    `<tbody>\n${rows.join('\n')}\n</tbody></table>\n`
  );
}

/**
 * The paper's series that fit a group: the test set must agree where the paper's table has one, and
 * the model size ("1B", "3B") must agree when the blend's name or model names one; otherwise every
 * size is shown, since guessing would be worse than showing both.
 */
function paperSeries(
  metric: MetricName | 'lexicalDiversity',
  group: BlendGroup,
  references: PaperReferences | undefined,
): PaperSeries[] {
  const size = modelSizeOf(group);
  const testSet = group.testSet === undefined ? undefined : normalizeTestSet(group.testSet);
  const fits = (row: { modelSize: string; testSet?: string }) =>
    (size === undefined || row.modelSize.toUpperCase() === size) &&
    (row.testSet === undefined || (testSet !== undefined && normalizeTestSet(row.testSet) === testSet));

  let rows: { modelSize: string; testSet?: string; alpha: number; value: number }[] = [];
  const automatic = references?.seedBAutomaticMetrics ?? [];
  const judge = references?.seedBMtBench ?? [];
  switch (metric) {
    case 'wer':
    case 'averageResponseLength':
    case 'bleu':
      rows = automatic.map((row) => ({ ...row, value: row[metric] }));
      break;
    case 'bertScoreF1':
      rows = automatic.map((row) => ({ ...row, value: row.bertScore }));
      break;
    case 'lexicalDiversity':
      rows = (references?.seedBLexical ?? []).map((row) => ({ ...row, value: row.lexicalDiversity }));
      break;
    case 'judgeTurn1':
      rows = judge.map((row) => ({ ...row, value: row.turn1 }));
      break;
    case 'judgeTurn2':
      rows = judge.map((row) => ({ ...row, value: row.turn2 }));
      break;
    case 'judgeAverage':
      rows = judge.map((row) => ({ ...row, value: row.average }));
      break;
    default:
      rows = [];
  }
  const series = new Map<string, PaperSeries>();
  for (const row of rows.filter(fits)) {
    const label =
      row.testSet === undefined ? `paper ${row.modelSize}` : `paper ${row.modelSize} · ${row.testSet}`;
    let entry = series.get(label);
    if (entry === undefined) {
      entry = { label, size: row.modelSize, values: [] };
      series.set(label, entry);
    }
    entry.values.push({ alpha: row.alpha, value: row.value });
  }
  return [...series.values()];
}

function modelSizeOf(group: BlendGroup): string | undefined {
  const sizes = new Set<string>();
  for (const text of [group.name, ...group.runs.map((entry) => entry.run.model)]) {
    const match = /(?:^|[^\w.])(\d+(?:\.\d+)?)\s*B\b/i.exec(text);
    if (match) sizes.add(`${match[1]}B`);
  }
  return sizes.size === 1 ? [...sizes][0] : undefined;
}

function normalizeTestSet(testSet: string): string {
  const compact = testSet.toLowerCase().replace(/[^a-z0-9]/g, '');
  const aliases: Record<string, string> = { empatheticdialogues: 'ed', wizardofwikipedia: 'wow' };
  return aliases[compact] ?? compact;
}

function metricNote(metric: MetricName, runs: readonly EvaluationMetrics[]): string {
  switch (metric) {
    case 'wer':
      return 'WER is a fraction of reference words and exceeds 1 when responses are much longer than references.';
    case 'averageResponseLength':
      return 'ARL: mean whitespace-separated words per response.';
    case 'bleu':
      return describeRunSettings(
        runs,
        'bleuSignature',
        (values) => `sacreBLEU corpus score, signature ${values}`,
      );
    case 'bertScoreF1':
      return [
        describeRunSettings(runs, 'bertScoreModel', (values) => `BERTScore model: ${values}`),
        describeRunSettings(runs, 'bertScoreRescaled', (values) => `Baseline rescaled: ${values}`),
      ].join(' ');
    case 'judgeTurn1':
    case 'judgeTurn2':
    case 'judgeAverage':
      return describeRunSettings(
        runs,
        'judgeModel',
        (values) => `MT-Bench single-answer grades by ${values}`,
      );
    default:
      return '';
  }
}

function pointAt(points: readonly BlendPoint[], alpha: number): BlendPoint | undefined {
  return points.find((point) => sameAlpha(point.alpha, alpha));
}

function sameAlpha(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

/** Ids for the groups' tables: readable, and unique even when two labels differ only in punctuation. */
function uniqueSlugs(labels: readonly string[]): string[] {
  const used = new Set<string>();
  return labels.map((label) => {
    const base = slugify(label) || 'blend';
    let slug = base;
    for (let index = 2; used.has(slug); index++) slug = `${base}-${index}`;
    used.add(slug);
    return slug;
  });
}

/** "bertScoreF1" → "bert-score-f1". */
function kebab(metric: string): string {
  return slugify(metric.replace(/([a-z0-9])([A-Z])/g, '$1-$2'));
}

/** "ED×WoW 1B · ED" → "ed-wow-1b-ed". */
function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
