import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationMetrics, MetricName } from '../../src/evaluation-metrics.js';
import { findRunMetrics, writeReport } from '../../src/report/index.js';
import { findChromium } from './find-chromium.js';
import { fixtureReferences, fixtureRuns } from './fixture-runs.js';

const chromiumPath = await findChromium();
if (chromiumPath === undefined) {
  console.warn(
    '\n' +
      '*****************************************************************************\n' +
      '* SKIPPED: the report browser test found no Chromium (/usr/bin/chromium,   *\n' +
      '* chromium or chromium-browser on PATH). Install one or set TONEKIT_CHROMIUM *\n' +
      '* to its path; the report was NOT checked in a browser.                     *\n' +
      '*****************************************************************************\n',
  );
}

/**
 * Per chart: the metric it draws, the mark label's key for that metric, the label key of its x axis,
 * and how many marks the fixture must produce from our runs and from the paper references (counted
 * by hand from fixture-runs.ts).
 */
const charts: Record<
  string,
  { metric: MetricName; key: string; x: string; runMarks: number; paperMarks: number }
> = {
  'seed-a-fig-2': {
    metric: 'conversationalPercent',
    key: '% conversational',
    x: 'variant',
    runMarks: 4,
    paperMarks: 4,
  },
  'seed-a-fig-3': {
    metric: 'conversationalPercent',
    key: '% conversational',
    x: 'training samples',
    runMarks: 10,
    paperMarks: 2,
  },
  'seed-a-fig-4': {
    metric: 'similarity',
    key: 'similarity',
    x: 'training samples',
    runMarks: 10,
    paperMarks: 2,
  },
  'seed-b-wer': { metric: 'wer', key: 'WER', x: 'α', runMarks: 10, paperMarks: 2 },
  'seed-b-average-response-length': {
    metric: 'averageResponseLength',
    key: 'ARL (words)',
    x: 'α',
    runMarks: 10,
    paperMarks: 2,
  },
  'seed-b-bleu': { metric: 'bleu', key: 'BLEU', x: 'α', runMarks: 10, paperMarks: 2 },
  'seed-b-bert-score-f1': { metric: 'bertScoreF1', key: 'BERTScore F1', x: 'α', runMarks: 10, paperMarks: 2 },
  'seed-b-distinct1': { metric: 'distinct1', key: 'distinct-1', x: 'α', runMarks: 10, paperMarks: 0 },
  'seed-b-distinct2': { metric: 'distinct2', key: 'distinct-2', x: 'α', runMarks: 10, paperMarks: 0 },
  'seed-b-mattr': { metric: 'mattr', key: 'MATTR', x: 'α', runMarks: 10, paperMarks: 0 },
  'seed-b-judge-turn1': { metric: 'judgeTurn1', key: 'MT-Bench turn 1', x: 'α', runMarks: 5, paperMarks: 1 },
  'seed-b-judge-turn2': { metric: 'judgeTurn2', key: 'MT-Bench turn 2', x: 'α', runMarks: 5, paperMarks: 1 },
  'seed-b-judge-average': {
    metric: 'judgeAverage',
    key: 'MT-Bench average',
    x: 'α',
    runMarks: 5,
    paperMarks: 1,
  },
};

interface RenderedChart {
  id: string;
  width: number;
  height: number;
  dataRunMarks: string | null;
  dataPaperMarks: string | null;
  labels: string[];
}

/** "source: run; α: 0.5; WER: 4.4081" → { source: 'run', α: '0.5', WER: '4.4081' }. */
function parseLabel(label: string): Record<string, string> {
  return Object.fromEntries(
    label.split('; ').map((pair) => {
      const at = pair.indexOf(': ');
      return [pair.slice(0, at), pair.slice(at + 2)];
    }),
  );
}

/** "96.9 to 98.5" → [96.9, 98.5]. */
function parseRange(text: string): number[] {
  return text.split(' to ').map(Number);
}

describe.skipIf(chromiumPath === undefined)('report.html in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let runs: EvaluationMetrics[];
  let byLabel: Map<string, EvaluationMetrics>;
  let htmlPath: string;
  let imagePaths: string[];
  const requests: string[] = [];
  let rendered: RenderedChart[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonekit-report-browser-'));
    // Through the files, as a user would: one metrics.json per run folder.
    for (const [index, entry] of fixtureRuns().entries()) {
      const folder = join(dir, 'runs', `run-${String(index).padStart(2, '0')}`);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'metrics.json'), JSON.stringify(entry, null, 2));
    }
    runs = (await findRunMetrics([join(dir, 'runs')])).map((found) => found.metrics);
    byLabel = new Map(runs.map((entry) => [entry.run.label, entry]));
    ({ htmlPath, imagePaths } = await writeReport({
      runs,
      references: fixtureReferences(),
      outDir: join(dir, 'report'),
      title: 'Browser fixture',
    }));

    browser = await chromium.launch({ executablePath: chromiumPath! });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    rendered = await page.$$eval('figure[data-chart]', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: figure.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          dataRunMarks: figure.getAttribute('data-run-marks'),
          dataPaperMarks: figure.getAttribute('data-paper-marks'),
          labels: [...figure.querySelectorAll('svg [role="graphics-symbol"][aria-label^="source: "]')].map(
            (mark) => mark.getAttribute('aria-label') ?? '',
          ),
        };
      }),
    );
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders every expected chart with a size and the expected number of marks', () => {
    expect(rendered.map((chart) => chart.id)).toEqual(Object.keys(charts));
    for (const chart of rendered) {
      const expected = charts[chart.id]!;
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.height, chart.id).toBeGreaterThan(100);
      const runLabels = chart.labels.filter((label) => label.startsWith('source: run;'));
      const paperLabels = chart.labels.filter((label) => label.startsWith('source: paper'));
      expect([runLabels.length, paperLabels.length], chart.id).toEqual([
        expected.runMarks,
        expected.paperMarks,
      ]);
      expect(runLabels.length + paperLabels.length, chart.id).toBe(chart.labels.length);
      expect([chart.dataRunMarks, chart.dataPaperMarks], chart.id).toEqual([
        String(expected.runMarks),
        String(expected.paperMarks),
      ]);
    }
  });

  it('omits nothing when every figure has runs', async () => {
    expect(await page.locator('[data-omitted]').count()).toBe(0);
  });

  it('draws every run mark at the values of its metrics.json', () => {
    for (const chart of rendered) {
      const { metric, key, x } = charts[chart.id]!;
      const drawnRuns = new Set<string>();
      for (const label of chart.labels.filter((text) => text.startsWith('source: run;'))) {
        const pairs = parseLabel(label);
        const entry = byLabel.get(pairs['run']!);
        expect(entry, `${chart.id}: ${label}`).toBeDefined();
        drawnRuns.add(entry!.run.label);
        const aggregate = entry!.metrics[metric]!;
        expect(Number(pairs[key]), `${chart.id}: ${label}`).toBe(aggregate.value);
        if (x === 'training samples') expect(Number(pairs[x])).toBe(entry!.run.trainingSamples);
        if (x === 'α') expect(Number(pairs[x])).toBe(entry!.run.blend!.alpha);
        if (x === 'variant') {
          expect(pairs['variant']).toBe(entry!.run.variant);
          expect(pairs['model']).toBe(entry!.run.model);
        }
        if (aggregate.ci) {
          const [lower, upper] = parseRange(pairs['95% CI']!);
          expect(lower).toBeCloseTo(aggregate.ci.lower, 3);
          expect(upper).toBeCloseTo(aggregate.ci.upper, 3);
        } else {
          expect(pairs['95% CI']).toBeUndefined();
        }
      }
      // Fig. 2 shows per model the base run and the fine-tune with the most samples; of Llama's two
      // 9,000-sample configurations, the one with the higher % conversational (96.9 over 96.4).
      const expectedRuns =
        chart.id === 'seed-a-fig-2'
          ? [
              'Llama 3.2 1B · base',
              'Llama 3.2 1B · int8 · r32 · 0.0002 · 9000 samples',
              'gpt-4o-mini · base',
              'gpt-4o-mini · 9,000 samples',
            ]
          : runs.filter((entry) => entry.metrics[metric] !== undefined).map((entry) => entry.run.label);
      expect([...drawnRuns].sort(), chart.id).toEqual(expectedRuns.sort());
    }
  });

  it('draws every paper mark at a value the references hold', () => {
    const references = fixtureReferences();
    for (const chart of rendered) {
      const { key, x } = charts[chart.id]!;
      for (const label of chart.labels.filter((text) => text.startsWith('source: paper'))) {
        const pairs = parseLabel(label);
        const value = Number(pairs[key]);
        const xValue = x === 'variant' ? pairs['variant'] : Number(pairs[x]);
        const candidates: [unknown, number][] =
          chart.id === 'seed-a-fig-2'
            ? references
                .seedAHeadline!.filter((row) => row.model === pairs['model'])
                .map((row) => [row.variant, row.conversationalPercent])
            : chart.id === 'seed-a-fig-3'
              ? references.seedASweep!.map((row) => [row.trainingSamples, row.conversationalPercent])
              : chart.id === 'seed-a-fig-4'
                ? references.seedASweep!.map((row) => [row.trainingSamples, row.similarity])
                : chart.id.startsWith('seed-b-judge')
                  ? references.seedBMtBench!.map((row) => [
                      row.alpha,
                      {
                        'MT-Bench turn 1': row.turn1,
                        'MT-Bench turn 2': row.turn2,
                        'MT-Bench average': row.average,
                      }[key]!,
                    ])
                  : references
                      .seedBAutomaticMetrics!.filter((row) => row.modelSize === '1B')
                      .map((row) => [
                        row.alpha,
                        {
                          WER: row.wer,
                          'ARL (words)': row.averageResponseLength,
                          BLEU: row.bleu,
                          'BERTScore F1': row.bertScore,
                        }[key]!,
                      ]);
        expect(candidates, `${chart.id}: ${label}`).toContainEqual([xValue, value]);
      }
    }
  });

  it('prints every table cell from metrics.json, with its interval', async () => {
    const cells = await page.$$eval('td[data-metric][data-run]', (elements) =>
      elements.map((cell) => ({
        table: cell.closest('table')?.id ?? '',
        metric: cell.getAttribute('data-metric') ?? '',
        run: cell.getAttribute('data-run') ?? '',
        value: cell.getAttribute('data-value') ?? '',
        text: cell.textContent ?? '',
      })),
    );
    // Fig. 2 table 4, Table 6 9 runs × 2, seed B: 2 test sets × 5 α × (4 automatic + 3 lexical) + 5 α × 3 judge.
    expect(cells).toHaveLength(4 + 18 + 40 + 30 + 15);
    for (const cell of cells) {
      const entry = byLabel.get(cell.run);
      expect(entry, cell.run).toBeDefined();
      const aggregate = entry!.metrics[cell.metric as MetricName]!;
      expect(cell.value).toBe(String(aggregate.value));
      const [printed, interval] = cell.text.split('[');
      expect(Number(printed!.trim()), `${cell.table} ${cell.run} ${cell.metric}`).toBe(aggregate.value);
      if (aggregate.ci) {
        const [lower, upper] = interval!.replace(']', '').split(',').map(Number);
        expect(lower).toBeCloseTo(aggregate.ci.lower, 3);
        expect(upper).toBeCloseTo(aggregate.ci.upper, 3);
      } else {
        expect(interval).toBeUndefined();
      }
    }
    const table6Rows = await page.$$eval('#seed-a-table-6 tbody tr', (rows) =>
      rows.map((row) => row.getAttribute('data-run')),
    );
    expect(table6Rows.sort()).toEqual(
      runs
        .filter((entry) => entry.run.variant !== 'blend')
        .map((entry) => entry.run.label)
        .sort(),
    );
  });

  it('prints the paper values beside the matching rows', async () => {
    const paper = await page.$$eval('td[data-paper][data-value]', (elements) =>
      elements.map((cell) => ({
        table: cell.closest('table')?.id ?? '',
        row:
          cell.closest('tr')?.getAttribute('data-run') ??
          cell.closest('tr')?.getAttribute('data-alpha') ??
          '',
        key: cell.getAttribute('data-paper') ?? '',
        text: cell.textContent ?? '',
      })),
    );
    const seen = paper.map((cell) => `${cell.table} | ${cell.row} | ${cell.key} | ${cell.text}`);
    expect(seen).toEqual([
      'seed-a-fig-2-table |  | conversationalPercent:base | 23.1',
      'seed-a-fig-2-table |  | conversationalPercent:fine-tuned | 97.4',
      'seed-a-fig-2-table |  | conversationalPercent:base | 29.4',
      'seed-a-fig-2-table |  | conversationalPercent:fine-tuned | 97.8',
      'seed-a-table-6 | Llama 3.2 1B · base | conversationalPercent | 22.4',
      'seed-a-table-6 | Llama 3.2 1B · base | similarity | 0.79',
      'seed-a-table-6 | Llama 3.2 1B · int8 · r32 · 0.0002 · 1000 samples | conversationalPercent | 94.6',
      'seed-a-table-6 | Llama 3.2 1B · int8 · r32 · 0.0002 · 1000 samples | similarity | 0.85',
      'seed-b-automatic-ed-wow-1b-ed | 0 | wer:1B | 7.4081',
      'seed-b-automatic-ed-wow-1b-ed | 0 | averageResponseLength:1B | 66.9165',
      'seed-b-automatic-ed-wow-1b-ed | 0 | bleu:1B | 0.3623',
      'seed-b-automatic-ed-wow-1b-ed | 0 | bertScoreF1:1B | 0.8463',
      'seed-b-automatic-ed-wow-1b-ed | 1 | wer:1B | 1.4082',
      'seed-b-automatic-ed-wow-1b-ed | 1 | averageResponseLength:1B | 11.5314',
      'seed-b-automatic-ed-wow-1b-ed | 1 | bleu:1B | 1.8738',
      'seed-b-automatic-ed-wow-1b-ed | 1 | bertScoreF1:1B | 0.8634',
      'seed-b-lexical-ed-wow-1b-wow | 0.5 | lexicalDiversity:1B | 0.2167',
      'seed-b-mt-bench-ed-wow-1b-mt-bench | 0.25 | judgeTurn1:1B | 5.7563',
      'seed-b-mt-bench-ed-wow-1b-mt-bench | 0.25 | judgeTurn2:1B | 4.75',
      'seed-b-mt-bench-ed-wow-1b-mt-bench | 0.25 | judgeAverage:1B | 5.2531',
    ]);
  });

  it('needs nothing but the file itself', () => {
    expect(requests).toEqual([pathToFileURL(htmlPath).href]);
  });

  it('writes each chart as an SVG file that opens on its own', async () => {
    expect(imagePaths.map((file) => file.slice(file.lastIndexOf('/') + 1))).toEqual(
      Object.keys(charts).map((id) => `${id}.svg`),
    );
    const svg = await readFile(imagePaths[0]!, 'utf8');
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const imagePage = await browser.newPage();
    await imagePage.goto(pathToFileURL(imagePaths[0]!).href);
    expect(await imagePage.locator('[aria-label^="source: run;"]').count()).toBe(
      charts['seed-a-fig-2']!.runMarks,
    );
    await imagePage.close();
  });
});
