import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bleuTokens, jiwerWords } from '../../src/metrics/index.js';
import { splitPythonWhitespace } from '../../src/metrics/python-whitespace.js';
import { lehmer, loadFixture } from './load-fixture.js';

// Tens of thousands of random strings over the characters the tokenizers treat specially (symbols,
// digits next to periods, commas and dashes, HTML entities, <skipped>, hyphen-newline, Python-only
// whitespace, U+FEFF, astral and case-mapping characters). The fixture stores the recipe and a digest
// of sacreBLEU's, jiwer's and Python's outputs; the strings are regenerated here.

interface Fuzz {
  seed: number;
  count: number;
  alphabet: string[];
  sha256: string;
}

const fuzz = loadFixture<Fuzz>('golden-tokenizer-fuzz.json');

function strings(): string[] {
  const next = lehmer(fuzz.seed);
  return Array.from({ length: fuzz.count }, () => {
    const length = next() % 31;
    let text = '';
    for (let i = 0; i < length; i++) text += fuzz.alphabet[next() % fuzz.alphabet.length];
    return text;
  });
}

describe('tokenizers on random strings', () => {
  it(`reproduce 13a (mixed and lower case), jiwer's words and str.split() on ${fuzz.count} strings`, () => {
    const parts = strings().map((text) =>
      [
        bleuTokens(text, false, '13a'),
        bleuTokens(text, true, '13a'),
        jiwerWords(text),
        splitPythonWhitespace(text),
      ]
        .map((tokens) => tokens.join('\u0001'))
        .join('\u0002'),
    );
    const digest = createHash('sha256').update(parts.join('\u0003'), 'utf8').digest('hex');
    // On a mismatch, print strings().slice(0, 100) and diff them against the generator's output.
    expect(digest).toBe(fuzz.sha256);
  });
});
