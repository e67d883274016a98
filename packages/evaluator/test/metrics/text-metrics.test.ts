import { InvalidArgumentError } from '@tonekit/core';
import { fleschReadingEase } from '@tonekit/readability';
import { describe, expect, it } from 'vitest';
import {
  averageResponseLength,
  conversationalShare,
  distinct1,
  distinct2,
  distinctN,
  fleschHistogram,
  mattr,
  mattrOfText,
} from '../../src/metrics/index.js';

function invalidArgument(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error.argument;
    throw error;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('averageResponseLength', () => {
  it("counts words as Python's str.split() does", () => {
    // U+00A0 and U+001C separate words in Python (not all of them in JS \s); U+FEFF does not.
    const result = averageResponseLength(['one two three', '', 'a\u00a0b\tc\x1cd', 'x\ufeffy']);
    expect(result.wordCounts).toEqual([3, 0, 4, 1]);
    expect(result.value).toBe(8 / 4);
  });

  it('refuses an empty list', () => {
    expect(invalidArgument(() => averageResponseLength([]))).toBe('responses');
  });
});

describe('distinct-n', () => {
  const responses = ['The cat sat.', 'the cat ran', ''];

  it('divides distinct by all n-grams over the corpus, lower-cased by default', () => {
    // unigrams: the, cat, sat., the, cat, ran → 4 distinct of 6
    expect(distinct1(responses)).toEqual({ value: 4 / 6, unique: 4, total: 6, n: 1 });
    // bigrams: "the cat", "cat sat.", "the cat", "cat ran" → 3 of 4; none crosses responses
    expect(distinct2(responses)).toEqual({ value: 3 / 4, unique: 3, total: 4, n: 2 });
    expect(distinct1(responses, { lowercase: false }).unique).toBe(5);
  });

  it('is 0 when there is no n-gram, and checks n', () => {
    expect(distinctN(['one', ''], 2)).toEqual({ value: 0, unique: 0, total: 0, n: 2 });
    expect(invalidArgument(() => distinctN(['a'], 0))).toBe('n');
  });
});

describe('MATTR', () => {
  it('averages the type-token ratio of every window', () => {
    // windows of 3 over a b a c: {a,b} of 3, {a,b,c} of 3 → (2 + 3) / 6
    expect(mattrOfText('a b a c', { window: 3 })).toBe(5 / 6);
    expect(mattrOfText('A b a C', { window: 3 })).toBe(5 / 6);
    expect(mattrOfText('A b a C', { window: 3, lowercase: false })).toBe(1);
  });

  it('uses the plain type-token ratio below the window, and 0 for no tokens', () => {
    expect(mattrOfText('to be or not to be')).toBe(4 / 6);
    expect(mattrOfText('   ')).toBe(0);
  });

  it('matches a direct computation on a long text with the default window of 50', () => {
    const words = Array.from({ length: 237 }, (_, i) => `w${(i * 7919) % 61}`);
    let sum = 0;
    for (let start = 0; start + 50 <= words.length; start++)
      sum += new Set(words.slice(start, start + 50)).size / 50;
    expect(mattrOfText(words.join(' '))).toBeCloseTo(sum / (words.length - 49), 14);
  });

  it('reports each response and the mean', () => {
    const result = mattr(['a a', 'a b'], { window: 50 });
    expect(result.values).toEqual([0.5, 1]);
    expect(result.value).toBe(0.75);
    expect(invalidArgument(() => mattr(['a'], { window: 0 }))).toBe('options.window');
  });
});

describe('fleschHistogram', () => {
  it('extends the default 0–100 bins of 10 to every score; the last bin is closed', () => {
    const histogram = fleschHistogram([-5, 0, 9.99, 10, 100, 121.22, 130]);
    expect(histogram.edges).toEqual([-10, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130]);
    expect(histogram.counts).toEqual([1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
  });

  it('keeps 0–100 when every score is inside, and refuses scores outside explicit edges', () => {
    expect(fleschHistogram([55]).edges).toHaveLength(11);
    expect(fleschHistogram([100], { edges: [0, 50, 100] }).counts).toEqual([0, 1]);
    expect(invalidArgument(() => fleschHistogram([101], { edges: [0, 50, 100] }))).toBe('options.edges');
    expect(invalidArgument(() => fleschHistogram([1], { edges: [0, 0] }))).toBe('options.edges');
  });
});

describe('conversationalShare', () => {
  const responses = [
    'Sure! It is a big city by the sea, and lots of people live there.',
    'The constitutional ramifications of the aforementioned jurisprudential developments remain contested among scholars.',
    'Yes. I think so.',
    'Photosynthesis converts electromagnetic radiation into chemical energy within chloroplasts.',
  ];

  it('scores with @tonekit/readability and counts Flesch >= 60 by default', () => {
    const scores = responses.map((response) => fleschReadingEase(response));
    const result = conversationalShare(responses);
    expect(result.scores).toEqual(scores);
    expect(result.conversational).toEqual(scores.map((score) => score >= 60));
    expect(result.conversationalCount).toBe(2);
    expect(result.percent).toBe(50);
    expect(result.fleschMean).toBe(scores.reduce((a, b) => a + b, 0) / 4);
    expect(result.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(result).toMatchObject({ threshold: 60, readabilityMode: 'textstat-0.7.11', count: 4 });
  });

  it('takes the threshold and the textstat mode', () => {
    const legacy = conversationalShare(responses, { threshold: 0, readabilityMode: 'textstat-0.7.5' });
    expect(legacy.scores).toEqual(responses.map((r) => fleschReadingEase(r, { mode: 'textstat-0.7.5' })));
    expect(legacy.threshold).toBe(0);
    expect(
      invalidArgument(() =>
        conversationalShare(responses, { readabilityMode: 'textstat-9' as 'textstat-0.7.5' }),
      ),
    ).toBe('options.readabilityMode');
  });
});
