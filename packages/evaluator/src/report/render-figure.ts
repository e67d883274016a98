import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml } from './escape-html.js';
import { renderChart } from './render-chart.js';
import type { ReportFragment } from './report-fragment.js';

export interface RenderFigureOptions {
  /** Element id and image name, e.g. "seed-a-fig-3". */
  id: string;
  title: string;
  /** HTML, already escaped. */
  caption: string;
  spec: TopLevelSpec;
  /** Marks drawn from our runs and from the papers, recorded on the figure so tests can count them. */
  runMarks: number;
  paperMarks: number;
}

/** A `<figure data-chart>` with the chart inlined as SVG, and the same SVG as an image file. */
export async function renderFigure({
  id,
  title,
  caption,
  spec,
  runMarks,
  paperMarks,
}: RenderFigureOptions): Promise<ReportFragment> {
  const svg = await renderChart(spec, id);
  const html =
    `<figure id="${escapeHtml(id)}" data-chart data-run-marks="${runMarks}" data-paper-marks="${paperMarks}">` +
    `<h3>${escapeHtml(title)}</h3>\n${svg}\n<figcaption>${caption}</figcaption></figure>\n`;
  return { html, images: [{ name: id, svg }] };
}

/** The one-line note that replaces a figure with nothing to draw. */
export function renderOmittedFigure(id: string, title: string, reason: string): string {
  return `<p class="omitted" data-omitted="${escapeHtml(id)}">${escapeHtml(title)} omitted: ${escapeHtml(reason)}</p>\n`;
}
