import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import {
  bleuSignature,
  computeBleu,
  corpusBleu,
  SACREBLEU_VERSION,
  sentenceBleu,
} from '../../src/metrics/index.js';

function argumentOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error.argument;
    throw error;
  }
  return undefined;
}

describe('BLEU input checks', () => {
  it('refuses what sacreBLEU would truncate silently or crash on', () => {
    expect(argumentOf(() => corpusBleu([], [[]]))).toBe('hypotheses');
    expect(argumentOf(() => corpusBleu(['a'], []))).toBe('referenceStreams');
    // A reference stream per sentence instead of per reference: the commonest shape mistake.
    expect(argumentOf(() => corpusBleu(['a', 'b'], [['a'], ['b']]))).toBe('referenceStreams[0]');
    expect(argumentOf(() => corpusBleu(['a'], [[null]]))).toBe('referenceStreams');
    expect(argumentOf(() => corpusBleu(['a', 7 as unknown as string], [['a', 'b']]))).toBe('hypotheses[1]');
    expect(argumentOf(() => sentenceBleu('a', []))).toBe('references');
    expect(argumentOf(() => sentenceBleu('a', ['a'], { smoothMethod: 'add-one' as 'exp' }))).toBe(
      'options.smoothMethod',
    );
    expect(argumentOf(() => sentenceBleu('a', ['a'], { tokenize: 'intl' as '13a' }))).toBe(
      'options.tokenize',
    );
    expect(argumentOf(() => sentenceBleu('a', ['a'], { maxNgramOrder: 0 }))).toBe('options.maxNgramOrder');
    expect(
      argumentOf(() =>
        computeBleu([1, 2, 3], { maxNgramOrder: 4, smoothMethod: 'exp', effectiveOrder: false }),
      ),
    ).toBe('sums');
  });

  it('accepts null references per sentence (nrefs:var), like sacreBLEU accepts None', () => {
    const result = corpusBleu(
      ['the cat sat down', 'a dog ran away'],
      [
        ['the cat sat down', 'a dog ran away'],
        ['the cat', null],
      ],
    );
    expect(result.signature.startsWith('nrefs:var|')).toBe(true);
    expect(result.score).toBeCloseTo(100.00000000000004, 9); // sacreBLEU's figure
  });
});

describe('bleuSignature', () => {
  it("prints sacreBLEU's long form, smoothing values with two decimals", () => {
    expect(SACREBLEU_VERSION).toBe('2.6.0');
    const base = {
      nrefs: 1,
      lowercase: false,
      effectiveOrder: false,
      tokenize: '13a',
      smoothMethod: 'exp',
      smoothValue: null,
    } as const;
    expect(bleuSignature(base)).toBe('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0');
    expect(
      bleuSignature({ ...base, nrefs: 'var', lowercase: true, smoothMethod: 'floor', smoothValue: 0.125 }),
    ).toBe('nrefs:var|case:lc|eff:no|tok:13a|smooth:floor[0.12]|version:2.6.0');
  });
});
