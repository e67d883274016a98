import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/index.js';
import { fixtureReferences, fixtureRuns } from './fixture-runs.js';

const figureIds = (html: string) =>
  [...html.matchAll(/<figure id="([^"]+)" data-chart/g)].map((match) => match[1]);
const omittedIds = (html: string) => [...html.matchAll(/data-omitted="([^"]+)"/g)].map((match) => match[1]);

describe('buildReport', () => {
  it('draws every figure the fixture runs can fill, each once in the page and once as an image', async () => {
    const report = await buildReport({
      runs: fixtureRuns(),
      references: fixtureReferences(),
      title: 'Fixture <report>',
    });
    const expected = [
      'seed-a-fig-2',
      'seed-a-fig-3',
      'seed-a-fig-4',
      'seed-b-wer',
      'seed-b-average-response-length',
      'seed-b-bleu',
      'seed-b-bert-score-f1',
      'seed-b-distinct1',
      'seed-b-distinct2',
      'seed-b-mattr',
      'seed-b-judge-turn1',
      'seed-b-judge-turn2',
      'seed-b-judge-average',
    ];
    expect(figureIds(report.html)).toEqual(expected);
    expect(report.images.map((image) => image.name)).toEqual(expected);
    expect(omittedIds(report.html)).toEqual([]);
    for (const image of report.images) {
      expect(image.svg.startsWith('<svg')).toBe(true);
      expect(report.html).toContain(image.svg);
    }
    expect(report.html).toContain('<title>Fixture &lt;report&gt;</title>');
  });

  it('is self-contained: no script, no stylesheet link, nothing fetched from a URL', async () => {
    const { html } = await buildReport({ runs: fixtureRuns(), references: fixtureReferences() });
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    expect(html).not.toMatch(/(src|href)="(?!#)/);
    // The only URLs are XML namespace names, which browsers never fetch.
    const urls = new Set(html.match(/https?:\/\/[^"'\s)]+/g));
    expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
  });

  it('is deterministic', async () => {
    const a = await buildReport({ runs: fixtureRuns(), references: fixtureReferences() });
    const b = await buildReport({ runs: fixtureRuns(), references: fixtureReferences() });
    expect(a.html).toBe(b.html);
  });

  it('replaces figures with no runs by one-line notes, never an empty chart', async () => {
    const report = await buildReport({ runs: [], references: fixtureReferences() });
    expect(figureIds(report.html)).toEqual([]);
    expect(report.images).toEqual([]);
    expect(omittedIds(report.html)).toEqual([
      'seed-a-fig-2',
      'seed-a-fig-3',
      'seed-a-fig-4',
      'seed-a-table-6',
      'seed-b',
      'runs',
    ]);
    expect(report.html).toContain(
      'Seed A Fig. 2 — % conversational, base vs fine-tuned omitted: no base or fine-tuned run',
    );
  });

  it('omits only what is missing: a blend sweep without judge or lexical metrics', async () => {
    const runs = fixtureRuns().filter(
      (entry) => entry.run.variant === 'blend' && entry.run.blend?.testSet !== 'MT-Bench',
    );
    for (const entry of runs) {
      delete entry.metrics.distinct1;
      delete entry.metrics.distinct2;
      delete entry.metrics.mattr;
      delete entry.metrics.bertScoreF1;
    }
    const report = await buildReport({ runs });
    expect(figureIds(report.html)).toEqual(['seed-b-wer', 'seed-b-average-response-length', 'seed-b-bleu']);
    expect(omittedIds(report.html)).toEqual([
      'seed-a-fig-2',
      'seed-a-fig-3',
      'seed-a-fig-4',
      'seed-a-table-6',
      'seed-b-bert-score-f1',
      'seed-b-lexical-figures',
      'seed-b-mt-bench-figures',
    ]);
    expect(report.html).toContain('No paper references loaded');
  });

  it('omits the fine-tuning figures when fine-tunes do not record their training samples', async () => {
    const runs = fixtureRuns().filter((entry) => entry.run.variant !== 'blend');
    for (const entry of runs) if (entry.run.variant === 'fine-tuned') delete entry.run.trainingSamples;
    const { html } = await buildReport({ runs });
    expect(figureIds(html)).toEqual(['seed-a-fig-2']);
    expect(html).toContain('do not record trainingSamples');
  });

  it('rejects two runs with the same label', async () => {
    const [first] = fixtureRuns();
    const promise = buildReport({ runs: [first!, structuredClone(first!)] });
    await expect(promise).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    await expect(promise).rejects.toThrow('Invalid argument `runs[1].run.label`');
  });

  it('escapes labels from metrics.json in tables and charts', async () => {
    const [first] = fixtureRuns();
    first!.run.label = '<b onclick="x">bold</b> & co';
    const { html } = await buildReport({ runs: [first!] });
    expect(html).not.toContain('<b onclick');
    expect(html).toContain('&lt;b onclick=&quot;x&quot;&gt;bold&lt;/b&gt; &amp; co');
  });
});
