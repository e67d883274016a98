import type { EvaluationMetrics, MetricName, RunDescription } from '../evaluation-metrics.js';
import type { MtBenchJudgment } from '../judge/index.js';
import { summarizeMtBench } from '../judge/index.js';
import { type BootstrapOptions, bootstrapMean } from '../metrics/index.js';

/**
 * MT-Bench judgments as `metrics.json`: `judgeTurn1`, `judgeTurn2` and `judgeAverage` (FastChat's
 * means: parse failures, scored -1, left out and counted in `settings.judgeParseFailures`), each with a
 * seeded bootstrap interval over its scored judgments. Write it with `writeEvaluationOutputs` or as is:
 * the report draws seed B's MT-Bench table from it.
 */
export function mtBenchMetrics(
  judgments: readonly MtBenchJudgment[],
  run: RunDescription,
  { judgeModel, bootstrap = {} }: { judgeModel: string; bootstrap?: BootstrapOptions },
): EvaluationMetrics {
  const summary = summarizeMtBench(judgments);
  const scored = judgments.filter((judgment) => judgment.score >= 0);
  const metrics: Partial<Record<MetricName, ReturnType<typeof bootstrapMean>>> = {};
  const groups: [MetricName, readonly MtBenchJudgment[]][] = [
    ['judgeTurn1', scored.filter((judgment) => judgment.turn === 1)],
    ['judgeTurn2', scored.filter((judgment) => judgment.turn === 2)],
    ['judgeAverage', scored],
  ];
  for (const [name, group] of groups) {
    if (group.length > 0)
      metrics[name] = bootstrapMean(
        group.map((judgment) => judgment.score),
        bootstrap,
      );
  }
  return {
    schemaVersion: 1,
    run,
    count: judgments.length,
    metrics,
    settings: { judgeModel, judgeParseFailures: summary.parseFailures },
  };
}
