/**
 * The contract of `metrics.json`: what an evaluation run writes and what the report reads. Everything
 * the report draws comes from these files, so a run scored elsewhere can join a report by writing one.
 */

/** A percentile bootstrap interval over the evaluated pairs (resampled with replacement, seeded). */
export interface ConfidenceInterval {
  lower: number;
  upper: number;
  /** Coverage, e.g. 0.95. */
  level: number;
  resamples: number;
  seed: number;
}

/** One aggregate figure of a run. */
export interface Aggregate {
  value: number;
  ci?: ConfidenceInterval;
}

/**
 * The aggregates a run may report, each on the scale its reference prints:
 * - `conversationalPercent`: % of responses with Flesch reading ease >= the threshold (0–100);
 * - `fleschMean`: mean Flesch reading ease;
 * - `similarity`: mean cosine of response and reference embeddings;
 * - `bleu`: sacreBLEU corpus score (0–100); `wer`: jiwer corpus WER (a fraction, may exceed 1);
 * - `averageResponseLength`: mean whitespace-separated words per response;
 * - `distinct1`/`distinct2`/`mattr`: lexical diversity (definitions in the README);
 * - `bertScorePrecision`/`Recall`/`F1`: mean BERTScore (rescaled when the run says so);
 * - `judgeTurn1`/`judgeTurn2`/`judgeAverage`: MT-Bench single-answer grades (1–10, failures excluded).
 */
export type MetricName =
  | 'conversationalPercent'
  | 'fleschMean'
  | 'similarity'
  | 'bleu'
  | 'wer'
  | 'averageResponseLength'
  | 'distinct1'
  | 'distinct2'
  | 'mattr'
  | 'bertScorePrecision'
  | 'bertScoreRecall'
  | 'bertScoreF1'
  | 'judgeTurn1'
  | 'judgeTurn2'
  | 'judgeAverage';

/** What was evaluated, in the terms the papers' figures group by. */
export interface RunDescription {
  /** Legend and row label, e.g. "Llama 3.2 1B · r32 · 2e-4 · int8 · 1,000 samples". */
  label: string;
  /** The model family the figures group by, e.g. "Llama 3.2 1B" or "gpt-4o-mini". */
  model: string;
  /** `base`: prompted only; `fine-tuned`: LoRA or API fine-tune; `blend`: a logit blend. */
  variant: 'base' | 'fine-tuned' | 'blend';
  /** Training samples of a fine-tune (0 for a base model): the x axis of seed A Fig. 3/4. */
  trainingSamples?: number;
  /** Hyper-parameters of a fine-tune: one line per distinct configuration in Fig. 3/4. */
  configuration?: {
    precision?: string;
    loraRank?: number;
    learningRate?: number;
  };
  /** A blend mix (seed B): `alpha` is the weight of the first model; `testSet` e.g. "ED" or "WoW". */
  blend?: {
    name: string;
    alpha: number;
    testSet?: string;
  };
  /** The system prompt preset or a short description of a custom one. */
  systemPrompt?: string;
}

/** The Flesch distribution of the responses, for histograms. */
export interface FleschHistogram {
  /** Bin edges, ascending; bin i holds edges[i] <= x < edges[i + 1] (the last bin is closed). */
  edges: number[];
  counts: number[];
}

/** The whole `metrics.json` file. */
export interface EvaluationMetrics {
  schemaVersion: 1;
  run: RunDescription;
  /** Pairs scored. */
  count: number;
  metrics: Partial<Record<MetricName, Aggregate>>;
  /** Settings that change what a figure means (threshold, BLEU signature, judge model, rescale). */
  settings: {
    conversationalThreshold?: number;
    readabilityMode?: string;
    bleuSignature?: string;
    embedderModel?: string;
    bertScoreModel?: string;
    bertScoreRescaled?: boolean;
    judgeModel?: string;
    judgeParseFailures?: number;
  };
  fleschHistogram?: FleschHistogram;
}
