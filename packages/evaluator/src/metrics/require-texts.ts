import { InvalidArgumentError } from '@tonekit/core';

/** Checks a non-empty array of strings; a corpus metric has no value over zero texts. */
export function requireTexts(texts: unknown, argument: string): asserts texts is readonly string[] {
  if (!Array.isArray(texts) || texts.length === 0) {
    throw new InvalidArgumentError({
      argument,
      value: texts,
      message: 'expected a non-empty array of strings.',
    });
  }
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new InvalidArgumentError({
        argument: `${argument}[${i}]`,
        value: texts[i],
        message: 'expected a string.',
      });
    }
  }
}
