import { InvalidArgumentError, type LogitSource } from '@tonekit/core';

/**
 * Rejects sources that cannot be blended: blending adds log-probabilities index by index and feeds one
 * chosen token id to every model, so every source must have the very same vocabulary (checked through
 * `tokenizer.vocabularyHash`, and the size for a clearer message).
 */
export function checkSharedVocabulary(sources: readonly LogitSource[]): void {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new InvalidArgumentError({
      argument: 'sources',
      value: sources,
      message: 'expected a non-empty array of LogitSource.',
    });
  }
  sources.forEach((source, index) => {
    if (typeof source !== 'object' || source === null || typeof source.createSequence !== 'function') {
      throw new InvalidArgumentError({
        argument: `sources[${index}]`,
        value: source,
        message: 'is not a LogitSource (no createSequence method).',
      });
    }
    if (source.specificationVersion !== 'v1') {
      throw new InvalidArgumentError({
        argument: `sources[${index}]`,
        value: source.specificationVersion,
        message: `${source.modelId} implements LogitSource specification ${String(source.specificationVersion)}; this version of logit-blend supports v1.`,
      });
    }
  });
  const first = sources[0]!;
  for (let index = 1; index < sources.length; index++) {
    const other = sources[index]!;
    const sameSize = other.tokenizer.vocabularySize === first.tokenizer.vocabularySize;
    if (sameSize && other.tokenizer.vocabularyHash === first.tokenizer.vocabularyHash) continue;
    const describe = (source: LogitSource, at: number): string =>
      `source ${at} "${source.modelId}" (${source.provider}, ${source.tokenizer.vocabularySize} tokens, vocabulary hash ${source.tokenizer.vocabularyHash.slice(0, 12)})`;
    throw new InvalidArgumentError({
      argument: 'sources',
      value: sources.map((source) => source.modelId),
      message: `${describe(first, 0)} and ${describe(other, index)} have different vocabularies${sameSize ? ' of the same size' : ''}. Blending adds log-probabilities token by token and feeds one chosen token id to every model, so every source must use the same tokenizer (same tokens, same ids, same special tokens).`,
    });
  }
}
