import {
  CancelledError,
  InvalidArgumentError,
  type OnEvent,
  type TokenEmbedder,
  type TokenEmbedding,
  TonekitError,
} from '@tonekit/core';
import {
  type BertScoreBaseline,
  type BertScoreValues,
  ROBERTA_LARGE_LAYER_17_BASELINE,
} from './bert-score-baseline.js';
import type { BertScoreProgressEvent } from './bert-score-events.js';
import { rescaleBertScore } from './rescale-bert-score.js';
import { scoreTokenEmbeddings } from './score-token-embeddings.js';

export interface BertScoreOptions {
  candidates: readonly string[];
  /**
   * One reference per candidate, or several: then each of precision, recall and F1 is the largest over
   * the references, separately, as bert_score's `score()` does (so the three may come from different
   * references).
   */
  references: ReadonlyArray<string | readonly string[]>;
  /**
   * The encoder. For scores comparable with the literature: roberta-large at layer 17, bert_score's
   * default for English (see the README for how to get it as ONNX).
   */
  tokenEmbedder: TokenEmbedder;
  /** Apply baseline rescaling, (x − b) / (1 − b). Defaults to false, as in bert_score. */
  rescaleWithBaseline?: boolean;
  /**
   * The baseline for rescaling. Defaults to roberta-large layer 17's; pass the row of bert_score's
   * `rescale_baseline` table for any other model or layer.
   */
  baseline?: BertScoreBaseline;
  /**
   * Candidates scored per step: their texts and references are embedded together (each distinct text
   * once) and dropped after scoring, which bounds memory. Defaults to 64, bert_score's batch size.
   */
  batchSize?: number;
  onEvent?: OnEvent<BertScoreProgressEvent>;
  abortSignal?: AbortSignal;
}

export interface BertScoreResult {
  /** One per candidate, in input order; rescaled when `rescaled` is true. */
  scores: BertScoreValues[];
  /** Arithmetic means of `scores` (what bert_score users report as `P.mean()`, `R.mean()`, `F1.mean()`). */
  mean: BertScoreValues;
  rescaled: boolean;
  /** The baseline applied, when rescaled. */
  baseline: BertScoreBaseline | undefined;
  /** The token embedder's `modelId`, for `metrics.json` (`settings.bertScoreModel`). */
  model: string;
  /** Tokens embedded, as the embedder reported them. */
  usage: { tokens: number };
}

/**
 * BERTScore (Zhang et al., 2020) of candidates against references, with bert_score's exact definition:
 * idf off, greedy cosine matching of contextual token embeddings, special tokens at weight 0, empty texts
 * scoring 0, optional baseline rescaling. See `scoreTokenEmbeddings` for the formulas.
 *
 * ```ts
 * const { mean } = await bertScore({ candidates, references, tokenEmbedder, rescaleWithBaseline: true });
 * ```
 */
export async function bertScore(options: BertScoreOptions): Promise<BertScoreResult> {
  const { candidates, tokenEmbedder, rescaleWithBaseline = false, onEvent, abortSignal } = options;
  const batchSize = options.batchSize ?? 64;
  const baseline = rescaleWithBaseline ? (options.baseline ?? ROBERTA_LARGE_LAYER_17_BASELINE) : undefined;
  const referenceGroups = validateOptions(options, batchSize);
  const throwIfAborted = () => {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  };
  throwIfAborted();

  const total = candidates.length;
  const scores: BertScoreValues[] = [];
  let tokens = 0;
  onEvent?.({ type: 'bert-score-progress', done: 0, total, timestamp: Date.now() });
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    const texts = new Set<string>();
    for (let index = start; index < end; index++) {
      texts.add(candidates[index]!);
      for (const reference of referenceGroups[index]!) texts.add(reference);
    }
    const embedded = await embedAll([...texts], tokenEmbedder, abortSignal);
    tokens += embedded.tokens;
    for (let index = start; index < end; index++) {
      const candidate = embedded.byText.get(candidates[index]!)!;
      let best: BertScoreValues | undefined;
      for (const reference of referenceGroups[index]!) {
        const values = scoreTokenEmbeddings(candidate, embedded.byText.get(reference)!);
        best =
          best === undefined
            ? values
            : {
                precision: Math.max(best.precision, values.precision),
                recall: Math.max(best.recall, values.recall),
                f1: Math.max(best.f1, values.f1),
              };
      }
      scores.push(baseline === undefined ? best! : rescaleBertScore(best!, baseline));
    }
    throwIfAborted();
    onEvent?.({ type: 'bert-score-progress', done: end, total, timestamp: Date.now() });
  }

  const mean = (key: keyof BertScoreValues) => scores.reduce((sum, values) => sum + values[key], 0) / total;
  return {
    scores,
    mean: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    rescaled: baseline !== undefined,
    baseline: baseline === undefined ? undefined : { ...baseline },
    model: tokenEmbedder.modelId,
    usage: { tokens },
  };
}

async function embedAll(
  texts: string[],
  tokenEmbedder: TokenEmbedder,
  abortSignal: AbortSignal | undefined,
): Promise<{ byText: Map<string, TokenEmbedding>; tokens: number }> {
  const byText = new Map<string, TokenEmbedding>();
  let tokens = 0;
  for (let start = 0; start < texts.length; start += tokenEmbedder.maxBatchSize) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    const values = texts.slice(start, start + tokenEmbedder.maxBatchSize);
    const result = await tokenEmbedder.doEmbedTokens({ values, ...(abortSignal ? { abortSignal } : {}) });
    if (result.embeddings.length !== values.length) {
      throw new TonekitError({
        message: `Token embedder ${tokenEmbedder.modelId} returned ${result.embeddings.length} embeddings for ${values.length} texts.`,
      });
    }
    values.forEach((text, index) => {
      const embedding = result.embeddings[index]!;
      const count = embedding.tokenIds.length;
      if (
        embedding.vectors.length !== count * tokenEmbedder.dimensions ||
        embedding.special.length !== count
      ) {
        throw new TonekitError({
          message:
            `Token embedder ${tokenEmbedder.modelId} returned ${embedding.vectors.length} values and ` +
            `${embedding.special.length} special flags for ${count} tokens of ${tokenEmbedder.dimensions} dimensions.`,
        });
      }
      byText.set(text, embedding);
    });
    tokens +=
      result.usage?.tokens ??
      result.embeddings.reduce((sum, embedding) => sum + embedding.tokenIds.length, 0);
  }
  return { byText, tokens };
}

function validateOptions(options: BertScoreOptions, batchSize: number): ReadonlyArray<readonly string[]> {
  const { candidates, references, tokenEmbedder, baseline } = options;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new InvalidArgumentError({
      argument: 'candidates',
      value: candidates,
      message: 'expected a non-empty array of strings.',
    });
  }
  const badCandidate = candidates.findIndex((candidate) => typeof candidate !== 'string');
  if (badCandidate !== -1) {
    throw new InvalidArgumentError({
      argument: `candidates[${badCandidate}]`,
      value: candidates[badCandidate],
      message: 'expected a string.',
    });
  }
  if (!Array.isArray(references) || references.length !== candidates.length) {
    throw new InvalidArgumentError({
      argument: 'references',
      value: Array.isArray(references) ? references.length : references,
      message: `expected one reference (or one array of references) per candidate: ${candidates.length}.`,
    });
  }
  const groups = references.map((reference, index) => {
    const group = typeof reference === 'string' ? [reference] : reference;
    if (!Array.isArray(group) || group.length === 0 || group.some((text) => typeof text !== 'string')) {
      throw new InvalidArgumentError({
        argument: `references[${index}]`,
        value: reference,
        message: 'expected a string or a non-empty array of strings.',
      });
    }
    return group as readonly string[];
  });
  if (
    typeof tokenEmbedder !== 'object' ||
    tokenEmbedder === null ||
    typeof tokenEmbedder.doEmbedTokens !== 'function' ||
    !(Number.isInteger(tokenEmbedder.maxBatchSize) && tokenEmbedder.maxBatchSize >= 1)
  ) {
    throw new InvalidArgumentError({
      argument: 'tokenEmbedder',
      value: tokenEmbedder,
      message: 'expected a TokenEmbedder (doEmbedTokens, a positive maxBatchSize).',
    });
  }
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      value: batchSize,
      message: `expected a positive integer, got ${batchSize}.`,
    });
  }
  if (baseline !== undefined) {
    for (const key of ['precision', 'recall', 'f1'] as const) {
      const value = baseline[key];
      if (!(typeof value === 'number' && Number.isFinite(value) && value < 1)) {
        throw new InvalidArgumentError({
          argument: `baseline.${key}`,
          value,
          message: 'expected a finite number below 1.',
        });
      }
    }
  }
  return groups;
}
