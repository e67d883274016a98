export type {
  Aggregate,
  ConfidenceInterval,
  EvaluationMetrics,
  FleschHistogram,
  MetricName,
  RunDescription,
} from './evaluation-metrics.js';
