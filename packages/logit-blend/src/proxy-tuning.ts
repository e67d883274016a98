import type { LogitSource } from '@tonekit/core';
import { type BlendRecipe, checkFiniteNumber } from './blend-recipe.js';

export interface ProxyTuningOptions {
  /** The large model to steer (untuned). */
  base: LogitSource;
  /** A small model tuned for the behaviour you want (e.g. a tone LoRA on a small model). */
  expert: LogitSource;
  /** The same small model before tuning. */
  antiExpert: LogitSource;
  /** Strength of the steer; the paper's method is α = 1. */
  alpha?: number;
}

/**
 * Proxy-tuning: log p_base + α·(log p_expert − log p_antiExpert), i.e. weights (1, α, −α) unnormalized.
 * The difference between a small tuned model and its untuned self carries the tuning, and adding it to
 * a large base model's scores tunes the large model without touching its weights.
 *
 * Liu, Han, Wang, Tsvetkov, Choi and Smith, "Tuning Language Models by Proxy", COLM 2024,
 * arXiv:2401.08565. The paper adds logits; log-probabilities give the same distribution (the
 * per-model offsets add up to a constant).
 */
export function proxyTuning({ base, expert, antiExpert, alpha = 1 }: ProxyTuningOptions): BlendRecipe {
  checkFiniteNumber('alpha', alpha);
  return { sources: [base, expert, antiExpert], weights: [1, alpha, -alpha], normalization: 'none' };
}
