import type { LogitSource } from '@tonekit/core';
import { type BlendRecipe, checkFiniteNumber } from './blend-recipe.js';

export interface DExpertsOptions {
  /** The pretrained model that generates. */
  base: LogitSource;
  /** A model trained on text with the wanted attribute (e.g. conversational answers). */
  expert: LogitSource;
  /** A model trained on text with the unwanted attribute (e.g. formal, encyclopedic answers). */
  antiExpert: LogitSource;
  /** Strength of the steer; the paper tunes it per task. */
  alpha: number;
  /**
   * Optional plausibility mask on the base model (keep tokens with p_base ≥ β·max p_base), which
   * keeps a strong steer from picking tokens the base model finds absurd. Off by default, as in the paper.
   */
  plausibility?: number;
}

/**
 * DExperts: z_base + α·(z_expert − z_antiExpert), weights (1, α, −α) unnormalized: tokens the expert
 * likes and the anti-expert does not gain probability, tokens both agree on keep the base model's.
 * The same formula as proxy-tuning, where the experts are instead small models trained on opposite
 * attributes.
 *
 * Liu, Sap, Lu, Swayamdipta, Bhagavatula, Smith and Choi, "DExperts: Decoding-Time Controlled Text
 * Generation with Experts and Anti-Experts", ACL 2021, arXiv:2105.03023.
 */
export function dexperts({ base, expert, antiExpert, alpha, plausibility }: DExpertsOptions): BlendRecipe {
  checkFiniteNumber('alpha', alpha);
  const recipe: BlendRecipe = {
    sources: [base, expert, antiExpert],
    weights: [1, alpha, -alpha],
    normalization: 'none',
  };
  if (plausibility !== undefined) recipe.plausibility = { source: 0, beta: plausibility };
  return recipe;
}
