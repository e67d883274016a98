import { createHash } from 'node:crypto';
import type { SpecialTokens } from './logit-source.js';

/**
 * The `TokenizerInfo.vocabularyHash` every LogitSource reports, computed one way everywhere so that
 * backends agree when they hold the same vocabulary: lower-case hex SHA-256 of the UTF-8 JSON text
 * `{"vocabulary":[token strings in id order],"specialTokens":{"eos":[ids in ascending order],"bos":id,"pad":id}}`,
 * with `bos`/`pad` left out when absent and no whitespace (what `JSON.stringify` writes). The Python
 * worker computes the same text with `json.dumps(..., separators=(',', ':'), ensure_ascii=False)`.
 */
export function computeVocabularyHash(vocabulary: readonly string[], specialTokens: SpecialTokens): string {
  const special: { eos: number[]; bos?: number; pad?: number } = {
    eos: [...specialTokens.eos].sort((a, b) => a - b),
  };
  if (specialTokens.bos !== undefined) special.bos = specialTokens.bos;
  if (specialTokens.pad !== undefined) special.pad = specialTokens.pad;
  return createHash('sha256')
    .update(JSON.stringify({ vocabulary, specialTokens: special }))
    .digest('hex');
}
