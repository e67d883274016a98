import { InvalidArgumentError } from '@tonekit/core';

/** The edit operations of one alignment, counted as jiwer counts them. */
export interface EditCounts {
  /** Reference words matched unchanged. */
  hits: number;
  substitutions: number;
  /** Reference words missing from the hypothesis. */
  deletions: number;
  /** Hypothesis words not in the reference. */
  insertions: number;
}

// Cells above this would need more than 1 GiB of delta codes.
const maxCells = 2 ** 30;
// Delta buffers up to 4 MiB (about 2,000 × 2,000 differing words) stay allocated between calls.
const keptCells = 2 ** 22;
let deltaBuffer = new Int8Array(1 << 16);
let columnA = new Int32Array(256);
let columnB = new Int32Array(256);

/**
 * Counts the edits of the Levenshtein alignment that rapidfuzz's `Levenshtein.editops(reference,
 * hypothesis)` returns (rapidfuzz 3.x), which is what jiwer counts. Among equally cheap alignments
 * the choice decides how errors split into substitutions, deletions and insertions, so the choice is
 * copied: common prefix and suffix removed first, then Hyyrö's (2004) backtrace over the vertical
 * deltas of the distance matrix — delete when the delta is +1, else step back in the hypothesis and
 * insert when the delta there is −1, else take the diagonal. rapidfuzz reads the same deltas from its
 * bit-parallel matrix; here they come from the plain dynamic programme, two bits of information per
 * cell. rapidfuzz switches to Hirschberg's algorithm above about 4 million cells (roughly 2,000 words
 * against 2,000), where its split may differ; the total (and so WER) never does.
 */
export function levenshteinEditCounts(
  reference: ArrayLike<number>,
  hypothesis: ArrayLike<number>,
): EditCounts {
  const length1 = reference.length;
  const length2 = hypothesis.length;
  let prefix = 0;
  while (prefix < length1 && prefix < length2 && reference[prefix] === hypothesis[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < length1 - prefix &&
    suffix < length2 - prefix &&
    reference[length1 - 1 - suffix] === hypothesis[length2 - 1 - suffix]
  ) {
    suffix++;
  }
  const n = length1 - prefix - suffix;
  const m = length2 - prefix - suffix;
  const counts: EditCounts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  if (n === 0 || m === 0) {
    counts.deletions = n;
    counts.insertions = m;
    counts.hits = length1 - n;
    return counts;
  }
  if (n * m > maxCells) {
    throw new InvalidArgumentError({
      argument: 'reference',
      value: { referenceWords: length1, hypothesisWords: length2 },
      message: `alignment of ${n} × ${m} differing words exceeds ${maxCells} cells.`,
    });
  }

  // delta[(r - 1) * n + (c - 1)] = D[c][r] − D[c − 1][r], with D[c][r] the distance between the first
  // c reference words and the first r hypothesis words (after the common prefix).
  // Buffers are reused across calls; one that a rare huge pair would need is not kept afterwards.
  let delta = deltaBuffer;
  if (delta.length < n * m) {
    delta = new Int8Array(Math.max(n * m, delta.length * 2));
    if (delta.length <= keptCells) deltaBuffer = delta;
  }
  if (columnA.length < n + 1) {
    columnA = new Int32Array(2 * (n + 1));
    columnB = new Int32Array(2 * (n + 1));
  }
  let previous = columnA;
  let current = columnB;
  for (let c = 0; c <= n; c++) previous[c] = c;
  for (let r = 1; r <= m; r++) {
    const symbol = hypothesis[prefix + r - 1];
    current[0] = r;
    const rowOffset = (r - 1) * n - 1;
    for (let c = 1; c <= n; c++) {
      const substitute = previous[c - 1]! + (reference[prefix + c - 1] === symbol ? 0 : 1);
      const insert = previous[c]! + 1;
      const remove = current[c - 1]! + 1;
      let value = substitute < insert ? substitute : insert;
      if (remove < value) value = remove;
      current[c] = value;
      delta[rowOffset + c] = value - current[c - 1]!;
    }
    const swap = previous;
    previous = current;
    current = swap;
  }

  // rapidfuzz's backtrace (Levenshtein_py.editops / recover_alignment), with col over the reference.
  let col = n;
  let row = m;
  while (row !== 0 && col !== 0) {
    if (delta[(row - 1) * n + col - 1] === 1) {
      counts.deletions++;
      col--;
    } else {
      row--;
      if (row !== 0 && delta[(row - 1) * n + col - 1] === -1) {
        counts.insertions++;
      } else {
        col--;
        if (reference[prefix + col] !== hypothesis[prefix + row]) counts.substitutions++;
      }
    }
  }
  counts.deletions += col;
  counts.insertions += row;
  counts.hits = length1 - counts.substitutions - counts.deletions;
  return counts;
}
