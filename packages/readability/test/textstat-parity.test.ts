import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { READABILITY_MODES, type ReadabilityMode, textStatistics } from '@tonekit/readability';
import { describe, expect, it } from 'vitest';

// The oracle: 597 passages scored by textstat 0.7.5 and 0.7.11 (../shared/data/readability/README).
const oraclePath = fileURLToPath(
  new URL('../../../../shared/data/readability/textstat-dev.jsonl', import.meta.url),
);

interface TextstatScores {
  flesch: number;
  flesch_kincaid_grade: number;
  syllable_count: number;
  lexicon_count: number;
  sentence_count: number;
}

interface OracleRow {
  id: string;
  text: string;
  'textstat_0.7.5': TextstatScores;
  'textstat_0.7.11': TextstatScores;
}

const oracleKey: Record<ReadabilityMode, 'textstat_0.7.5' | 'textstat_0.7.11'> = {
  'textstat-0.7.5': 'textstat_0.7.5',
  'textstat-0.7.11': 'textstat_0.7.11',
};

const oraclePresent = existsSync(oraclePath);
if (!oraclePresent) {
  console.warn(
    `\n*** SKIPPED textstat parity: ${oraclePath} is absent (it lives in the workspace's shared/ folder). ***\n`,
  );
}

describe.skipIf(!oraclePresent)('textstat parity over the 597-row oracle', () => {
  const rows: OracleRow[] = oraclePresent
    ? readFileSync(oraclePath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as OracleRow)
    : [];

  it('has every row', () => {
    expect(rows).toHaveLength(597);
  });

  for (const mode of READABILITY_MODES) {
    it(`matches ${mode} on all five numbers of every row to 1e-9`, () => {
      const mismatches: string[] = [];
      for (const row of rows) {
        const expected = row[oracleKey[mode]];
        const actual = textStatistics(row.text, { mode });
        const pairs: [string, number, number][] = [
          ['flesch', expected.flesch, actual.fleschReadingEase],
          ['flesch_kincaid_grade', expected.flesch_kincaid_grade, actual.fleschKincaidGrade],
          ['syllable_count', expected.syllable_count, actual.syllableCount],
          ['lexicon_count', expected.lexicon_count, actual.lexiconCount],
          ['sentence_count', expected.sentence_count, actual.sentenceCount],
        ];
        for (const [name, want, got] of pairs) {
          if (!(Math.abs(want - got) <= 1e-9))
            mismatches.push(`${row.id} ${name}: textstat ${want}, ours ${got}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});
