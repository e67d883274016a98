import { splitPythonWhitespace } from './python-whitespace.js';

// sacrebleu 2.x tokenizer_re.py, in order. Each is a fixed two-character (or one-character) pattern,
// so V8 runs them without backtracking; JavaScript's global replace scans left to right without
// overlapping matches exactly as Python's re.sub does. Without the `u` flag `[^0-9]` may match half
// of a surrogate pair, which re-emits the same units in the same order, so the output equals Python's
// code-point result.
/**
 * ASCII symbols except `'`, `,`, `-`, `.` and alphanumerics: sacreBLEU's `[\{-\~\[-\` -\&\(-\+\:-\@\/]`
 * minus the space it also pads. Padding a space with spaces changes no token: the later patterns only
 * look at a character's immediate neighbours, and a space stays a space's neighbour. Skipping it makes
 * this, the costliest pass, four times faster.
 */
const symbols = /[\x7b-\x7e\x5b-\x60\x21-\x26\x28-\x2b\x3a-\x40\x2f]/g;
/** Period and comma unless preceded by a digit. */
const periodCommaAfterNonDigit = /([^0-9])([.,])/g;
/** Period and comma unless followed by a digit. */
const periodCommaBeforeNonDigit = /([.,])([^0-9])/g;
/** Dash when preceded by a digit. */
const dashAfterDigit = /([0-9])(-)/g;

/**
 * The words of sacreBLEU's `13a` tokenizer (mteval-v13a.pl as sacrebleu 2.x implements it):
 * `tokenize13a(line).split(' ')` without the join and re-split.
 */
export function tokenize13aWords(line: string): string[] {
  // Language-independent part (tokenizer_13a.py).
  let text = line;
  if (text.includes('<skipped>')) text = text.replaceAll('<skipped>', '');
  if (text.includes('\n')) text = text.replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) {
    text = text
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>');
  }
  // tokenizer_re.py on f' {line} '. The padding only matters to the regexes at the string's ends.
  text = ` ${text} `.replace(symbols, ' $& ');
  if (text.includes('.') || text.includes(',')) {
    text = text.replace(periodCommaAfterNonDigit, '$1 $2 ').replace(periodCommaBeforeNonDigit, ' $1 $2');
  }
  if (text.includes('-')) text = text.replace(dashAfterDigit, '$1 $2 ');
  return splitPythonWhitespace(text);
}

/** sacreBLEU's `13a` tokenizer (`Tokenizer13a()(line)`): the tokens joined by single spaces. */
export function tokenize13a(line: string): string {
  return tokenize13aWords(line).join(' ');
}
