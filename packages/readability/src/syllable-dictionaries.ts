/**
 * The CMUdict data textstat reads, rebuilt from npm packages plus built-in correction overlays.
 *
 * - textstat 0.7.11 reads NLTK's cmudict 0.7a: npm `cmudict@1.0.2` ships the same release as a flat file.
 * - textstat 0.7.5 reads python-cmudict 1.0.32: npm `cmu-pronouncing-dictionary@3.0.0` is close to it.
 * The overlays hold the few hundred words where the npm data differs (see scripts/build-syllable-overlays.ts).
 *
 * Each dictionary is parsed once, on first use, into word → syllables of its first pronunciation
 * (textstat takes `cmudict[word][0]` and counts the phones that carry a stress digit).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nltkCmudict07aOverlay, pythonCmudict1032Overlay } from './data/generated/cmudict-overlays.js';
import type { ReadabilityMode } from './types.js';

const require = createRequire(import.meta.url);
const loaded = new Map<ReadabilityMode, ReadonlyMap<string, number>>();

/** word (lower case) → syllables, exactly as the given textstat release sees CMUdict. */
export function getSyllableDictionary(mode: ReadabilityMode): ReadonlyMap<string, number> {
  let dictionary = loaded.get(mode);
  if (dictionary === undefined) {
    dictionary = mode === 'textstat-0.7.5' ? loadPythonCmudict1032() : loadNltkCmudict07a();
    loaded.set(mode, dictionary);
  }
  return dictionary;
}

function loadNltkCmudict07a(): Map<string, number> {
  const packageDir = dirname(require.resolve('cmudict/package.json'));
  const text = readFileSync(join(packageDir, 'lib', 'cmu', 'cmudict.0.7a'), 'latin1');
  const dictionary = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(';;;')) continue;
    const separator = line.indexOf('  ');
    if (separator < 0) continue;
    addFirstPronunciation(dictionary, line.slice(0, separator).toLowerCase(), line.slice(separator + 2));
  }
  return applyOverlay(dictionary, nltkCmudict07aOverlay);
}

function loadPythonCmudict1032(): Map<string, number> {
  // The package is one ESM object literal; reading it as JSON keeps loading synchronous and lazy.
  const source = readFileSync(require.resolve('cmu-pronouncing-dictionary'), 'utf8');
  const marker = 'export const dictionary = ';
  const start = source.indexOf(marker);
  if (start < 0) throw new Error('cmu-pronouncing-dictionary: unexpected file layout (no dictionary export)');
  const entries = JSON.parse(source.slice(start + marker.length, source.lastIndexOf('}') + 1)) as Record<
    string,
    string
  >;
  const dictionary = new Map<string, number>();
  for (const word in entries) addFirstPronunciation(dictionary, word, entries[word]!);
  return applyOverlay(dictionary, pythonCmudict1032Overlay);
}

const alternatePronunciation = /\(\d+\)$/;

function addFirstPronunciation(dictionary: Map<string, number>, key: string, phones: string): void {
  // "word(2)" lines are alternates; the first pronunciation listed is the one textstat uses.
  const word = key.replace(alternatePronunciation, '');
  if (dictionary.has(word)) return;
  let syllables = 0;
  for (let i = 0; i < phones.length; i++) {
    const code = phones.charCodeAt(i);
    // A phone carries a stress digit at its end: "AH0", "EY1".
    if (code >= 0x30 && code <= 0x39 && (i + 1 === phones.length || phones.charCodeAt(i + 1) === 0x20)) {
      syllables++;
    }
  }
  dictionary.set(word, syllables);
}

function applyOverlay(
  dictionary: Map<string, number>,
  overlay: ReadonlyArray<readonly [string, number | null]>,
): Map<string, number> {
  for (const [word, syllables] of overlay) {
    if (syllables === null) dictionary.delete(word);
    else dictionary.set(word, syllables);
  }
  return dictionary;
}
