import { InvalidArgumentError } from '@tonekit/core';
import { type BleuOptions, type BleuTokenize, resolveBleuOptions } from './bleu-options.js';
import { rstripPythonWhitespace, splitPythonWhitespace } from './python-whitespace.js';
import { tokenize13aWords } from './tokenize-13a.js';

/**
 * sacreBLEU's sufficient statistics of a corpus, one row per sentence, in sacreBLEU's own layout
 * `[hypLen, refLen, correct_1 … correct_N, total_1 … total_N]` (N = `maxNgramOrder`). Corpus BLEU is
 * a function of the column sums, so a bootstrap can resample rows and rescore without tokenizing again.
 */
export interface BleuStatistics {
  /** Sentences (rows). */
  count: number;
  maxNgramOrder: number;
  /** Numbers per row: 2 + 2·maxNgramOrder. */
  width: number;
  /** Row-major, `count × width`; integers stored as doubles so column sums stay exact. */
  values: Float64Array;
  /** References per sentence, or `var` when it differs between sentences. */
  nrefs: number | 'var';
  lowercase: boolean;
  tokenize: BleuTokenize;
}

/** A reference stream: `referenceStreams[k][i]` is the k-th reference of sentence i (sacreBLEU's shape). */
export type ReferenceStreams = ReadonlyArray<ReadonlyArray<string | null | undefined>>;

/** The tokens sacreBLEU scores: optional lower-casing, then the tokenizer on the right-stripped line. */
export function bleuTokens(text: string, lowercase: boolean, tokenize: BleuTokenize): string[] {
  const line = rstripPythonWhitespace(lowercase ? text.toLowerCase() : text);
  return tokenize === '13a' ? tokenize13aWords(line) : splitPythonWhitespace(line);
}

/**
 * Tokenizes every sentence once and returns sacreBLEU's per-sentence statistics (`BLEU
 * ._extract_corpus_statistics`). `null`/`undefined` references are skipped, as sacreBLEU skips `None`,
 * so sentences may have different numbers of references; each sentence needs at least one.
 */
export function bleuStatistics(
  hypotheses: readonly string[],
  referenceStreams: ReferenceStreams,
  options: Pick<BleuOptions, 'lowercase' | 'tokenize' | 'maxNgramOrder'> = {},
): BleuStatistics {
  const { lowercase, tokenize, maxNgramOrder } = resolveBleuOptions(options, false);
  validateCorpus(hypotheses, referenceStreams);
  const width = 2 + 2 * maxNgramOrder;
  const values = new Float64Array(hypotheses.length * width);
  let nrefs: number | 'var' | undefined;
  const references: string[][] = [];
  const counter = new SegmentStatisticsCounter(maxNgramOrder);
  for (let i = 0; i < hypotheses.length; i++) {
    references.length = 0;
    for (const stream of referenceStreams) {
      const reference = stream[i];
      if (reference !== null && reference !== undefined) {
        references.push(bleuTokens(reference, lowercase, tokenize));
      }
    }
    if (references.length === 0) {
      throw new InvalidArgumentError({
        argument: 'referenceStreams',
        value: i,
        message: `sentence ${i} has no reference (every stream holds null or undefined there).`,
      });
    }
    if (nrefs === undefined) nrefs = references.length;
    else if (nrefs !== references.length) nrefs = 'var';
    const hypothesis = bleuTokens(hypotheses[i]!, lowercase, tokenize);
    counter.write(hypothesis, references, values, i * width);
  }
  return {
    count: hypotheses.length,
    maxNgramOrder,
    width,
    values,
    nrefs: nrefs ?? 0,
    lowercase,
    tokenize,
  };
}

/** Column sums of the rows (all rows, or the given row indices with repetition). */
export function sumBleuStatistics(statistics: BleuStatistics, rows?: ArrayLike<number>): Float64Array {
  const { width, values } = statistics;
  const sums = new Float64Array(width);
  const count = rows === undefined ? statistics.count : rows.length;
  for (let r = 0; r < count; r++) {
    const offset = (rows === undefined ? r : rows[r]!) * width;
    for (let c = 0; c < width; c++) sums[c]! += values[offset + c]!;
  }
  return sums;
}

function validateCorpus(hypotheses: readonly string[], referenceStreams: ReferenceStreams): void {
  if (!Array.isArray(hypotheses) || hypotheses.length === 0) {
    throw new InvalidArgumentError({
      argument: 'hypotheses',
      value: hypotheses,
      message: 'expected a non-empty array of strings.',
    });
  }
  for (let i = 0; i < hypotheses.length; i++) {
    if (typeof hypotheses[i] !== 'string') {
      throw new InvalidArgumentError({
        argument: `hypotheses[${i}]`,
        value: hypotheses[i],
        message: 'expected a string.',
      });
    }
  }
  if (!Array.isArray(referenceStreams) || referenceStreams.length === 0) {
    throw new InvalidArgumentError({
      argument: 'referenceStreams',
      value: referenceStreams,
      message:
        'expected a non-empty array of reference streams (referenceStreams[k][i] = k-th reference of sentence i).',
    });
  }
  referenceStreams.forEach((stream, k) => {
    // sacreBLEU zips and silently truncates to the shortest stream; a length mismatch is almost always
    // a bug in the caller, so it is refused here.
    if (!Array.isArray(stream) || stream.length !== hypotheses.length) {
      throw new InvalidArgumentError({
        argument: `referenceStreams[${k}]`,
        value: Array.isArray(stream) ? stream.length : stream,
        message: `expected ${hypotheses.length} references (one per hypothesis), got ${
          Array.isArray(stream) ? stream.length : typeof stream
        }. Pass references as streams: referenceStreams[k][i] is the k-th reference of sentence i.`,
      });
    }
    for (let i = 0; i < stream.length; i++) {
      const reference = stream[i];
      if (reference !== null && reference !== undefined && typeof reference !== 'string') {
        throw new InvalidArgumentError({
          argument: `referenceStreams[${k}][${i}]`,
          value: reference,
          message: 'expected a string, null or undefined.',
        });
      }
    }
  });
}

/**
 * Computes sentence rows (`BLEU._compute_segment_statistics`). Counting n-grams dominates BLEU's cost,
 * so n-grams are packed into numbers rather than joined into strings: tokens are interned once per
 * corpus, renumbered 1…V per sentence (hypothesis and references together), and an n-gram becomes its
 * digits in base V + 1 — unique across orders because no digit is 0. The reference counts live in a
 * reused open-addressing table (no allocation per sentence). When (V + 1)^N exceeds 2^53 (a sentence
 * with thousands of distinct tokens) the row falls back to space-joined string keys in a Map.
 */
export class SegmentStatisticsCounter {
  readonly #ids = new Map<string, number>();
  #stamp = new Int32Array(64);
  #local = new Int32Array(64);
  #generation = 0;
  readonly #maxNgramOrder: number;

  constructor(maxNgramOrder: number) {
    this.#maxNgramOrder = maxNgramOrder;
  }

  /** Writes `[hypLen, refLen, correct_1…N, total_1…N]` of one sentence at `out[offset]`. */
  write(
    hypothesis: readonly string[],
    references: readonly (readonly string[])[],
    out: Float64Array,
    offset: number,
  ): void {
    const order = this.#maxNgramOrder;
    out[offset] = hypothesis.length;
    out[offset + 1] = closestReferenceLength(hypothesis.length, references);
    this.#generation++;
    let vocabulary = 0;
    const renumber = (tokens: readonly string[]): Float64Array => {
      const local = new Float64Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        let id = this.#ids.get(token);
        if (id === undefined) {
          id = this.#ids.size;
          this.#ids.set(token, id);
          if (id >= this.#stamp.length) this.#grow();
        }
        if (this.#stamp[id] !== this.#generation) {
          this.#stamp[id] = this.#generation;
          this.#local[id] = ++vocabulary;
        }
        local[i] = this.#local[id]!;
      }
      return local;
    };
    const hypothesisIds = renumber(hypothesis);
    const referenceIds = references.map(renumber);
    const base = vocabulary + 1;
    if (base ** order > 2 ** 53) {
      writeMatchesWithStringKeys(hypothesis, references, order, out, offset);
      return;
    }

    // The tables are shared by every counter: write() is synchronous, so no two rows interleave.
    const counts = sharedCounts;
    counts.reset(ngramCount(referenceIds[0]!.length, order));
    addNgrams(referenceIds[0]!, order, base, counts);
    for (let r = 1; r < referenceIds.length; r++) {
      // Several references: each n-gram counts as often as in the reference that has it most often.
      const scratch = sharedScratch;
      scratch.reset(ngramCount(referenceIds[r]!.length, order));
      addNgrams(referenceIds[r]!, order, base, scratch);
      for (let slot = 0; slot < scratch.used.length; slot++) {
        const key = scratch.used[slot]!;
        const count = scratch.get(key);
        if (count > counts.get(key)) counts.set(key, count);
      }
    }

    // Clipped matches: each hypothesis n-gram consumes one of the reference's occurrences, which sums
    // to min(hypothesis count, reference count) per n-gram without building the hypothesis counter.
    const keys = hypothesisIds.slice();
    const length = hypothesisIds.length;
    for (let n = 1; n <= order; n++) {
      const ngrams = length - n + 1;
      let correct = 0;
      for (let i = 0; i < ngrams; i++) {
        if (n > 1) keys[i] = keys[i]! * base + hypothesisIds[i + n - 1]!;
        if (counts.take(keys[i]!)) correct++;
      }
      out[offset + 1 + n] = correct;
      out[offset + 1 + order + n] = ngrams > 0 ? ngrams : 0;
    }
  }

  #grow(): void {
    const stamp = new Int32Array(this.#stamp.length * 2);
    stamp.set(this.#stamp);
    this.#stamp = stamp;
    const local = new Int32Array(this.#local.length * 2);
    local.set(this.#local);
    this.#local = local;
  }
}

function ngramCount(tokens: number, order: number): number {
  let count = 0;
  for (let n = 1; n <= order; n++) count += Math.max(0, tokens - n + 1);
  return count;
}

function addNgrams(ids: Float64Array, order: number, base: number, table: NgramTable): void {
  // Keys are built in place, order by order: key_n(i) = key_{n-1}(i) · base + id(i + n − 1).
  const keys = ids.slice();
  for (let n = 1; n <= order; n++) {
    const ngrams = ids.length - n + 1;
    for (let i = 0; i < ngrams; i++) {
      if (n > 1) keys[i] = keys[i]! * base + ids[i + n - 1]!;
      table.increment(keys[i]!);
    }
  }
}

/**
 * Counts keyed by non-negative integers below 2^53: linear probing over a power-of-two table at most
 * half full, emptied in O(1) by bumping a generation stamp.
 */
class NgramTable {
  #keys = new Float64Array(64);
  #counts = new Int32Array(64);
  #stamps = new Int32Array(64);
  #mask = 63;
  #generation = 1;
  /** Keys inserted since the last reset, in insertion order. */
  used: number[] = [];

  reset(capacity: number): void {
    let size = this.#keys.length;
    while (size < 2 * capacity) size *= 2;
    if (size !== this.#keys.length) {
      this.#keys = new Float64Array(size);
      this.#counts = new Int32Array(size);
      this.#stamps = new Int32Array(size);
      this.#mask = size - 1;
      this.#generation = 0;
    }
    this.#generation++;
    this.used.length = 0;
  }

  #slot(key: number): number {
    // Mix both 32-bit halves (keys may exceed 2^32); ToUint32 of an integer is its value mod 2^32.
    const high = Math.floor(key / 4294967296);
    let slot = Math.imul((key >>> 0) ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0;
    slot = (slot ^ (slot >>> 15)) & this.#mask;
    while (this.#stamps[slot] === this.#generation && this.#keys[slot] !== key)
      slot = (slot + 1) & this.#mask;
    return slot;
  }

  get(key: number): number {
    const slot = this.#slot(key);
    return this.#stamps[slot] === this.#generation ? this.#counts[slot]! : 0;
  }

  set(key: number, count: number): void {
    const slot = this.#slot(key);
    if (this.#stamps[slot] !== this.#generation) {
      this.#stamps[slot] = this.#generation;
      this.#keys[slot] = key;
      this.used.push(key);
    }
    this.#counts[slot] = count;
  }

  increment(key: number): void {
    const slot = this.#slot(key);
    if (this.#stamps[slot] === this.#generation) {
      this.#counts[slot]!++;
    } else {
      this.#stamps[slot] = this.#generation;
      this.#keys[slot] = key;
      this.#counts[slot] = 1;
      this.used.push(key);
    }
  }

  /** Uses up one occurrence of `key`; false when none is left. */
  take(key: number): boolean {
    const slot = this.#slot(key);
    if (this.#stamps[slot] !== this.#generation || this.#counts[slot] === 0) return false;
    this.#counts[slot]!--;
    return true;
  }
}

const sharedCounts = new NgramTable();
const sharedScratch = new NgramTable();

/** The same counts with tokens joined by a space as keys (unambiguous: tokens hold no whitespace). */
function writeMatchesWithStringKeys(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  order: number,
  out: Float64Array,
  offset: number,
): void {
  const referenceCounts = new Map<string, number>();
  countStringNgrams(references[0]!, order, referenceCounts);
  for (let r = 1; r < references.length; r++) {
    const counts = new Map<string, number>();
    countStringNgrams(references[r]!, order, counts);
    for (const [ngram, count] of counts) {
      if (count > (referenceCounts.get(ngram) ?? 0)) referenceCounts.set(ngram, count);
    }
  }
  const keys = hypothesis.slice();
  for (let n = 1; n <= order; n++) {
    const ngrams = hypothesis.length - n + 1;
    let correct = 0;
    for (let i = 0; i < ngrams; i++) {
      if (n > 1) keys[i] = `${keys[i]} ${hypothesis[i + n - 1]}`;
      const remaining = referenceCounts.get(keys[i]!);
      if (remaining !== undefined && remaining > 0) {
        correct++;
        referenceCounts.set(keys[i]!, remaining - 1);
      }
    }
    out[offset + 1 + n] = correct;
    out[offset + 1 + order + n] = ngrams > 0 ? ngrams : 0;
  }
}

function countStringNgrams(tokens: readonly string[], order: number, counts: Map<string, number>): void {
  const keys = tokens.slice();
  for (let n = 1; n <= order; n++) {
    const ngrams = tokens.length - n + 1;
    for (let i = 0; i < ngrams; i++) {
      if (n > 1) keys[i] = `${keys[i]} ${tokens[i + n - 1]}`;
      counts.set(keys[i]!, (counts.get(keys[i]!) ?? 0) + 1);
    }
  }
}

/** sacreBLEU's `_get_closest_ref_len`: the nearest length, the shorter one on a tie. */
function closestReferenceLength(
  hypothesisLength: number,
  references: readonly (readonly string[])[],
): number {
  let closestDifference = -1;
  let closestLength = -1;
  for (const reference of references) {
    const difference = Math.abs(hypothesisLength - reference.length);
    if (closestDifference === -1 || difference < closestDifference) {
      closestDifference = difference;
      closestLength = reference.length;
    } else if (difference === closestDifference && reference.length < closestLength) {
      closestLength = reference.length;
    }
  }
  return closestLength;
}
