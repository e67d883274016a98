import { InvalidArgumentError } from 'commander';

/** Commander argument parser for Flesch thresholds: any finite number, since FRE itself is unbounded. */
export function parseThreshold(value: string): number {
  const threshold = Number(value);
  if (value.trim() === '' || !Number.isFinite(threshold)) {
    throw new InvalidArgumentError('expected a number, such as 60.');
  }
  return threshold;
}
