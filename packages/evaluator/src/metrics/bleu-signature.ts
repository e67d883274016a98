import type { BleuSmoothMethod, BleuTokenize } from './bleu-options.js';
import { SACREBLEU_VERSION } from './bleu-options.js';
import { formatPythonFixed } from './format-python-fixed.js';

export interface BleuSignatureOptions {
  /** References per sentence, or `var` when the number varies (sacreBLEU's `nrefs:var`). */
  nrefs: number | 'var';
  lowercase: boolean;
  effectiveOrder: boolean;
  tokenize: BleuTokenize;
  smoothMethod: BleuSmoothMethod;
  /** Only `floor` and `add-k` print it. */
  smoothValue: number | null;
}

/**
 * sacreBLEU's reproducibility signature in its long form, e.g.
 * `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. Print it next to every BLEU figure:
 * scores with different signatures are not comparable.
 */
export function bleuSignature(options: BleuSignatureOptions): string {
  let smooth: string = options.smoothMethod;
  if (options.smoothValue !== null && (smooth === 'floor' || smooth === 'add-k')) {
    smooth += `[${formatPythonFixed(options.smoothValue, 2)}]`;
  }
  return [
    `nrefs:${options.nrefs}`,
    `case:${options.lowercase ? 'lc' : 'mixed'}`,
    `eff:${options.effectiveOrder ? 'yes' : 'no'}`,
    `tok:${options.tokenize}`,
    `smooth:${smooth}`,
    `version:${SACREBLEU_VERSION}`,
  ].join('|');
}
