import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractPatterns } from '../scripts/build-hyphenation-patterns.js';
import { hyphEnUsPatterns } from '../src/data/generated/hyph-en-us-patterns.js';
import { createLiangHyphenator } from '../src/liang-hyphenator.js';

describe('createLiangHyphenator (pyphen semantics)', () => {
  const english = createLiangHyphenator(hyphEnUsPatterns);

  it('finds the breaks pyphen documents', () => {
    // pyphen's README: Pyphen(lang='en_US').inserted('hyphenation') == 'hy-phen-ation'
    expect(english.countPositions('hyphenation')).toBe(2);
    expect(english.countPositions('HYPHENATION')).toBe(2);
  });

  it('never breaks within left/right code points of the ends', () => {
    expect(english.countPositions('ab')).toBe(0);
    const tight = createLiangHyphenator('1b1', { left: 1, right: 1 });
    // Breaks before and after each "b": positions 1, 2 and 3 of "abba".
    expect(tight.countPositions('abba')).toBe(3);
    const loose = createLiangHyphenator('1b1', { left: 2, right: 2 });
    expect(loose.countPositions('abba')).toBe(1);
  });

  it('takes the maximum value where patterns overlap and breaks only on odd values', () => {
    expect(createLiangHyphenator('a1b').countPositions('xxabxx')).toBe(1);
    expect(createLiangHyphenator('a1b a2b').countPositions('xxabxx')).toBe(0);
    expect(createLiangHyphenator('a1b xa2').countPositions('xxabxx')).toBe(0);
  });

  it('parses consecutive digits the way pyphen does (each digit its own value)', () => {
    // pyphen parses "a23b" as values [0, 2, 3, 0] over letters "ab": the 3 lands after "b".
    expect(createLiangHyphenator('a23b').countPositions('xxabxx')).toBe(1);
  });

  it('counts positions in code points, not UTF-16 units', () => {
    const hyphenator = createLiangHyphenator('𝐀1𝐁', { left: 1, right: 1 });
    expect(hyphenator.countPositions('𝐀𝐁')).toBe(1);
  });
});

const debianDic = '/usr/share/hyphen/hyph_en_US.dic';
describe.skipIf(!existsSync(debianDic))('the committed patterns module', () => {
  it(`equals a fresh conversion of ${debianDic}`, () => {
    expect(hyphEnUsPatterns).toBe(extractPatterns(readFileSync(debianDic, 'utf8')).join(' '));
  });
});
if (!existsSync(debianDic)) {
  console.warn(
    `\n*** SKIPPED patterns-module check: ${debianDic} is absent (apt-get install hyphen-en-us). ***\n`,
  );
}
