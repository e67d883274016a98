import { InvalidArgumentError } from '@tonekit/core';
import type { FleschHistogram } from '../evaluation-metrics.js';

export interface FleschHistogramOptions {
  /**
   * Bin edges, ascending; every score must lie within [first, last]. Default: bins of `binWidth`
   * covering 0–100 and extended by whole bins to every score (Flesch reading ease runs below 0 and
   * up to 121.22), so runs share edges and a report can overlay them.
   */
  edges?: readonly number[];
  /** Width of the default bins. Default 10. */
  binWidth?: number;
}

/** Histogram of Flesch scores: bin i holds edges[i] <= x < edges[i + 1]; the last bin is closed. */
export function fleschHistogram(
  scores: readonly number[],
  options: FleschHistogramOptions = {},
): FleschHistogram {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new InvalidArgumentError({
        argument: `scores[${i}]`,
        value: scores[i],
        message: 'expected a finite number.',
      });
    }
  }
  const edges = options.edges
    ? checkedEdges(options.edges, scores)
    : defaultEdges(scores, options.binWidth ?? 10);
  const counts = new Array<number>(edges.length - 1).fill(0);
  const last = edges.length - 1;
  for (const score of scores) {
    // Largest i with edges[i] <= score; the top edge belongs to the last bin.
    let low = 0;
    let high = last;
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (edges[middle]! <= score) low = middle;
      else high = middle;
    }
    counts[low]!++;
  }
  return { edges, counts };
}

function defaultEdges(scores: readonly number[], binWidth: number): number[] {
  if (!(Number.isFinite(binWidth) && binWidth > 0)) {
    throw new InvalidArgumentError({
      argument: 'options.binWidth',
      value: binWidth,
      message: 'expected a number > 0.',
    });
  }
  let low = 0;
  let high = Math.ceil(100 / binWidth);
  for (const score of scores) {
    low = Math.min(low, Math.floor(score / binWidth));
    high = Math.max(high, Math.ceil(score / binWidth));
  }
  if (high === low) high = low + 1;
  const edges: number[] = [];
  // Multiples of the width, not running sums, so 10-point edges stay whole numbers.
  for (let k = low; k <= high; k++) edges.push(k * binWidth);
  return edges;
}

function checkedEdges(edges: readonly number[], scores: readonly number[]): number[] {
  const valid =
    edges.length >= 2 && edges.every((edge, i) => Number.isFinite(edge) && (i === 0 || edge > edges[i - 1]!));
  if (!valid) {
    throw new InvalidArgumentError({
      argument: 'options.edges',
      value: edges,
      message: 'expected at least two finite, strictly ascending edges.',
    });
  }
  const first = edges[0]!;
  const last = edges[edges.length - 1]!;
  const outside = scores.findIndex((score) => score < first || score > last);
  if (outside >= 0) {
    throw new InvalidArgumentError({
      argument: 'options.edges',
      value: edges,
      message: `score ${scores[outside]} (response ${outside}) lies outside [${first}, ${last}]; widen the edges or omit them for automatic bins.`,
    });
  }
  return [...edges];
}
