import { describe, expect, it } from 'vitest';
import {
  type BleuOptions,
  type BleuValues,
  bleuFromStatistics,
  corpusBleu,
  formatBleuScore,
  sentenceBleu,
  sentenceBleuScores,
  tokenize13a,
} from '../../src/metrics/index.js';
import { difference, type GoldenPairs, loadFixture } from './load-fixture.js';

// sacreBLEU 2.6.0's figures for the pairs of golden-pairs.json (scripts/generate-golden-metrics.py).

interface PythonBleu {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
  signature?: string;
  formatted?: string;
  statistics?: number[][];
}

type CompactBleu = [number, number, number, number, number[], number[], number[]];

interface GoldenBleu {
  tokenization: { text: string; '13a': string; '13a-lc': string }[];
  sentenceSignature: string;
  sentence: PythonBleu[];
  sentenceVariants: { options: BleuOptions; signature: string; pairs: number[]; results: CompactBleu[] }[];
  multiReferenceSentence: { pair: number; references: string[]; result: PythonBleu }[];
  corpus: { options: BleuOptions; result: PythonBleu }[];
  multiReferenceCorpus: { two: PythonBleu; variable: PythonBleu };
}

const { pairs, multiReference } = loadFixture<GoldenPairs>('golden-pairs.json');
const golden = loadFixture<GoldenBleu>('golden-bleu.json');
const hypotheses = pairs.map((pair) => pair.hypothesis);
const references = pairs.map((pair) => pair.reference);

const tolerance = 1e-9;

/** Every mismatch between our BLEU and sacreBLEU's, as readable lines (empty = all equal). */
function compare(label: string, ours: BleuValues, python: PythonBleu): string[] {
  const problems: string[] = [];
  const close = (name: string, a: number, b: number) => {
    if (!(difference(a, b) <= tolerance)) problems.push(`${label} ${name}: ours ${a}, sacrebleu ${b}`);
  };
  close('score', ours.score, python.score);
  close('bp', ours.bp, python.bp);
  if (ours.sysLen !== python.sys_len)
    problems.push(`${label} sys_len: ours ${ours.sysLen}, sacrebleu ${python.sys_len}`);
  if (ours.refLen !== python.ref_len)
    problems.push(`${label} ref_len: ours ${ours.refLen}, sacrebleu ${python.ref_len}`);
  if (JSON.stringify(ours.counts) !== JSON.stringify(python.counts)) {
    problems.push(`${label} counts: ours ${ours.counts}, sacrebleu ${python.counts}`);
  }
  if (JSON.stringify(ours.totals) !== JSON.stringify(python.totals)) {
    problems.push(`${label} totals: ours ${ours.totals}, sacrebleu ${python.totals}`);
  }
  ours.precisions.forEach((precision, n) => {
    close(`precision ${n + 1}`, precision, python.precisions[n]!);
  });
  return problems;
}

function expand([score, bp, sys_len, ref_len, counts, totals, precisions]: CompactBleu): PythonBleu {
  return { score, bp, sys_len, ref_len, counts, totals, precisions };
}

describe('sacreBLEU 2.6.0 golden figures', () => {
  it(`covers a few hundred pairs (${pairs.length})`, () => {
    expect(pairs.length).toBeGreaterThan(250);
    expect(golden.sentence).toHaveLength(pairs.length);
  });

  it('tokenizes like Tokenizer13a, with and without lower-casing', () => {
    const problems: string[] = [];
    for (const row of golden.tokenization) {
      // sacreBLEU right-strips before tokenizing; tokenize13a is the tokenizer alone.
      const stripped = row.text.replace(
        /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/,
        '',
      );
      const ours = tokenize13a(stripped);
      const oursLower = tokenize13a(
        row.text
          .toLowerCase()
          .replace(/[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, ''),
      );
      if (ours !== row['13a'])
        problems.push(
          `${JSON.stringify(row.text)}: ours ${JSON.stringify(ours)}, sacrebleu ${JSON.stringify(row['13a'])}`,
        );
      if (oursLower !== row['13a-lc']) {
        problems.push(
          `lc ${JSON.stringify(row.text)}: ours ${JSON.stringify(oursLower)}, sacrebleu ${JSON.stringify(row['13a-lc'])}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('matches sentence_bleu on every pair: score, statistics, signature and format()', () => {
    const problems: string[] = [];
    pairs.forEach((pair, i) => {
      const python = golden.sentence[i]!;
      const ours = sentenceBleu(pair.hypothesis, [pair.reference]);
      problems.push(...compare(pair.id, ours, python));
      if (ours.signature !== golden.sentenceSignature)
        problems.push(`${pair.id} signature ${ours.signature}`);
      if (formatBleuScore(ours) !== python.formatted) {
        problems.push(`${pair.id} format: ours ${formatBleuScore(ours)}, sacrebleu ${python.formatted}`);
      }
    });
    expect(golden.sentenceSignature).toBe('nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0');
    expect(problems).toEqual([]);
  });

  it('matches sentence_bleu under every option variant (lowercase, tokenize none, smoothing, orders)', () => {
    const problems: string[] = [];
    for (const variant of golden.sentenceVariants) {
      variant.pairs.forEach((pairIndex, k) => {
        const pair = pairs[pairIndex]!;
        const ours = sentenceBleu(pair.hypothesis, [pair.reference], variant.options);
        problems.push(
          ...compare(`${JSON.stringify(variant.options)} ${pair.id}`, ours, expand(variant.results[k]!)),
        );
        if (ours.signature !== variant.signature) {
          problems.push(
            `${JSON.stringify(variant.options)} signature: ours ${ours.signature}, sacrebleu ${variant.signature}`,
          );
        }
      });
    }
    expect(problems).toEqual([]);
  });

  it('matches sentence_bleu with two or three references', () => {
    const problems: string[] = [];
    for (const row of golden.multiReferenceSentence) {
      const ours = sentenceBleu(hypotheses[row.pair]!, row.references);
      problems.push(...compare(`multi ${row.pair}`, ours, row.result));
      if (ours.signature !== row.result.signature)
        problems.push(`multi ${row.pair} signature ${ours.signature}`);
    }
    expect(problems).toEqual([]);
  });

  it('matches corpus_bleu under every option variant, with the signature', () => {
    const problems: string[] = [];
    for (const { options, result } of golden.corpus) {
      const ours = corpusBleu(hypotheses, [references], options);
      problems.push(...compare(`corpus ${JSON.stringify(options)}`, ours, result));
      if (ours.signature !== result.signature) {
        problems.push(
          `corpus ${JSON.stringify(options)} signature: ours ${ours.signature}, sacrebleu ${result.signature}`,
        );
      }
      if (formatBleuScore(ours) !== result.formatted) problems.push(`corpus format ${formatBleuScore(ours)}`);
    }
    expect(golden.corpus[0]!.result.signature).toBe(
      'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0',
    );
    expect(problems).toEqual([]);
  });

  it("exposes sacreBLEU's per-sentence sufficient statistics row for row", () => {
    const ours = corpusBleu(hypotheses, [references]).statistics;
    const expected = golden.corpus[0]!.result.statistics!;
    expect(ours.count).toBe(expected.length);
    const rows = Array.from({ length: ours.count }, (_, r) =>
      Array.from(ours.values.subarray(r * ours.width, (r + 1) * ours.width)),
    );
    expect(rows).toEqual(expected);
  });

  it('scores multiple and variable numbers of references per sentence (nrefs:2, nrefs:var)', () => {
    const count = multiReference.count;
    const two = corpusBleu(hypotheses.slice(0, count), [
      references.slice(0, count),
      multiReference.secondReferences,
    ]);
    expect(compare('two', two, golden.multiReferenceCorpus.two)).toEqual([]);
    expect(two.signature).toBe(golden.multiReferenceCorpus.two.signature);
    const variable = corpusBleu(hypotheses.slice(0, count), [
      references.slice(0, count),
      multiReference.secondReferences,
      multiReference.thirdReferences,
    ]);
    expect(compare('variable', variable, golden.multiReferenceCorpus.variable)).toEqual([]);
    expect(variable.signature).toBe(golden.multiReferenceCorpus.variable.signature);
    expect(variable.signature.startsWith('nrefs:var|')).toBe(true);
    expect(variable.statistics.values).toEqual(
      new Float64Array(golden.multiReferenceCorpus.variable.statistics!.flat()),
    );
  });

  it('rescoring from statistics equals scoring the texts (sentence scores, resampled corpora)', () => {
    const corpus = corpusBleu(hypotheses, [references]);
    expect(sentenceBleuScores(corpus.statistics)).toEqual(
      golden.sentence.map((_row, i) => sentenceBleu(hypotheses[i]!, [references[i]!]).score),
    );
    const rows = [5, 5, 17, 200, 3, 0, 42, 42, 42, 99];
    const fromStatistics = bleuFromStatistics(corpus.statistics, {}, rows);
    const fromTexts = corpusBleu(
      rows.map((r) => hypotheses[r]!),
      [rows.map((r) => references[r]!)],
    );
    expect(fromStatistics.score).toBe(fromTexts.score);
    expect(fromStatistics.signature).toBe(fromTexts.signature);
  });

  it('agrees with sacreBLEU to well below the tolerance (report of the largest difference)', () => {
    let largest = 0;
    let exact = 0;
    pairs.forEach((pair, i) => {
      const d = difference(sentenceBleu(pair.hypothesis, [pair.reference]).score, golden.sentence[i]!.score);
      largest = Math.max(largest, d);
      if (d === 0) exact++;
    });
    // exp/log of V8 (fdlibm) and of glibc may differ in the last bit; nothing more.
    expect(largest).toBeLessThan(1e-12);
    expect(exact).toBeGreaterThan(pairs.length / 2);
  });
});
