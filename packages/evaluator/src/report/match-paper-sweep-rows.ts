import type { RunDescription } from '../evaluation-metrics.js';
import { normalizeModel, normalizePrecision } from './describe-configuration.js';
import type { SeedASweepRow } from './paper-references.js';

/**
 * The rows of seed A Table 6 that describe the same experiment as a run. A fine-tuned run must agree
 * on model, training samples and every hyper-parameter (the paper's "unknown" matches an unset one).
 * A base run sits at 0 samples and is constrained only by the hyper-parameters it sets (a base int8
 * run matches the int8 rows); an unconstrained base run can match several rows, one per configuration,
 * and the report then prints their range.
 */
export function matchPaperSweepRows(run: RunDescription, rows: readonly SeedASweepRow[]): SeedASweepRow[] {
  const samples = run.variant === 'base' ? 0 : run.trainingSamples;
  if (samples === undefined || run.variant === 'blend') return [];
  const model = normalizeModel(run.model);
  const configuration = run.configuration ?? {};
  const base = run.variant === 'base';
  return rows.filter(
    (row) =>
      normalizeModel(row.model) === model &&
      row.trainingSamples === samples &&
      matches(
        configuration.precision,
        row.precision,
        base,
        (a, b) => normalizePrecision(a) === normalizePrecision(b),
      ) &&
      matches(configuration.loraRank, row.loraRank, base, (a, b) => a === b) &&
      matches(configuration.learningRate, row.learningRate, base, sameNumber),
  );
}

function matches<T>(
  ours: T | undefined,
  paper: T | undefined,
  onlyWhenSet: boolean,
  equal: (a: T, b: T) => boolean,
): boolean {
  if (ours === undefined) return onlyWhenSet || paper === undefined;
  return paper !== undefined && equal(ours, paper);
}

function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The paper's line for one configuration of Fig. 3/4: every sample count of the rows with the same
 * model and hyper-parameters (its 0-samples row is the paper's base for that configuration).
 */
export function matchPaperSweepLine(
  model: string,
  configuration: RunDescription['configuration'],
  rows: readonly SeedASweepRow[],
): SeedASweepRow[] {
  const wanted = normalizeModel(model);
  const { precision, loraRank, learningRate } = configuration ?? {};
  return rows
    .filter(
      (row) =>
        normalizeModel(row.model) === wanted &&
        matches(precision, row.precision, false, (a, b) => normalizePrecision(a) === normalizePrecision(b)) &&
        matches(loraRank, row.loraRank, false, (a, b) => a === b) &&
        matches(learningRate, row.learningRate, false, sameNumber),
    )
    .sort((a, b) => a.trainingSamples - b.trainingSamples);
}
