import { InvalidArgumentError } from '@tonekit/core';
import { type DiversityTokenOptions, diversityTokens } from './diversity-tokens.js';
import { requireTexts } from './require-texts.js';

/** Covington and McFall's window; the value lexicalrichness and most MATTR studies use. */
export const DEFAULT_MATTR_WINDOW = 50;

export interface MattrOptions extends DiversityTokenOptions {
  /** Tokens per window. Default 50. */
  window?: number;
}

export interface MattrResult {
  /** Mean of the per-response MATTR. */
  value: number;
  /** MATTR of each response, in order (for bootstrap intervals). */
  values: number[];
}

/**
 * Moving-average type–token ratio (Covington and McFall 2010) of one text: the type–token ratio of
 * every window of `window` consecutive tokens, averaged over the N − window + 1 windows. A text shorter
 * than the window has a single, shorter "window": its plain type–token ratio (types / tokens). A text
 * with no tokens scores 0. Tokens: see `diversityTokens` (lower-cased whitespace words by default).
 */
export function mattrOfText(text: string, options: MattrOptions = {}): number {
  const window = resolveWindow(options.window);
  const tokens = diversityTokens(text, options);
  if (tokens.length === 0) return 0;
  const counts = new Map<string, number>();
  if (tokens.length <= window) {
    for (const token of tokens) counts.set(token, 1);
    return counts.size / tokens.length;
  }
  // Slide the window one token at a time, keeping type counts; the sum of integers stays exact.
  let types = 0;
  for (let i = 0; i < window; i++) {
    const count = counts.get(tokens[i]!) ?? 0;
    if (count === 0) types++;
    counts.set(tokens[i]!, count + 1);
  }
  let typeSum = types;
  for (let i = window; i < tokens.length; i++) {
    const leaving = tokens[i - window]!;
    const left = counts.get(leaving)! - 1;
    counts.set(leaving, left);
    if (left === 0) types--;
    const entering = tokens[i]!;
    const count = counts.get(entering) ?? 0;
    if (count === 0) types++;
    counts.set(entering, count + 1);
    typeSum += types;
  }
  const windows = tokens.length - window + 1;
  return typeSum / (window * windows);
}

/** MATTR of each response and their mean (see `mattrOfText`). */
export function mattr(responses: readonly string[], options: MattrOptions = {}): MattrResult {
  requireTexts(responses, 'responses');
  resolveWindow(options.window);
  const values = responses.map((response) => mattrOfText(response, options));
  let sum = 0;
  for (const value of values) sum += value;
  return { value: sum / values.length, values };
}

function resolveWindow(window: number = DEFAULT_MATTR_WINDOW): number {
  if (!Number.isInteger(window) || window < 1) {
    throw new InvalidArgumentError({
      argument: 'options.window',
      value: window,
      message: 'expected an integer >= 1.',
    });
  }
  return window;
}
