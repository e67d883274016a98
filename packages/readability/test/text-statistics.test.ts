import {
  fleschKincaidGrade,
  fleschReadingEase,
  isConversational,
  lexiconCount,
  sentenceCount,
  syllableCount,
  textStatistics,
} from '@tonekit/readability';
import { describe, expect, it } from 'vitest';

const v5 = { mode: 'textstat-0.7.5' } as const;
const v11 = { mode: 'textstat-0.7.11' } as const;

describe('words (lexicon_count)', () => {
  it('joins hyphenated words, as removing punctuation does', () => {
    expect(lexiconCount('well-known state-of-the-art', v5)).toBe(2);
    expect(lexiconCount('a - b', v5)).toBe(2);
  });

  it('splits on Python whitespace, not JavaScript whitespace', () => {
    // U+0085, U+001F are whitespace in Python but not in JS; U+FEFF is the reverse.
    expect(lexiconCount('one\u0085two\u001fthree')).toBe(3);
    expect(lexiconCount('one\ufefftwo')).toBe(1);
    expect(lexiconCount('one\u00a0two\u3000three')).toBe(3);
  });

  it('counts numbers as words and drops punctuation-only tokens', () => {
    expect(lexiconCount('$2,000,000 was paid on 12/03/2024 -- ok')).toBe(6);
  });

  it('treats non-ASCII letters and digits as word characters, emoji and marks as punctuation', () => {
    expect(lexiconCount('Привет мир 你好 😀 ½')).toBe(4);
    expect(lexiconCount('😀 👍')).toBe(0);
  });
});

describe('syllables', () => {
  it('reads CMUdict first: "area" is EH1 R IY0 AH0 there, while hyphenation finds no break', () => {
    expect(syllableCount('area')).toBe(3);
    expect(syllableCount('area', v5)).toBe(3);
    expect(syllableCount('Hello')).toBe(2);
  });

  it('falls back to Liang hyphenation + 1 for unknown words (numbers are one syllable)', () => {
    expect(syllableCount('1967')).toBe(1);
    expect(syllableCount('snake_case_identifier')).toBeGreaterThan(3);
  });

  it('strips apostrophes in 0.7.5 and keeps contraction apostrophes in 0.7.11', () => {
    // "'starved" keeps its apostrophe in 0.7.11 (not in CMUdict → hyphenation), loses it in 0.7.5.
    expect(syllableCount("'starved", v11)).toBe(2);
    expect(syllableCount("'starved", v5)).toBe(1);
  });

  it('applies the case-sensitive contraction rule before lower-casing', () => {
    // Upper-case "'T" is not a contraction suffix, so both apostrophes go: "etaining", two syllables.
    expect(syllableCount("E''TAINING", v11)).toBe(2);
  });
});

describe('sentences', () => {
  it('ignores segments of two words or fewer', () => {
    expect(sentenceCount("Don't stop. It's fine. We'll see.", v11)).toBe(1);
    expect(sentenceCount('One two three. Four five six. Seven.', v11)).toBe(2);
  });

  it('splits abbreviations as textstat does (every period ends a segment)', () => {
    expect(sentenceCount('Dr. Smith went to Washington with his dog. Then he came back home.', v11)).toBe(2);
    // "e.g" is one word of the text but one word in each of the segments "e." and "g".
    expect(lexiconCount('we saw e.g many big birds', v11)).toBe(6);
    expect(sentenceCount('we saw e.g many big birds', v11)).toBe(2);
    expect(sentenceCount('we e.g saw', v11)).toBe(1);
  });

  it('does not break on newlines', () => {
    expect(sentenceCount('one two three\nfour five six', v11)).toBe(1);
  });
});

describe('empty and degenerate text', () => {
  it('0.7.11 returns 0 sentences and 0.0 scores for the empty string', () => {
    expect(textStatistics('', v11)).toEqual({
      mode: 'textstat-0.7.11',
      lexiconCount: 0,
      sentenceCount: 0,
      syllableCount: 0,
      fleschReadingEase: 0,
      fleschKincaidGrade: 0,
    });
    expect(sentenceCount(' ', v11)).toBe(1);
  });

  it('0.7.5 rounds the empty text to 206.84 / -15.7 (its asymmetric rounding)', () => {
    expect(fleschReadingEase('...', v5)).toBe(206.84);
    expect(fleschKincaidGrade('...', v5)).toBe(-15.7);
  });
});

describe('formulas', () => {
  it('0.7.11 is unrounded, 0.7.5 rounds the ratios and the result', () => {
    // 2 words, 1 sentence, 2 syllables: 206.835 - 1.015*2 - 84.6*1
    expect(fleschReadingEase('Hi there', v11)).toBeCloseTo(120.205, 12);
    expect(fleschReadingEase('Hi there', v5)).toBe(120.21);
    expect(fleschKincaidGrade('Hi there', v11)).toBeCloseTo(-3.01, 12);
    expect(fleschKincaidGrade('Hi there', v5)).toBe(-3.1);
  });

  it('defaults to textstat 0.7.11', () => {
    expect(textStatistics('Hi there').mode).toBe('textstat-0.7.11');
    expect(fleschReadingEase('Hi there')).toBe(fleschReadingEase('Hi there', v11));
  });

  it('isConversational uses FRE >= 60 unless told otherwise', () => {
    const easy = 'The cat sat on the mat. It was a good day.';
    const hard =
      'Photosynthetic organisms convert electromagnetic radiation into chemical energy through complex biochemical pathways.';
    expect(isConversational(easy)).toBe(true);
    expect(isConversational(hard)).toBe(false);
    expect(isConversational(easy, { threshold: 200 })).toBe(false);
  });

  it('rejects non-string input with a TypeError', () => {
    expect(() => textStatistics(undefined as unknown as string)).toThrow(TypeError);
  });
});
