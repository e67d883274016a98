import type { MetricName } from '../evaluation-metrics.js';

/** Every metric `metrics.json` may carry, in the order the report lists them. */
export const metricNames = [
  'conversationalPercent',
  'fleschMean',
  'similarity',
  'bleu',
  'wer',
  'averageResponseLength',
  'distinct1',
  'distinct2',
  'mattr',
  'bertScorePrecision',
  'bertScoreRecall',
  'bertScoreF1',
  'judgeTurn1',
  'judgeTurn2',
  'judgeAverage',
] as const satisfies readonly MetricName[];

// Fails to compile when a metric is added to the contract but not here, so the validator of
// metrics.json can never silently reject a name the writer is allowed to use.
type MissingMetricName = Exclude<MetricName, (typeof metricNames)[number]>;
const everyMetricListed: [MissingMetricName] extends [never] ? true : MissingMetricName = true;
void everyMetricListed;
