import type { SweepGrid } from './sweep-spec.js';

export type SweepGridPresetName = 'seed-a-table-3';

/**
 * Named grids a sweep file can use as `grid: <name>` (or `grid: {preset: <name>, ...overrides}`).
 *
 * `seed-a-table-3`: the hyper-parameter grid of seed A (Marquardt & Brule, Restack, 2025, Table 3),
 * 3 ranks × 3 learning rates × 2 base precisions × 4 nested train subsets = 72 runs; the paper's
 * Table 6 reports every one of them. Frozen, because a preset that a caller could edit in place would
 * silently change every later sweep of the process.
 */
export const sweepGridPresets: Readonly<Record<SweepGridPresetName, Readonly<Required<SweepGrid>>>> =
  deepFreeze({
    'seed-a-table-3': {
      rank: [32, 48, 64],
      learningRate: [1e-4, 2e-4, 1e-3],
      precision: ['bf16', 'int8'],
      subset: ['train-100', 'train-1000', 'train-5000', 'train-9000'],
    },
  });

function deepFreeze<T extends Record<string, Required<SweepGrid>>>(presets: T): T {
  for (const grid of Object.values(presets)) {
    for (const values of Object.values(grid)) Object.freeze(values);
    Object.freeze(grid);
  }
  return Object.freeze(presets);
}
