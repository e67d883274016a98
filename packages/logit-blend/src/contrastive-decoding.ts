import type { LogitSource } from '@tonekit/core';
import { type BlendRecipe, checkFiniteNumber } from './blend-recipe.js';

export interface ContrastiveDecodingOptions {
  /** The large model. */
  expert: LogitSource;
  /** A smaller model of the same family, whose typical mistakes the blend steers away from. */
  amateur: LogitSource;
  /**
   * The plausibility threshold (the paper's α): only tokens with p_expert ≥ plausibility·max p_expert
   * are candidates. Default 0.1, the paper's value.
   */
  plausibility?: number;
  /**
   * β of O'Brien and Lewis's form (1 + β)·log p_expert − β·log p_amateur, which keeps some of the
   * expert's own distribution. Default: the original form, log p_expert − log p_amateur.
   */
  strength?: number;
}

/**
 * Contrastive decoding: score = log p_expert − log p_amateur over the tokens the expert finds
 * plausible, weights (1, −1) unnormalized with a plausibility mask on the expert. Usually run greedily
 * (`temperature: 0`).
 *
 * Li, Holtzman, Fried, Liang, Eisner, Hashimoto, Zettlemoyer and Lewis, "Contrastive Decoding:
 * Open-ended Text Generation as Optimization", ACL 2023, arXiv:2210.15097. With `strength` β: O'Brien
 * and Lewis, "Contrastive Decoding Improves Reasoning in Large Language Models", arXiv:2309.09117.
 * The papers' amateur temperature is not modelled here.
 */
export function contrastiveDecoding({
  expert,
  amateur,
  plausibility = 0.1,
  strength,
}: ContrastiveDecodingOptions): BlendRecipe {
  checkFiniteNumber('plausibility', plausibility);
  const weights = strength === undefined ? [1, -1] : [1 + checkFiniteNumber('strength', strength), -strength];
  return {
    sources: [expert, amateur],
    weights,
    normalization: 'none',
    plausibility: { source: 0, beta: plausibility },
  };
}
