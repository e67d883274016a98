/** One `addIfNovel` decision whose deciding similarity fell near the threshold. */
export interface NearThresholdPair {
  /** Position of the vector among all vectors ever passed to `addIfNovel` on this index (0-based). */
  sequence: number;
  /** Whether the vector was kept. */
  kept: boolean;
  /** The id it got when kept, else `null`. */
  id: number | null;
  /** The kept item it was compared with: its duplicate when rejected, its most similar item when kept. */
  neighborId: number;
  similarity: number;
}

/** What `nearThresholdPairs` returns. */
export interface NearThresholdReport {
  threshold: number;
  margin: number;
  /** Near-threshold decisions seen (within the recording margin), including those not sampled. */
  seen: number;
  /** Of `seen`, how many fall within `margin` — an estimate when the sample is not complete. */
  withinMargin: number;
  /** A uniform random sample of the near-threshold decisions within `margin`, sorted by sequence. */
  pairs: NearThresholdPair[];
}

/**
 * Keeps a bounded uniform sample (reservoir sampling, seeded so runs repeat) of near-threshold decisions:
 * a human reading a few hundred of them can tell whether the threshold is right, and a sample is more
 * telling than the first or the closest few.
 */
export class NearThresholdAudit {
  readonly margin: number;
  readonly limit: number;
  #seen = 0;
  #pairs: NearThresholdPair[] = [];
  #random: number;

  constructor(
    margin: number,
    limit: number,
    state?: { seen: number; pairs: NearThresholdPair[]; random: number },
  ) {
    this.margin = margin;
    this.limit = limit;
    this.#random = state?.random ?? 0x9e3779b9;
    if (state) {
      this.#seen = state.seen;
      this.#pairs = state.pairs.slice(0, limit);
    }
  }

  record(pair: NearThresholdPair): void {
    this.#seen++;
    if (this.#pairs.length < this.limit) {
      this.#pairs.push(pair);
      return;
    }
    const slot = Math.floor(this.#next() * this.#seen);
    if (slot < this.limit) this.#pairs[slot] = pair;
  }

  report(threshold: number, margin: number): NearThresholdReport {
    const pairs = this.#pairs
      .filter((pair) => Math.abs(pair.similarity - threshold) <= margin)
      .sort((a, b) => a.sequence - b.sequence);
    const sampled = this.#pairs.length;
    const withinMargin =
      sampled === this.#seen ? pairs.length : Math.round((pairs.length / Math.max(1, sampled)) * this.#seen);
    return { threshold, margin, seen: this.#seen, withinMargin, pairs };
  }

  state(): { seen: number; pairs: NearThresholdPair[]; random: number } {
    return { seen: this.#seen, pairs: this.#pairs.map((pair) => ({ ...pair })), random: this.#random };
  }

  // mulberry32: tiny, seedable, good enough to pick reservoir slots.
  #next(): number {
    this.#random = (this.#random + 0x6d2b79f5) | 0;
    let t = this.#random;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
