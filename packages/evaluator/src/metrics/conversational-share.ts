import { InvalidArgumentError } from '@tonekit/core';
import {
  CONVERSATIONAL_THRESHOLD,
  DEFAULT_READABILITY_MODE,
  fleschReadingEase,
  READABILITY_MODES,
  type ReadabilityMode,
} from '@tonekit/readability';
import type { FleschHistogram } from '../evaluation-metrics.js';
import { type FleschHistogramOptions, fleschHistogram } from './flesch-histogram.js';
import { requireTexts } from './require-texts.js';

export interface ConversationalShareOptions {
  /** A response is conversational when its Flesch reading ease is >= this. Default 60 (seed A). */
  threshold?: number;
  /** Which textstat release to reproduce. Default `textstat-0.7.11`; `textstat-0.7.5` is closest to the paper. */
  readabilityMode?: ReadabilityMode;
  histogram?: FleschHistogramOptions;
}

export interface ConversationalShareResult {
  /** % of responses with Flesch reading ease >= threshold (0–100). */
  percent: number;
  conversationalCount: number;
  count: number;
  /** Mean Flesch reading ease. */
  fleschMean: number;
  /** Flesch reading ease of each response, in order (for bootstrap intervals). */
  scores: number[];
  /** Whether each response is conversational, in order. */
  conversational: boolean[];
  histogram: FleschHistogram;
  threshold: number;
  readabilityMode: ReadabilityMode;
}

/**
 * Seed A's headline metric: the share of responses whose Flesch reading ease (textstat-exact, from
 * @tonekit/readability) reaches the threshold, with the mean score and the score histogram.
 */
export function conversationalShare(
  responses: readonly string[],
  {
    threshold = CONVERSATIONAL_THRESHOLD,
    readabilityMode = DEFAULT_READABILITY_MODE,
    histogram,
  }: ConversationalShareOptions = {},
): ConversationalShareResult {
  requireTexts(responses, 'responses');
  if (!Number.isFinite(threshold)) {
    throw new InvalidArgumentError({
      argument: 'options.threshold',
      value: threshold,
      message: 'expected a finite number.',
    });
  }
  if (!READABILITY_MODES.includes(readabilityMode)) {
    throw new InvalidArgumentError({
      argument: 'options.readabilityMode',
      value: readabilityMode,
      message: `expected one of ${READABILITY_MODES.join(', ')}.`,
    });
  }
  const scores = responses.map((response) => fleschReadingEase(response, { mode: readabilityMode }));
  const conversational = scores.map((score) => score >= threshold);
  let conversationalCount = 0;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (conversational[i]) conversationalCount++;
    sum += scores[i]!;
  }
  return {
    percent: (100 * conversationalCount) / scores.length,
    conversationalCount,
    count: scores.length,
    fleschMean: sum / scores.length,
    scores,
    conversational,
    histogram: fleschHistogram(scores, histogram),
    threshold,
    readabilityMode,
  };
}
