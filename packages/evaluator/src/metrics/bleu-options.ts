import { InvalidArgumentError } from '@tonekit/core';

/** The sacreBLEU release whose results these functions reproduce; it ends every signature. */
export const SACREBLEU_VERSION = '2.6.0';

/**
 * sacreBLEU's smoothing methods (Chen and Cherry 2014): `exp` (NIST, method 3; the default), `floor`
 * (method 1, default value 0.1), `add-k` (method 2, default value 1), `none`.
 */
export type BleuSmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';

/** `13a` (mteval-v13a, sacreBLEU's default) or `none` (split on whitespace only). */
export type BleuTokenize = '13a' | 'none';

/** Options of sacreBLEU's `BLEU` metric; every default is sacreBLEU's. */
export interface BleuOptions {
  /** Lower-case hypotheses and references before tokenizing (`case:lc`). Default false. */
  lowercase?: boolean;
  /** Default `13a`. */
  tokenize?: BleuTokenize;
  /** Default `exp`. */
  smoothMethod?: BleuSmoothMethod;
  /** For `floor` and `add-k`; null or absent for their defaults, 0.1 and 1. Ignored by `exp` and `none`. */
  smoothValue?: number | null;
  /** Highest n-gram order. Default 4. */
  maxNgramOrder?: number;
  /**
   * Drop n-gram orders the hypothesis has no n-grams of (`eff:yes`). Default false for corpus BLEU and
   * true for sentence BLEU, as in sacreBLEU's `corpus_bleu` and `sentence_bleu`.
   */
  effectiveOrder?: boolean;
}

/** The options with every default filled in. */
export interface ResolvedBleuOptions {
  lowercase: boolean;
  tokenize: BleuTokenize;
  smoothMethod: BleuSmoothMethod;
  /** null for `exp` and `none`. */
  smoothValue: number | null;
  maxNgramOrder: number;
  effectiveOrder: boolean;
}

const smoothDefaults: Record<BleuSmoothMethod, number | null> = {
  none: null,
  floor: 0.1,
  'add-k': 1,
  exp: null,
};

export function resolveBleuOptions(
  options: BleuOptions = {},
  defaultEffectiveOrder: boolean,
  argument = 'options',
): ResolvedBleuOptions {
  const {
    lowercase = false,
    tokenize = '13a',
    smoothMethod = 'exp',
    smoothValue,
    maxNgramOrder = 4,
    effectiveOrder = defaultEffectiveOrder,
  } = options;
  if (tokenize !== '13a' && tokenize !== 'none') {
    throw new InvalidArgumentError({
      argument: `${argument}.tokenize`,
      value: tokenize,
      message: "expected '13a' or 'none'.",
    });
  }
  if (!Object.hasOwn(smoothDefaults, smoothMethod)) {
    throw new InvalidArgumentError({
      argument: `${argument}.smoothMethod`,
      value: smoothMethod,
      message: "expected 'exp', 'floor', 'add-k' or 'none'.",
    });
  }
  if (!Number.isInteger(maxNgramOrder) || maxNgramOrder < 1) {
    throw new InvalidArgumentError({
      argument: `${argument}.maxNgramOrder`,
      value: maxNgramOrder,
      message: 'expected an integer >= 1.',
    });
  }
  if (
    smoothValue !== undefined &&
    smoothValue !== null &&
    !(Number.isFinite(smoothValue) && smoothValue >= 0)
  ) {
    throw new InvalidArgumentError({
      argument: `${argument}.smoothValue`,
      value: smoothValue,
      message: 'expected a finite number >= 0.',
    });
  }
  const fallback = smoothDefaults[smoothMethod];
  return {
    lowercase,
    tokenize,
    smoothMethod,
    // sacreBLEU keeps a user value even for methods that ignore it; only floor and add-k read it.
    smoothValue: fallback === null ? null : (smoothValue ?? fallback),
    maxNgramOrder,
    effectiveOrder,
  };
}
