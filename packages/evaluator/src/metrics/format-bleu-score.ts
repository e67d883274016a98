import type { BleuValues } from './compute-bleu.js';
import { formatPythonFixed } from './format-python-fixed.js';

export interface FormatBleuScoreOptions {
  /** Decimals of the score. Default 2, as sacreBLEU prints. */
  width?: number;
  /** Put the signature after the name (`BLEU|nrefs:1|…|version:2.6.0 = …`), as the sacreBLEU CLI does. */
  signature?: string;
}

/**
 * sacreBLEU's `BLEUScore.format()`, e.g. `BLEU = 32.46 67.6/40.0/25.0/16.7 (BP = 1.000 ratio = 1.000
 * hyp_len = 37 ref_len = 37)`. The only place a score is rounded: `score` itself is kept exact.
 */
export function formatBleuScore(
  score: BleuValues,
  { width = 2, signature }: FormatBleuScoreOptions = {},
): string {
  const precisions = score.precisions.map((precision) => formatPythonFixed(precision, 1)).join('/');
  const ratio = score.refLen ? score.sysLen / score.refLen : 0;
  const name = signature ? `BLEU|${signature}` : 'BLEU';
  return (
    `${name} = ${formatPythonFixed(score.score, width)} ${precisions} ` +
    `(BP = ${formatPythonFixed(score.bp, 3)} ratio = ${formatPythonFixed(ratio, 3)} ` +
    `hyp_len = ${score.sysLen} ref_len = ${score.refLen})`
  );
}
