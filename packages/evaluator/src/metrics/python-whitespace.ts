/**
 * Python's notion of whitespace (`str.split()`, `str.strip()`, `str.isspace()`, `re`'s `\s` on `str`),
 * which sacreBLEU, jiwer and textstat all rely on. JavaScript's `\s` differs: it includes U+FEFF but
 * lacks U+001C–U+001F and U+0085, so "split on whitespace" must not use it if results are to match.
 */

/** The character class of Python whitespace, for building regular expressions. */
export const PYTHON_WHITESPACE_CLASS =
  '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

/** Whether a UTF-16 code unit is Python whitespace (no whitespace character is astral). */
export function isPythonWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x1680) return code === 0x85 || code === 0xa0;
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

const whitespaceRuns = new RegExp(`${PYTHON_WHITESPACE_CLASS}+`);

/** `text.split()` in Python: runs of whitespace separate words, no empty words. */
export function splitPythonWhitespace(text: string): string[] {
  // The native regex split beats a character loop; only the ends can yield empty strings.
  const words = text.split(whitespaceRuns);
  if (words[0] === '') words.shift();
  if (words.length > 0 && words[words.length - 1] === '') words.pop();
  return words;
}

/** `len(text.split())` in Python, without building the words. */
export function countPythonWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (isPythonWhitespace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count;
}

/** `text.rstrip()` in Python. */
export function rstripPythonWhitespace(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `text.strip()` in Python. */
export function stripPythonWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
