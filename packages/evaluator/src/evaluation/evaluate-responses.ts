import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { type ReadResponsePairsOptions, readResponsePairs } from './read-response-pairs.js';
import { type ScoreResponsesOptions, scoreResponses } from './score-responses.js';
import { type EvaluationOutputs, writeEvaluationOutputs } from './write-evaluation-outputs.js';

export interface EvaluateResponsesOptions
  extends Omit<ScoreResponsesOptions, 'pairs'>,
    Omit<ReadResponsePairsOptions, 'abortSignal'> {
  /** A JSONL or Parquet file of responses with their references. */
  responses: string;
  outputDir: string;
}

/**
 * Scores existing responses (no model is called) and writes the same outputs as `evaluate`:
 * `responses.parquet`, `metrics.json`, `run.json`. This is how responses made elsewhere, or a blend's
 * mixes, join a report.
 */
export async function evaluateResponses(
  options: EvaluateResponsesOptions,
): Promise<EvaluationOutputs & { metrics: EvaluationMetrics }> {
  const startedAt = new Date().toISOString();
  const pairs = await readResponsePairs(options.responses, options);
  const scored = await scoreResponses({ ...options, pairs });
  const written = await writeEvaluationOutputs({
    outputDir: options.outputDir,
    pairs,
    scored,
    manifest: {
      command: 'evaluate-responses',
      startedAt,
      config: {
        responses: options.responses,
        run: options.run,
        metrics: options.metrics ?? 'default',
        bootstrap: options.bootstrap ?? {},
      },
      seeds: { bootstrap: options.bootstrap?.seed ?? 0 },
      counts: { scored: pairs.length },
      // No chat model ran; the embedder's usage is not reported by the metric functions.
      usage: [],
    },
  });
  return { ...written, metrics: scored.metrics };
}
