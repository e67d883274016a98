import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../../src/evaluation-metrics.js';
import { findRunMetrics, parseEvaluationMetrics } from '../../src/report/index.js';

function valid(label = 'run'): EvaluationMetrics {
  return {
    schemaVersion: 1,
    run: { label, model: 'm', variant: 'base' },
    count: 3,
    metrics: {
      conversationalPercent: {
        value: 50,
        ci: { lower: 40, upper: 60, level: 0.95, resamples: 100, seed: 1 },
      },
    },
    settings: {},
  };
}

describe('parseEvaluationMetrics', () => {
  it('accepts a file that follows the contract', () => {
    const value = valid();
    expect(parseEvaluationMetrics(value, 'a/metrics.json')).toBe(value);
  });

  it.each([
    [{ ...valid(), schemaVersion: 2 }, 'a/metrics.json: unsupported `schemaVersion` 2'],
    [{ ...valid(), schemaVersion: undefined }, 'a/metrics.json: missing `schemaVersion`'],
    [
      { ...valid(), run: { model: 'm', variant: 'base' } },
      '`run.label` must be a non-empty string (found nothing)',
    ],
    [{ ...valid(), run: { label: 'x', model: 'm', variant: 'finetuned' } }, '`run.variant` must be one of'],
    [{ ...valid(), count: -1 }, '`count` must be a non-negative integer (found -1)'],
    [
      { ...valid(), metrics: { conversationalPct: { value: 1 } } },
      '`metrics.conversationalPct` is not a known metric',
    ],
    [
      { ...valid(), metrics: { bleu: { value: '12' } } },
      '`metrics.bleu.value` must be a finite number (found "12")',
    ],
    [
      { ...valid(), metrics: { bleu: { value: 1, ci: { lower: 0 } } } },
      '`metrics.bleu.ci.upper` must be a finite number',
    ],
    [{ ...valid(), settings: undefined }, '`settings` must be an object (found nothing)'],
    [
      { ...valid(), run: { label: 'x', model: 'm', variant: 'blend', blend: { name: 'b' } } },
      '`run.blend.alpha` must be a finite number',
    ],
    [{ ...valid(), fleschHistogram: { edges: [0, 1], counts: [1, 2] } }, 'one more edge than counts'],
    [[], '`the top level` must be an object'],
  ])('rejects a broken file with a message naming it and the field (%#)', (value, message) => {
    let caught: unknown;
    try {
      parseEvaluationMetrics(value, 'a/metrics.json');
    } catch (error) {
      caught = error;
    }
    expect(DatasetFormatError.isInstance(caught)).toBe(true);
    expect((caught as DatasetFormatError).file).toBe('a/metrics.json');
    expect((caught as Error).message).toContain(message);
    expect((caught as Error).message).toMatch(/^a\/metrics\.json: /);
  });
});

describe('findRunMetrics', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonekit-report-find-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function put(relative: string, content: unknown): Promise<string> {
    const file = join(dir, relative);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('walks folders, takes explicit files, skips node_modules and dot-folders, sorts by path', async () => {
    await put('runs/b/metrics.json', valid('b'));
    await put('runs/a/deep/metrics.json', valid('a'));
    await put('runs/a/other.json', valid('ignored: not named metrics.json'));
    await put('runs/node_modules/x/metrics.json', '{broken');
    await put('runs/.cache/metrics.json', '{broken');
    const explicit = await put('elsewhere/scores.json', valid('explicit'));
    const found = await findRunMetrics([join(dir, 'runs'), explicit, join(dir, 'runs/b')]);
    expect(found.map((entry) => entry.metrics.run.label)).toEqual(['explicit', 'a', 'b']);
    expect(found[1]!.path).toBe(join(dir, 'runs/a/deep/metrics.json'));
  });

  it('names the file that is not JSON', async () => {
    const file = await put('runs/x/metrics.json', '{"schemaVersion": 1,');
    const promise = findRunMetrics([dir]);
    await expect(promise).rejects.toThrow(`${file}: not valid JSON`);
    await expect(promise).rejects.toSatisfy((error) => DatasetFormatError.isInstance(error));
  });

  it('names the file that breaks the contract', async () => {
    const file = await put('runs/x/metrics.json', { ...valid(), schemaVersion: 3 });
    await expect(findRunMetrics([dir])).rejects.toThrow(`${file}: unsupported \`schemaVersion\` 3`);
  });

  it('rejects a path that does not exist, naming the argument', async () => {
    const promise = findRunMetrics([dir, join(dir, 'absent')]);
    await expect(promise).rejects.toThrow('Invalid argument `paths[1]`');
    await expect(promise).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
  });

  it('stops when the signal has fired', async () => {
    await put('runs/x/metrics.json', valid());
    const promise = findRunMetrics([dir], { signal: AbortSignal.abort() });
    await expect(promise).rejects.toSatisfy((error) => CancelledError.isInstance(error));
  });
});
