import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { createTransformersTokenEmbedder, type TransformersTokenEmbedder } from '@tonekit/embeddings';
import { writeTinyBertModel } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BertScoreProgressEvent,
  type BertScoreValues,
  bertScore,
  ROBERTA_LARGE_LAYER_17_BASELINE,
  rescaleBertScore,
} from '../../src/bert-score/index.js';

// End to end through a real ONNX encoder: the tiny random BERT that test-kit writes, loaded with
// createTransformersTokenEmbedder. Its scores mean nothing linguistically; the invariants must hold.
let workDir: string;
let tokenEmbedder: TransformersTokenEmbedder;

const candidates = [
  'the king and the queen of the united states',
  'What is the capital of France?',
  'big red car',
  'Paris is the capital city of France, and London is the capital of England.',
  'yes',
  'a green tree and a red flower by the river',
];
const references = [
  'the queen and the king of the united states',
  'Paris is the capital of France.',
  'a small blue car',
  'London is the capital of England and Paris of France.',
  'no',
  'the old school had a big church',
];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-bert-score-'));
  const model = await writeTinyBertModel(path.join(workDir, 'tiny-bert'), { seed: 11 });
  tokenEmbedder = await createTransformersTokenEmbedder({
    localPath: model.dir,
    threads: 1,
    maxBatchSize: 64,
  });
});

afterAll(async () => {
  await tokenEmbedder?.dispose();
  await rm(workDir, { recursive: true, force: true });
});

function expectClose(actual: BertScoreValues, expected: BertScoreValues, tolerance = 1e-6): void {
  expect(Math.abs(actual.precision - expected.precision)).toBeLessThan(tolerance);
  expect(Math.abs(actual.recall - expected.recall)).toBeLessThan(tolerance);
  expect(Math.abs(actual.f1 - expected.f1)).toBeLessThan(tolerance);
}

describe('bertScore through createTransformersTokenEmbedder on a tiny BERT', () => {
  it('gives 1 for identical texts and values within [-1, 1] otherwise', async () => {
    const identical = await bertScore({ candidates, references: candidates, tokenEmbedder });
    for (const values of identical.scores) expectClose(values, { precision: 1, recall: 1, f1: 1 });
    const result = await bertScore({ candidates, references, tokenEmbedder });
    expect(result.model).toBe('tiny-bert');
    expect(result.usage.tokens).toBeGreaterThan(0);
    for (const values of result.scores) {
      for (const value of [values.precision, values.recall, values.f1]) {
        expect(value).toBeGreaterThanOrEqual(-1);
        expect(value).toBeLessThanOrEqual(1);
        expect(value).toBeLessThan(1 - 1e-6);
      }
    }
    const mean = result.scores.reduce((sum, values) => sum + values.f1, 0) / result.scores.length;
    expect(result.mean.f1).toBeCloseTo(mean, 12);
  });

  it('does not depend on the order of the pairs or on how they are batched', async () => {
    const reference = await bertScore({ candidates, references, tokenEmbedder, batchSize: 1 });
    const order = [4, 2, 0, 5, 1, 3];
    const shuffled = await bertScore({
      candidates: order.map((index) => candidates[index]!),
      references: order.map((index) => references[index]!),
      tokenEmbedder,
      batchSize: 64,
    });
    for (const [position, index] of order.entries()) {
      expectClose(shuffled.scores[position]!, reference.scores[index]!);
    }
  });

  it('takes the best precision, recall and F1 over several references, each on its own', async () => {
    const [first, second] = (
      await bertScore({
        candidates: [candidates[1]!, candidates[1]!],
        references: [references[1]!, references[3]!],
        tokenEmbedder,
      })
    ).scores;
    const multi = await bertScore({
      candidates: [candidates[1]!],
      references: [[references[1]!, references[3]!]],
      tokenEmbedder,
    });
    expectClose(multi.scores[0]!, {
      precision: Math.max(first!.precision, second!.precision),
      recall: Math.max(first!.recall, second!.recall),
      f1: Math.max(first!.f1, second!.f1),
    });
  });

  it('scores an empty (or blank) candidate or reference 0', async () => {
    const result = await bertScore({
      candidates: ['', 'big red car', '  '],
      references: ['big red car', '', 'yes'],
      tokenEmbedder,
    });
    for (const values of result.scores) expect(values).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('rescales with the roberta-large layer-17 baseline, or the one given', async () => {
    const raw = await bertScore({ candidates, references, tokenEmbedder });
    const rescaled = await bertScore({ candidates, references, tokenEmbedder, rescaleWithBaseline: true });
    expect(rescaled.rescaled).toBe(true);
    expect(rescaled.baseline).toEqual(ROBERTA_LARGE_LAYER_17_BASELINE);
    for (const [index, values] of rescaled.scores.entries()) {
      expectClose(values, rescaleBertScore(raw.scores[index]!, ROBERTA_LARGE_LAYER_17_BASELINE), 1e-12);
    }
    const baseline = { precision: 0.5, recall: 0.25, f1: 0 };
    const custom = await bertScore({
      candidates,
      references,
      tokenEmbedder,
      rescaleWithBaseline: true,
      baseline,
    });
    custom.scores.forEach((values, index) => {
      expect(values.precision).toBeCloseTo((raw.scores[index]!.precision - 0.5) / 0.5, 12);
      expect(values.recall).toBeCloseTo((raw.scores[index]!.recall - 0.25) / 0.75, 12);
      expect(values.f1).toBeCloseTo(raw.scores[index]!.f1, 12);
    });
    // A baseline without rescaling is not applied.
    const notApplied = await bertScore({ candidates, references, tokenEmbedder, baseline });
    expect(notApplied.rescaled).toBe(false);
    expect(notApplied.baseline).toBeUndefined();
  });

  it('reports progress per step and stops when cancelled', async () => {
    const events: BertScoreProgressEvent[] = [];
    await bertScore({
      candidates,
      references,
      tokenEmbedder,
      batchSize: 4,
      onEvent: (event) => events.push(event),
    });
    expect(events.map((event) => event.done)).toEqual([0, 4, 6]);
    expect(events.every((event) => event.total === 6 && event.type === 'bert-score-progress')).toBe(true);

    const controller = new AbortController();
    const cancelled = bertScore({
      candidates,
      references,
      tokenEmbedder,
      batchSize: 2,
      abortSignal: controller.signal,
      onEvent: (event) => {
        if (event.done === 2) controller.abort();
      },
    });
    await expect(cancelled).rejects.toSatisfy((error: unknown) => CancelledError.isInstance(error));
  });

  it('rejects bad input with InvalidArgumentError', async () => {
    const attempts = [
      bertScore({ candidates: [], references: [], tokenEmbedder }),
      bertScore({ candidates: ['a', 'b'], references: ['a'], tokenEmbedder }),
      bertScore({ candidates: ['a'], references: [[]], tokenEmbedder }),
      bertScore({ candidates: ['a'], references: ['a'], tokenEmbedder, batchSize: 0 }),
      bertScore({
        candidates: ['a'],
        references: ['a'],
        tokenEmbedder,
        rescaleWithBaseline: true,
        baseline: { precision: 1, recall: 0, f1: 0 },
      }),
    ];
    for (const attempt of attempts) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
    }
  });
});
