import { type Embedder, InvalidArgumentError, type TokenEmbedder } from '@tonekit/core';
import type { ReadabilityMode } from '@tonekit/readability';
import { bertScore } from '../bert-score/index.js';
import type { Aggregate, EvaluationMetrics, MetricName, RunDescription } from '../evaluation-metrics.js';
import {
  averageResponseLength,
  type BootstrapOptions,
  bootstrapCorpusBleu,
  bootstrapCorpusWer,
  bootstrapMean,
  conversationalShare,
  corpusBleu,
  embeddingSimilarity,
  mattr,
  wordErrorRate,
} from '../metrics/index.js';
import { bootstrapDistinctN } from './bootstrap-distinct-n.js';

/** Families of metrics a run can compute; each needs what its name says and nothing else. */
export type MetricGroup =
  | 'conversational'
  | 'similarity'
  | 'bleu'
  | 'wer'
  | 'length'
  | 'diversity'
  | 'bertscore';

export const metricGroups: readonly MetricGroup[] = [
  'conversational',
  'similarity',
  'bleu',
  'wer',
  'length',
  'diversity',
  'bertscore',
];

/** One scored pair: a model's response and the reference answer to the same question. */
export interface ResponsePair {
  id: string;
  question?: string;
  response: string;
  reference: string;
}

export interface ScoreResponsesOptions {
  pairs: readonly ResponsePair[];
  run: RunDescription;
  /**
   * Defaults to every group whose model is given: conversational, bleu, wer, length and diversity
   * always; similarity with an `embedder`; bertscore with a `tokenEmbedder`.
   */
  metrics?: readonly MetricGroup[];
  /** Response/reference similarity (seed A: gte-modernbert-base, CLS pooling). */
  embedder?: Embedder;
  /** BERTScore's contextual token embeddings (roberta-large layer 17 in seed B). */
  tokenEmbedder?: TokenEmbedder;
  bertScoreRescale?: boolean;
  /** Flesch reading ease that counts as conversational. Default 60 (seed A). */
  conversationalThreshold?: number;
  readabilityMode?: ReadabilityMode;
  bootstrap?: BootstrapOptions;
  abortSignal?: AbortSignal;
}

/** Per-pair values, in the order of `pairs`, for `responses.parquet`. */
export interface PerPairScores {
  flesch?: number[];
  similarity?: number[];
  bertScoreF1?: number[];
  wordCount?: number[];
}

export interface ScoredResponses {
  metrics: EvaluationMetrics;
  perPair: PerPairScores;
}

/**
 * Scores responses against references with every requested metric and a seeded bootstrap interval for
 * each aggregate (pairs resampled with replacement; corpus BLEU and WER recomputed from per-pair
 * sufficient statistics, distinct-n from per-response n-grams), into `metrics.json`'s shape.
 */
export async function scoreResponses(options: ScoreResponsesOptions): Promise<ScoredResponses> {
  const { pairs, run, embedder, tokenEmbedder, bootstrap = {}, abortSignal } = options;
  if (pairs.length === 0) {
    throw new InvalidArgumentError({
      argument: 'pairs',
      message: 'there is nothing to score: no response pairs.',
    });
  }
  const groups = new Set(
    options.metrics ??
      metricGroups.filter((group) =>
        group === 'similarity' ? embedder : group === 'bertscore' ? tokenEmbedder : true,
      ),
  );
  if (groups.has('similarity') && embedder === undefined) {
    throw new InvalidArgumentError({
      argument: 'embedder',
      message: 'the similarity metric needs an embedder.',
    });
  }
  if (groups.has('bertscore') && tokenEmbedder === undefined) {
    throw new InvalidArgumentError({
      argument: 'tokenEmbedder',
      message: 'BERTScore needs a token embedder.',
    });
  }
  const responses = pairs.map((pair) => pair.response);
  const references = pairs.map((pair) => pair.reference);
  const metrics: Partial<Record<MetricName, Aggregate>> = {};
  const settings: EvaluationMetrics['settings'] = {};
  const perPair: PerPairScores = {};
  let fleschHistogram: EvaluationMetrics['fleschHistogram'];

  if (groups.has('conversational')) {
    const share = conversationalShare(responses, {
      ...(options.conversationalThreshold === undefined
        ? {}
        : { threshold: options.conversationalThreshold }),
      ...(options.readabilityMode === undefined ? {} : { readabilityMode: options.readabilityMode }),
    });
    metrics.conversationalPercent = bootstrapMean(
      share.conversational.map((isConversational) => (isConversational ? 100 : 0)),
      bootstrap,
    );
    metrics.fleschMean = bootstrapMean(share.scores, bootstrap);
    settings.conversationalThreshold = share.threshold;
    settings.readabilityMode = share.readabilityMode;
    fleschHistogram = share.histogram;
    perPair.flesch = share.scores;
  }
  if (groups.has('similarity') && embedder !== undefined) {
    const similarity = await embeddingSimilarity({
      embedder,
      responses,
      references,
      ...(abortSignal === undefined ? {} : { abortSignal }),
    });
    metrics.similarity = bootstrapMean(similarity.cosines, bootstrap);
    settings.embedderModel = similarity.modelId;
    perPair.similarity = similarity.cosines;
  }
  if (groups.has('bleu')) {
    const bleu = corpusBleu(responses, [references]);
    metrics.bleu = bootstrapCorpusBleu(bleu.statistics, bootstrap);
    settings.bleuSignature = bleu.signature;
  }
  if (groups.has('wer')) {
    const wer = wordErrorRate(references, responses);
    metrics.wer = bootstrapCorpusWer(wer.statistics, bootstrap);
  }
  if (groups.has('length')) {
    const length = averageResponseLength(responses);
    metrics.averageResponseLength = bootstrapMean(length.wordCounts, bootstrap);
    perPair.wordCount = length.wordCounts;
  }
  if (groups.has('diversity')) {
    metrics.distinct1 = bootstrapDistinctN(responses, 1, bootstrap);
    metrics.distinct2 = bootstrapDistinctN(responses, 2, bootstrap);
    metrics.mattr = bootstrapMean(mattr(responses).values, bootstrap);
  }
  if (groups.has('bertscore') && tokenEmbedder !== undefined) {
    const scores = await bertScore({
      candidates: responses,
      references,
      tokenEmbedder,
      ...(options.bertScoreRescale === undefined ? {} : { rescaleWithBaseline: options.bertScoreRescale }),
      ...(abortSignal === undefined ? {} : { abortSignal }),
    });
    metrics.bertScorePrecision = bootstrapMean(
      scores.scores.map((score) => score.precision),
      bootstrap,
    );
    metrics.bertScoreRecall = bootstrapMean(
      scores.scores.map((score) => score.recall),
      bootstrap,
    );
    metrics.bertScoreF1 = bootstrapMean(
      scores.scores.map((score) => score.f1),
      bootstrap,
    );
    settings.bertScoreModel = scores.model;
    settings.bertScoreRescaled = scores.rescaled;
    perPair.bertScoreF1 = scores.scores.map((score) => score.f1);
  }
  return {
    metrics: {
      schemaVersion: 1,
      run,
      count: pairs.length,
      metrics,
      settings,
      ...(fleschHistogram === undefined ? {} : { fleschHistogram }),
    },
    perPair,
  };
}
