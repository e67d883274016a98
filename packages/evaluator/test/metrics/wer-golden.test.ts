import { describe, expect, it } from 'vitest';
import { jiwerWords, wordErrorRate } from '../../src/metrics/index.js';
import { type GoldenPairs, loadFixture } from './load-fixture.js';

// jiwer 4.0's process_words (reproduced in the generator with rapidfuzz, exactly as jiwer calls it).

interface JiwerResult {
  wer: number;
  hits: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

interface GoldenWer {
  pairs: JiwerResult[];
  corpus: JiwerResult;
  corpusNonEmptyReferences: { pairs: number[]; result: JiwerResult };
  emptyReferencesOnly: { references: string[]; hypotheses: string[]; result: JiwerResult };
  emptyCorpus: JiwerResult;
}

interface GoldenTokenization {
  tokenization: { text: string; jiwer: string[] }[];
}

const { pairs } = loadFixture<GoldenPairs>('golden-pairs.json');
const golden = loadFixture<GoldenWer>('golden-wer.json');
const { tokenization } = loadFixture<GoldenTokenization>('golden-bleu.json');
const references = pairs.map((pair) => pair.reference);
const hypotheses = pairs.map((pair) => pair.hypothesis);

function pick({ wer, hits, substitutions, deletions, insertions }: JiwerResult): JiwerResult {
  return { wer, hits, substitutions, deletions, insertions };
}

describe('jiwer 4 golden figures', () => {
  it("splits words exactly like jiwer's default transform", () => {
    const problems = tokenization
      .filter((row) => JSON.stringify(jiwerWords(row.text)) !== JSON.stringify(row.jiwer))
      .map(
        (row) =>
          `${JSON.stringify(row.text)}: ours ${JSON.stringify(jiwerWords(row.text))}, jiwer ${JSON.stringify(row.jiwer)}`,
      );
    expect(problems).toEqual([]);
    expect(jiwerWords('a\tb c')).toEqual(['a\tb', 'c']);
    expect(jiwerWords(' a \tb ')).toEqual(['a', 'b']);
  });

  it('matches WER and the S/D/I/H split of every pair exactly', () => {
    const problems: string[] = [];
    pairs.forEach((pair, i) => {
      const ours = pick(wordErrorRate([pair.reference], [pair.hypothesis]));
      const expected = golden.pairs[i]!;
      if (JSON.stringify(ours) !== JSON.stringify(expected)) {
        problems.push(`${pair.id}: ours ${JSON.stringify(ours)}, jiwer ${JSON.stringify(expected)}`);
      }
    });
    expect(problems).toEqual([]);
  });

  it('matches the corpus WER (summed counts, not a mean of rates), empty references included', () => {
    const ours = wordErrorRate(references, hypotheses);
    expect(pick(ours)).toEqual(golden.corpus);
    expect(ours.referenceWords).toBe(
      golden.corpus.hits + golden.corpus.substitutions + golden.corpus.deletions,
    );
    expect(ours.statistics.count).toBe(pairs.length);

    const rows = golden.corpusNonEmptyReferences.pairs;
    const subset = wordErrorRate(
      rows.map((r) => references[r]!),
      rows.map((r) => hypotheses[r]!),
    );
    expect(pick(subset)).toEqual(golden.corpusNonEmptyReferences.result);
  });

  it("follows jiwer 4's empty-reference rule and empty corpus", () => {
    const { references: onlyEmpty, hypotheses: against, result } = golden.emptyReferencesOnly;
    expect(pick(wordErrorRate(onlyEmpty, against))).toEqual(result);
    expect(result.wer).toBe(3); // the number of inserted words
    expect(pick(wordErrorRate([], []))).toEqual(golden.emptyCorpus);
    expect(wordErrorRate([''], ['']).wer).toBe(0);
  });
});
