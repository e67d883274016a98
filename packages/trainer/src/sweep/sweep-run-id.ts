import type { SweepRunSettings } from './sweep-spec.js';

/**
 * The id of a run, from the grid values it sets: `r32-lr2e-4-bf16-n1000` (`full` for the whole train
 * split). Learning rates are printed as sweeps are written (0.0002 → `2e-4`); `toExponential()` keeps
 * every digit needed to tell two numbers apart, so distinct grid values never share an id.
 */
export function sweepRunId(settings: SweepRunSettings): string {
  const parts: string[] = [];
  if (settings.rank !== undefined) parts.push(`r${settings.rank}`);
  if (settings.learningRate !== undefined) {
    parts.push(`lr${settings.learningRate.toExponential().replace('e+', 'e')}`);
  }
  if (settings.precision !== undefined) parts.push(settings.precision);
  if (settings.subset !== undefined) {
    parts.push(settings.subset === 'train' ? 'full' : `n${settings.subset.slice('train-'.length)}`);
  }
  return parts.join('-');
}

/** The number of rows a split name promises (`train-1000` → 1000); undefined for the full split. */
export function subsetSize(split: string): number | undefined {
  const match = /^train-(\d+)$/.exec(split);
  return match ? Number(match[1]) : undefined;
}
