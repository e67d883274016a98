import { PYTHON_WHITESPACE_CLASS, stripPythonWhitespace } from './python-whitespace.js';

const whitespaceRuns = new RegExp(`${PYTHON_WHITESPACE_CLASS}{2,}`, 'g');

/**
 * The words of jiwer 4's default WER transform (`wer_default`): `RemoveMultipleSpaces` (any run of two
 * or more whitespace characters becomes one space), `Strip`, then `ReduceToListOfListOfWords`, which
 * splits on the space character only. So case and punctuation count, and a lone tab or newline between
 * two words does not separate them ("a\tb" is one word) while "a \tb" is two words — jiwer's quirk,
 * kept so that counts match jiwer.
 */
export function jiwerWords(text: string): string[] {
  const words: string[] = [];
  for (const word of stripPythonWhitespace(text.replace(whitespaceRuns, ' ')).split(' ')) {
    if (word.length > 0) words.push(word);
  }
  return words;
}
