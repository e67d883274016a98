import {
  CONVERSATIONAL_THRESHOLD,
  READABILITY_MODES,
  REPHRASE_THRESHOLD,
  textStatistics,
} from '@tonekit/readability';
import { describe, expect, it } from 'vitest';
import { DEMO_EXAMPLES } from '../src/demo/demo-examples.js';
import { runTonekit } from './run-tonekit.js';

describe('tonekit demo', () => {
  it('prints the per-question table and the summary, saying the texts are built-in examples', async () => {
    const result = await runTonekit(['demo']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Built-in example texts');
    expect(result.stdout).toContain('datagen, train, eval and blend');
    for (const example of DEMO_EXAMPLES) {
      const formal = textStatistics(example.formal).fleschReadingEase.toFixed(2);
      const conversational = textStatistics(example.conversational).fleschReadingEase.toFixed(2);
      const line = result.stdout.split('\n').find((l) => l.includes(example.question));
      expect(line).toBeDefined();
      expect(line).toContain(formal);
      expect(line).toContain(conversational);
    }
    const rephrased75 = DEMO_EXAMPLES.filter(
      (example) => textStatistics(example.conversational).fleschReadingEase >= REPHRASE_THRESHOLD,
    ).length;
    expect(result.stdout).toMatch(
      new RegExp(`Rephrased answers at FRE >= 75 +${rephrased75} of ${DEMO_EXAMPLES.length}`),
    );
  });

  it('--json figures equal a recomputation with the library', async () => {
    const result = await runTonekit(['demo', '--json']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.note).toMatch(/^Built-in example texts/);
    expect(report.thresholds).toEqual({
      conversational: CONVERSATIONAL_THRESHOLD,
      rephrase: REPHRASE_THRESHOLD,
    });
    expect(report.modes).toEqual(READABILITY_MODES);
    expect(report.examples).toHaveLength(DEMO_EXAMPLES.length);

    DEMO_EXAMPLES.forEach((example, index) => {
      const scored = report.examples[index];
      expect(scored.question).toBe(example.question);
      expect(scored.formal.text).toBe(example.formal);
      expect(scored.formal.scores).toEqual(
        READABILITY_MODES.map((mode) => textStatistics(example.formal, { mode })),
      );
      expect(scored.conversational.scores).toEqual(
        READABILITY_MODES.map((mode) => textStatistics(example.conversational, { mode })),
      );
    });

    READABILITY_MODES.forEach((mode, modeIndex) => {
      const formal = DEMO_EXAMPLES.map(
        (example) => textStatistics(example.formal, { mode }).fleschReadingEase,
      );
      const rephrased = DEMO_EXAMPLES.map(
        (example) => textStatistics(example.conversational, { mode }).fleschReadingEase,
      );
      const count = (scores: number[], threshold: number) => scores.filter((s) => s >= threshold).length;
      const summary = report.summary[modeIndex];
      expect(summary.mode).toBe(mode);
      expect(summary.formal.conversational.count).toBe(count(formal, 60));
      expect(summary.conversational.conversational.count).toBe(count(rephrased, 60));
      expect(summary.conversational.reachesRephraseThreshold.count).toBe(count(rephrased, 75));
      expect(summary.conversational.reachesRephraseThreshold.share).toBe(
        count(rephrased, 75) / rephrased.length,
      );
      expect(summary.formal.meanFleschReadingEase).toBeCloseTo(
        formal.reduce((a, b) => a + b, 0) / formal.length,
        9,
      );
    });
  });

  it('the examples show the contrast the demo is about', () => {
    // Guards the hand-written texts: if a library fix moves a score across a threshold, the demo's
    // story (formal < 60 <= rephrased) should be re-checked rather than silently change.
    for (const example of DEMO_EXAMPLES) {
      expect(textStatistics(example.formal).fleschReadingEase).toBeLessThan(CONVERSATIONAL_THRESHOLD);
      expect(textStatistics(example.conversational).fleschReadingEase).toBeGreaterThanOrEqual(
        CONVERSATIONAL_THRESHOLD,
      );
    }
  });
});
