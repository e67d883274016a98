import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import type { EvaluationMetrics, RunDescription } from '../evaluation-metrics.js';
import { type EvaluateResponsesOptions, evaluateResponses } from './evaluate-responses.js';

export interface EvaluateBlendSweepOptions
  extends Omit<EvaluateResponsesOptions, 'responses' | 'outputDir' | 'run'> {
  /** A folder of `alpha-<α>.jsonl` (or `.parquet`) files, one per mix, as `tonekit blend --alphas` writes. */
  sweepDir: string;
  /** Each mix's metrics go to `<outputDir>/alpha-<α>/`. */
  outputDir: string;
  /** Names the blend in the report (seed B: e.g. "1B ED×WoW"). */
  blendName: string;
  /** The test set the responses answer (seed B: "ED" or "WoW"). */
  testSet?: string;
  /** The model family, e.g. "Llama 3.2 1B". Defaults to `blendName`. */
  model?: string;
}

/** The α of a mix file: `alpha-0.25.jsonl` → 0.25. */
export function alphaOfFile(file: string): number | undefined {
  const match = /^alpha-(-?\d+(?:\.\d+)?)\.(jsonl|parquet)$/i.exec(path.basename(file));
  return match ? Number(match[1]) : undefined;
}

/**
 * Scores every mix of a blend α-sweep into seed B's table shape: one `metrics.json` per α with
 * `run.blend = {name, alpha, testSet}`, which the report turns into metrics-vs-α tables and charts.
 */
export async function evaluateBlendSweep(options: EvaluateBlendSweepOptions): Promise<EvaluationMetrics[]> {
  const files = (await readdir(options.sweepDir))
    .filter((file) => alphaOfFile(file) !== undefined)
    .sort((a, b) => (alphaOfFile(a) ?? 0) - (alphaOfFile(b) ?? 0));
  if (files.length === 0) {
    throw new InvalidArgumentError({
      argument: 'sweepDir',
      message: `${options.sweepDir} has no alpha-<α>.jsonl or alpha-<α>.parquet files.`,
    });
  }
  const results: EvaluationMetrics[] = [];
  for (const file of files) {
    const alpha = alphaOfFile(file) ?? 0;
    const run: RunDescription = {
      label: `${options.blendName}${options.testSet ? ` · ${options.testSet}` : ''} · α ${alpha}`,
      model: options.model ?? options.blendName,
      variant: 'blend',
      blend: {
        name: options.blendName,
        alpha,
        ...(options.testSet === undefined ? {} : { testSet: options.testSet }),
      },
    };
    const { metrics } = await evaluateResponses({
      ...options,
      responses: path.join(options.sweepDir, file),
      outputDir: path.join(options.outputDir, `alpha-${alpha}`),
      run,
    });
    results.push(metrics);
  }
  return results;
}
