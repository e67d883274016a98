/**
 * Python's `re` character classes for `str` patterns, which textstat relies on.
 *
 * JavaScript's `\w`, `\s` and `\b` differ from Python's: JS `\w` is ASCII-only, and JS `\s` includes
 * U+FEFF but lacks U+001C–U+001F and U+0085. Python's `\w` is `str.isalnum() or '_'`, which equals
 * `[\p{L}\p{N}_]` for every character assigned up to Unicode 14 (checked over all code points against
 * CPython 3.11); characters added later follow Node's Unicode tables.
 */

export enum CharacterClass {
  Other = 0,
  Word = 1,
  Space = 2,
  /** `.`, `!` or `?`: what textstat's sentence regex splits on. */
  SentenceTerminator = 3,
  /** `'` (U+0027): textstat 0.7.11 keeps it in contractions. */
  Apostrophe = 4,
}

const asciiClasses = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  let characterClass: CharacterClass = CharacterClass.Other;
  if (/[A-Za-z0-9_]/.test(char)) characterClass = CharacterClass.Word;
  else if ((code >= 9 && code <= 13) || (code >= 28 && code <= 32)) characterClass = CharacterClass.Space;
  else if (char === '.' || char === '!' || char === '?') characterClass = CharacterClass.SentenceTerminator;
  else if (char === "'") characterClass = CharacterClass.Apostrophe;
  asciiClasses[code] = characterClass;
}

const unicodeWord = /^[\p{L}\p{N}_]$/u;
// Python's str.isspace() outside ASCII.
const unicodeSpace = /^[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
const nonAsciiClassCache = new Map<number, CharacterClass>();

/** The class of one code point (not a UTF-16 unit: pass astral characters whole). */
export function classifyCodePoint(codePoint: number): CharacterClass {
  if (codePoint < 128) return asciiClasses[codePoint] as CharacterClass;
  let characterClass = nonAsciiClassCache.get(codePoint);
  if (characterClass === undefined) {
    const char = String.fromCodePoint(codePoint);
    characterClass = unicodeWord.test(char)
      ? CharacterClass.Word
      : unicodeSpace.test(char)
        ? CharacterClass.Space
        : CharacterClass.Other;
    nonAsciiClassCache.set(codePoint, characterClass);
  }
  return characterClass;
}

/**
 * textstat 0.7.11 keeps an apostrophe only when followed by `[tsd]`, `ve`, `ll` or `re`
 * (`re.sub(r"\'(?![tsd]|ve|ll|re)", "", text)`: case-sensitive, no word boundary).
 */
export function isKeptApostrophe(text: string, indexAfterApostrophe: number): boolean {
  const next = text.charCodeAt(indexAfterApostrophe);
  switch (next) {
    case 0x74 /* t */:
    case 0x73 /* s */:
    case 0x64 /* d */:
      return true;
    case 0x76 /* v */:
    case 0x72 /* r */:
      return text.charCodeAt(indexAfterApostrophe + 1) === 0x65 /* e */;
    case 0x6c /* l */:
      return text.charCodeAt(indexAfterApostrophe + 1) === 0x6c /* l */;
    default:
      return false;
  }
}

/** Reads the code point at `index`, joining a valid surrogate pair (Python indexes code points). */
export function codePointAt(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
    const low = text.charCodeAt(index + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  }
  return unit;
}
