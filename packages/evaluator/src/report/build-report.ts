import { InvalidArgumentError } from '@tonekit/core';
import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { escapeHtml } from './escape-html.js';
import { type PaperReferences, type PaperTableName, paperReferenceFiles } from './paper-references.js';
import { renderRunsOverview } from './render-runs-overview.js';
import { renderSeedAFigure2 } from './render-seed-a-figure-2.js';
import { renderSeedASweepFigure } from './render-seed-a-sweep-figure.js';
import { renderSeedATable6 } from './render-seed-a-table-6.js';
import { renderSeedBSection } from './render-seed-b-section.js';
import type { ReportImage } from './report-fragment.js';
import { reportStyle } from './report-style.js';

export interface BuildReportOptions {
  /** The runs to draw, as read from their `metrics.json` (see `findRunMetrics`). */
  runs: readonly EvaluationMetrics[];
  /** The papers' reported figures (see `loadPaperReferences`); without them no paper lines are drawn. */
  references?: PaperReferences;
  /** Page title and heading. */
  title?: string;
}

export interface Report {
  /** One self-contained HTML page: inline CSS, charts as inline SVG, no script, no external URL. */
  html: string;
  /** Every chart of the page as a standalone SVG, in page order. */
  images: ReportImage[];
}

export const defaultReportTitle = 'tonekit evaluation report';

const paperTableNames: Record<PaperTableName, string> = {
  seedAHeadline: 'seed A Table 5 (Fig. 2)',
  seedASweep: 'seed A Table 6 (Fig. 3/4)',
  seedBAutomaticMetrics: 'seed B Tables 1–2',
  seedBLexical: 'seed B Table 3',
  seedBMtBench: 'seed B Tables 5–6',
  seedBMtBenchCategories: 'seed B Tables 7–8 (not drawn: metrics.json has no per-category grades)',
};

/**
 * Builds the HTML report that redraws the seed papers' figures from evaluation runs: seed A Fig. 2,
 * Fig. 3, Fig. 4 and Table 6; seed B's metrics vs α (Tables 1–3, 5–6) as tables and charts. A figure
 * with no matching run is replaced by a one-line note. Pure apart from rendering the charts (Vega in
 * Node, no I/O), and deterministic: the same runs give the same bytes, so reports diff cleanly.
 *
 * @throws InvalidArgumentError when two runs share a label (labels identify runs in the tables).
 */
export async function buildReport({
  runs,
  references,
  title = defaultReportTitle,
}: BuildReportOptions): Promise<Report> {
  const labels = new Set<string>();
  for (const [index, entry] of runs.entries()) {
    if (labels.has(entry.run.label)) {
      throw new InvalidArgumentError({
        argument: `runs[${index}].run.label`,
        value: entry.run.label,
        message: `"${entry.run.label}" is the label of an earlier run too; labels identify runs in the report, make them unique.`,
      });
    }
    labels.add(entry.run.label);
  }

  const figure2 = await renderSeedAFigure2(runs, references);
  const figure3 = await renderSeedASweepFigure('fig-3', runs, references);
  const figure4 = await renderSeedASweepFigure('fig-4', runs, references);
  const table6 = renderSeedATable6(runs, references);
  const seedB = await renderSeedBSection(runs, references);

  const loaded = (Object.keys(paperReferenceFiles) as PaperTableName[]).filter((name) => references?.[name]);
  const referencesNote =
    loaded.length === 0
      ? 'No paper references loaded: the figures show our runs only.'
      : `Paper references (values labelled “paper”, as transcribed from the papers): ${loaded
          .map((name) => paperTableNames[name])
          .join('; ')}.`;

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@tonekit/evaluator">
<title>${escapeHtml(title)}</title>
<style>${reportStyle}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta" data-run-count="${runs.length}">${runs.length} run${runs.length === 1 ? '' : 's'}. ${escapeHtml(referencesNote)}</p>
<nav><ul>
<li><a href="#seed-a">Seed A — conversational fine-tuning</a></li>
<li><a href="#seed-b">Seed B — logit blending vs α</a></li>
<li><a href="#runs">Runs</a></li>
</ul></nav>
</header>
<main>
<section id="seed-a">
<h2>Seed A — conversational fine-tuning</h2>
<p class="note">Marquardt &amp; Brule (Restack, 2025). % conversational = share of responses with Flesch reading ease at or above the threshold; similarity = cosine of response and reference embeddings.</p>
${figure2.html}${figure3.html}${figure4.html}${table6}</section>
<section id="seed-b">
<h2>Seed B — logit blending vs α</h2>
<p class="note">“Steering Conversations via Logit Bias in LLMs” (anonymous ACL submission). α is the weight of the blend’s first model (the paper: the Empathetic-Dialogues model).</p>
${seedB.html}</section>
<section id="runs">
<h2>Runs</h2>
<div class="table-scroll">
${renderRunsOverview(runs)}</div>
</section>
</main>
</body>
</html>
`;
  return { html, images: [...figure2.images, ...figure3.images, ...figure4.images, ...seedB.images] };
}
