import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corpusBleu, sentenceBleu, wordErrorRate } from '../../src/metrics/index.js';
import { difference, loadFixture } from './load-fixture.js';

// Pairs built from SQuAD paragraphs (CC BY-SA): the texts stay in the workspace's shared/ folder and
// only sacreBLEU's and jiwer's figures are committed, so this test runs only where shared/ exists.

const squadPath = fileURLToPath(
  new URL('../../../../../shared/data/wikipedia/squad-dev-paragraphs.jsonl', import.meta.url),
);

interface GoldenSquad {
  sha256: string;
  ids: string[];
  sentenceBleu: number[];
  wer: [number, number, number, number][];
  corpusBleu: { score: number; signature: string; counts: number[]; totals: number[] };
  corpusWer: { wer: number; hits: number; substitutions: number; deletions: number; insertions: number };
}

interface SquadParagraph {
  id: string;
  text: string;
  questions: { question: string; answers: string[] }[];
}

const present = existsSync(squadPath);
if (!present) {
  console.warn(
    `\n*** SKIPPED SQuAD metric parity: ${squadPath} is absent (it lives in the workspace's shared/ folder). ***\n`,
  );
}

describe.skipIf(!present)('sacreBLEU and jiwer parity on SQuAD-derived pairs', () => {
  const golden = loadFixture<GoldenSquad>('golden-squad.json');
  const raw = present ? readFileSync(squadPath) : Buffer.alloc(0);
  // The generator's recipe, mirrored.
  const pairs: { id: string; hypothesis: string; reference: string }[] = [];
  for (const line of raw.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    const paragraph = JSON.parse(line) as SquadParagraph;
    pairs.push({
      id: paragraph.id,
      hypothesis: paragraph.questions.map((q) => q.question).join(' '),
      reference: paragraph.text,
    });
    paragraph.questions.forEach((question, qi) => {
      const distinct = [...new Set(question.answers)];
      if (distinct.length >= 2) {
        pairs.push({ id: `${paragraph.id}/q${qi}`, hypothesis: distinct.at(-1)!, reference: distinct[0]! });
      }
    });
  }

  it('reads the same file the figures were made from', () => {
    expect(createHash('sha256').update(raw).digest('hex')).toBe(golden.sha256);
    expect(pairs.map((pair) => pair.id)).toEqual(golden.ids);
  });

  it('matches sentence BLEU (1e-9) and WER counts (exactly) per pair', () => {
    const problems: string[] = [];
    pairs.forEach((pair, i) => {
      const bleu = sentenceBleu(pair.hypothesis, [pair.reference]).score;
      if (!(difference(bleu, golden.sentenceBleu[i]!) <= 1e-9))
        problems.push(`${pair.id} BLEU ${bleu} vs ${golden.sentenceBleu[i]}`);
      const w = wordErrorRate([pair.reference], [pair.hypothesis]);
      const counts = [w.hits, w.substitutions, w.deletions, w.insertions];
      if (JSON.stringify(counts) !== JSON.stringify(golden.wer[i]))
        problems.push(`${pair.id} WER ${counts} vs ${golden.wer[i]}`);
    });
    expect(problems).toEqual([]);
  });

  it('matches corpus BLEU and corpus WER', () => {
    const bleu = corpusBleu(
      pairs.map((pair) => pair.hypothesis),
      [pairs.map((pair) => pair.reference)],
    );
    expect(difference(bleu.score, golden.corpusBleu.score)).toBeLessThanOrEqual(1e-9);
    expect(bleu.counts).toEqual(golden.corpusBleu.counts);
    expect(bleu.totals).toEqual(golden.corpusBleu.totals);
    expect(bleu.signature).toBe(golden.corpusBleu.signature);
    const wer = wordErrorRate(
      pairs.map((pair) => pair.reference),
      pairs.map((pair) => pair.hypothesis),
    );
    expect({
      wer: wer.wer,
      hits: wer.hits,
      substitutions: wer.substitutions,
      deletions: wer.deletions,
      insertions: wer.insertions,
    }).toEqual(golden.corpusWer);
  });
});
