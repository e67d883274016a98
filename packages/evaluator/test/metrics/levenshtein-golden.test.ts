import { describe, expect, it } from 'vitest';
import { levenshteinEditCounts } from '../../src/metrics/index.js';
import { lehmer, loadFixture } from './load-fixture.js';

// rapidfuzz 3.x Levenshtein.editops counts on seeded integer sequences. The fixture holds only the
// generator parameters; the sequences are rebuilt here with the generator's exact port.

type Case = [
  seed: number,
  n: number,
  m: number,
  vocabulary: number,
  edited: number,
  s: number,
  d: number,
  i: number,
];

const { cases } = loadFixture<{ cases: Case[] }>('golden-levenshtein.json');

function sequences(
  seed: number,
  n: number,
  m: number,
  vocabulary: number,
  edited: boolean,
): [number[], number[]] {
  const next = lehmer(seed);
  const a = Array.from({ length: n }, () => next() % vocabulary);
  if (!edited) return [a, Array.from({ length: m }, () => next() % vocabulary)];
  const b = [...a];
  for (let k = 0; k < m; k++) {
    const op = next() % 3;
    if (op === 0 && b.length > 0) b.splice(next() % b.length, 1);
    else if (op === 1) b.splice(next() % (b.length + 1), 0, next() % vocabulary);
    else if (b.length > 0) {
      // Python evaluates the right-hand side of `b[i] = v` before the subscript.
      const value = next() % vocabulary;
      b[next() % b.length] = value;
    }
  }
  return [a, b];
}

describe("rapidfuzz's choice among equal-cost alignments", () => {
  it(`reproduces the substitution/deletion/insertion split on ${cases.length} sequence pairs`, () => {
    const problems: string[] = [];
    for (const [seed, n, m, vocabulary, edited, s, d, i] of cases) {
      const [a, b] = sequences(seed, n, m, vocabulary, edited === 1);
      const ours = levenshteinEditCounts(a, b);
      if (ours.substitutions !== s || ours.deletions !== d || ours.insertions !== i) {
        problems.push(
          `seed ${seed} (${n}×${b.length}): ours S${ours.substitutions} D${ours.deletions} I${ours.insertions}, rapidfuzz S${s} D${d} I${i}`,
        );
      }
      if (ours.hits + ours.substitutions + ours.deletions !== a.length)
        problems.push(`seed ${seed}: hits do not add up`);
    }
    expect(problems).toEqual([]);
  });
});
