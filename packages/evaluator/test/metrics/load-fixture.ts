import { readFileSync } from 'node:fs';

/** Reads a committed fixture of test/fixtures (written by scripts/generate-golden-metrics.py). */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export interface GoldenPair {
  id: string;
  hypothesis: string;
  reference: string;
}

export interface GoldenPairs {
  pairs: GoldenPair[];
  multiReference: { count: number; secondReferences: string[]; thirdReferences: (string | null)[] };
}

/** Absolute difference, or 0 when both are equal (incl. both infinite). */
export function difference(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b);
}

/** Park–Miller minimal standard generator (48271), exact in doubles: the generator script's `Lehmer`. */
export function lehmer(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return state;
  };
}
