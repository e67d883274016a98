import { InvalidArgumentError, type LogitSource } from '@tonekit/core';
import type { BlendNormalization, PlausibilityMask } from './blend-log-probs.js';

/**
 * The blend part of `blend`/`createBlendedChatModel` options, as built by a recipe such as
 * `contrastiveDecoding`: spread it into the options and add the prompt and sampling.
 */
export interface BlendRecipe {
  sources: LogitSource[];
  weights: number[];
  normalization: BlendNormalization;
  plausibility?: PlausibilityMask;
}

export function checkFiniteNumber(argument: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError({ argument, value, message: 'must be a finite number.' });
  }
  return value;
}
