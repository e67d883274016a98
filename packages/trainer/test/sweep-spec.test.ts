import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { expandSweep, parseSweepSpec, sweepGridPresets, sweepRunId } from '../src/sweep/index.js';

const baseDir = path.resolve('/tmp/tonekit-sweep-spec');

function sweepFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    outputDir: 'sweeps/table-3',
    base: {
      backend: 'local',
      baseModel: 'meta-llama/Llama-3.2-1B-Instruct',
      dataset: { path: 'data/tone' },
    },
    grid: 'seed-a-table-3',
    ...overrides,
  };
}

/** The error a call throws, checked to be an InvalidArgumentError. */
function invalidArgument(call: () => unknown): InvalidArgumentError {
  try {
    call();
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an InvalidArgumentError, but nothing was thrown');
}

describe('parseSweepSpec', () => {
  it('normalizes a hand-written grid: subset numbers, learning rates written as strings, defaults', () => {
    const spec = parseSweepSpec(
      sweepFile({
        model: 'Llama 3.2 1B',
        grid: {
          rank: [32, 64],
          learningRate: ['2e-4', 1e-3],
          precision: 'int8',
          subset: [1000, 'train-9000', 'train'],
        },
      }),
      { baseDir },
    );
    expect(spec).toEqual({
      name: 'table-3',
      model: 'Llama 3.2 1B',
      outputDir: path.join(baseDir, 'sweeps/table-3'),
      base: {
        backend: 'local',
        baseModel: 'meta-llama/Llama-3.2-1B-Instruct',
        dataset: { path: 'data/tone' },
      },
      grid: {
        rank: [32, 64],
        learningRate: [2e-4, 1e-3],
        precision: ['int8'],
        subset: ['train-1000', 'train-9000', 'train'],
      },
      evaluation: { metricsPath: 'eval/metrics.json' },
      baseDir,
    });
    const runs = expandSweep(spec);
    expect(runs.map((run) => run.id)).toEqual([
      'r32-lr2e-4-int8-n1000',
      'r32-lr2e-4-int8-n9000',
      'r32-lr2e-4-int8-full',
      'r32-lr1e-3-int8-n1000',
      'r32-lr1e-3-int8-n9000',
      'r32-lr1e-3-int8-full',
      'r64-lr2e-4-int8-n1000',
      'r64-lr2e-4-int8-n9000',
      'r64-lr2e-4-int8-full',
      'r64-lr1e-3-int8-n1000',
      'r64-lr1e-3-int8-n9000',
      'r64-lr1e-3-int8-full',
    ]);
  });

  it('expands the seed-a-table-3 preset into the paper’s 72 runs, each with its own folder and full spec', () => {
    const spec = parseSweepSpec(sweepFile(), { baseDir });
    expect(spec.grid).toEqual(sweepGridPresets['seed-a-table-3']);
    const runs = expandSweep(spec);
    expect(runs).toHaveLength(3 * 3 * 2 * 4);
    const ids = runs.map((run) => run.id);
    expect(new Set(ids).size).toBe(72);
    expect(new Set(runs.map((run) => run.outputDir)).size).toBe(72);
    expect(runs.map((run) => run.index)).toEqual([...Array(72).keys()]);
    // Table 6's row order: precision, rank, learning rate, subset.
    expect(ids.slice(0, 5)).toEqual([
      'r32-lr1e-4-bf16-n100',
      'r32-lr1e-4-bf16-n1000',
      'r32-lr1e-4-bf16-n5000',
      'r32-lr1e-4-bf16-n9000',
      'r32-lr2e-4-bf16-n100',
    ]);
    expect(ids[35]).toBe('r64-lr1e-3-bf16-n9000');
    expect(ids[36]).toBe('r32-lr1e-4-int8-n100');
    expect(ids[71]).toBe('r64-lr1e-3-int8-n9000');
    for (const precision of ['bf16', 'int8']) {
      expect(runs.filter((run) => run.settings.precision === precision)).toHaveLength(36);
    }
    for (const subset of ['train-100', 'train-1000', 'train-5000', 'train-9000']) {
      expect(runs.filter((run) => run.spec.dataset.split === subset)).toHaveLength(18);
    }

    const run = runs.find((candidate) => candidate.id === 'r48-lr2e-4-int8-n5000');
    expect(run?.settings).toEqual({ rank: 48, learningRate: 2e-4, precision: 'int8', subset: 'train-5000' });
    expect(run?.outputDir).toBe(path.join(baseDir, 'sweeps/table-3/runs/r48-lr2e-4-int8-n5000'));
    expect(run?.spec.name).toBe('r48-lr2e-4-int8-n5000');
    expect(run?.spec.outputDir).toBe(run?.outputDir);
    expect(run?.spec.dataset).toEqual({
      path: path.join(baseDir, 'data/tone'),
      split: 'train-5000',
      answerColumn: 'conversational_answer',
    });
    // r = alpha, as in the paper, and the paper's other defaults filled by parseTrainSpec.
    expect(run?.spec.local).toMatchObject({
      rank: 48,
      alpha: 48,
      learningRate: 2e-4,
      precision: 'int8',
      dropout: 0.2,
      epochs: 5,
      microBatchSize: 16,
      gradientAccumulationSteps: 2,
    });
    // The same spec expands to the same runs, so a resumed sweep finds them again.
    expect(expandSweep(spec).map((again) => again.id)).toEqual(ids);
  });

  it('lets a preset be narrowed, keeps an explicit alpha, and prefixes a base name', () => {
    const spec = parseSweepSpec(
      sweepFile({
        base: {
          name: 'tone',
          backend: 'local',
          baseModel: 'meta-llama/Llama-3.2-1B-Instruct',
          dataset: 'data/tone',
          local: { alpha: 16, epochs: 2 },
        },
        grid: { preset: 'seed-a-table-3', precision: ['int8'], subset: [1000] },
      }),
      { baseDir },
    );
    const runs = expandSweep(spec);
    expect(runs).toHaveLength(9);
    expect(runs[0]?.id).toBe('r32-lr1e-4-int8-n1000');
    expect(runs[0]?.spec.name).toBe('tone-r32-lr1e-4-int8-n1000');
    expect(runs[8]?.spec.local).toMatchObject({ rank: 64, alpha: 16, epochs: 2, learningRate: 1e-3 });
  });

  it('names only the axes a grid lists in run ids', () => {
    expect(sweepRunId({ rank: 32, learningRate: 2e-4, precision: 'bf16', subset: 'train-1000' })).toBe(
      'r32-lr2e-4-bf16-n1000',
    );
    expect(sweepRunId({ learningRate: 3.5e-5 })).toBe('lr3.5e-5');
    expect(sweepRunId({ subset: 'train' })).toBe('full');
    const spec = parseSweepSpec(sweepFile({ grid: { subset: [100, 1000] } }), { baseDir });
    expect(expandSweep(spec).map((run) => run.id)).toEqual(['n100', 'n1000']);
  });

  it('allows an openai sweep over subsets only', () => {
    const openai = {
      backend: 'openai',
      baseModel: 'gpt-4o-mini-2024-07-18',
      dataset: { path: 'data/tone' },
    };
    const spec = parseSweepSpec(sweepFile({ base: openai, grid: { subset: [100, 1000] } }), { baseDir });
    const runs = expandSweep(spec);
    expect(runs.map((run) => [run.id, run.spec.openai.suffix])).toEqual([
      ['n100', 'n100'],
      ['n1000', 'n1000'],
    ]);
    const error = invalidArgument(() =>
      parseSweepSpec(sweepFile({ base: openai, grid: { rank: [32], subset: [100] } }), { baseDir }),
    );
    expect(error.argument).toBe('grid.rank');
    expect(error.message).toContain('local backend only');
  });

  it.each([
    [{ outputDir: undefined }, 'outputDir', /missing; expected a non-empty string/],
    [{ grid: undefined }, 'grid', /missing; give lists/],
    [
      { grid: 'seed-a-table-4' },
      'grid',
      /"seed-a-table-4" is not a grid preset; known presets: seed-a-table-3/,
    ],
    [{ grid: { rank: [32, 0] } }, 'grid.rank[1]', /0 is not valid; expected positive integers/],
    [{ grid: { rank: [32, 32] } }, 'grid.rank[1]', /listed twice/],
    [{ grid: { learningRate: [] } }, 'grid.learningRate', /is empty/],
    [
      { grid: { learningRate: ['fast'] } },
      'grid.learningRate[0]',
      /"fast" is not valid; expected positive numbers/,
    ],
    [{ grid: { precision: ['bfloat16'] } }, 'grid.precision[0]', /expected bf16, int8, fp32/],
    [{ grid: { subset: [0] } }, 'grid.subset[0]', /0 is not valid/],
    [{ grid: { ranks: [32] } }, 'grid.ranks', /is not a known field/],
    [{ grid: {} }, 'grid', /lists no values/],
    [{ backend: 'local' }, 'backend', /`backend` belongs under `base`/],
    [
      { evaluation: { metricsPath: '/abs/metrics.json' } },
      'evaluation.metricsPath',
      /every run would read the same file/,
    ],
    [{ evaluation: { metrics: 'x' } }, 'evaluation.metrics', /is not a known field/],
  ])('rejects %j naming %s', (overrides, argument, message) => {
    const file = sweepFile(overrides);
    for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete file[key];
    const error = invalidArgument(() => parseSweepSpec(file, { baseDir }));
    expect(error.argument).toBe(argument);
    expect(error.message).toMatch(message);
  });

  it('rejects base fields that the sweep sets itself', () => {
    const withOutputDir = invalidArgument(() =>
      parseSweepSpec(
        sweepFile({ base: { backend: 'local', baseModel: 'm', dataset: 'd', outputDir: 'runs/x' } }),
        { baseDir },
      ),
    );
    expect(withOutputDir.argument).toBe('base.outputDir');
    expect(withOutputDir.message).toContain('<outputDir>/runs/<run id>');

    const withRank = invalidArgument(() =>
      parseSweepSpec(
        sweepFile({ base: { backend: 'local', baseModel: 'm', dataset: 'd', local: { rank: 8 } } }),
        {
          baseDir,
        },
      ),
    );
    expect(withRank.argument).toBe('base.local.rank');
    expect(withRank.message).toContain('is set by `grid.rank`');

    const withSplit = invalidArgument(() =>
      parseSweepSpec(
        sweepFile({ base: { backend: 'local', baseModel: 'm', dataset: { path: 'd', split: 'train-100' } } }),
        { baseDir },
      ),
    );
    expect(withSplit.argument).toBe('base.dataset.split');
  });

  it('reports invalid training fields in sweep-file terms, naming the first run', () => {
    const epochs = invalidArgument(() =>
      parseSweepSpec(
        sweepFile({ base: { backend: 'local', baseModel: 'm', dataset: 'd', local: { epochs: 0 } } }),
        { baseDir },
      ),
    );
    expect(epochs.argument).toBe('base.local.epochs');
    expect(epochs.message).toBe(
      'Invalid argument `base.local.epochs`: base.local.epochs must be a positive integer, got 0 (run r32-lr1e-4-bf16-n100).',
    );
    expect(InvalidArgumentError.isInstance(epochs.cause)).toBe(true);

    const typo = invalidArgument(() =>
      parseSweepSpec(
        sweepFile({ base: { backend: 'local', baseModel: 'm', dataset: 'd', local: { epoch: 3 } } }),
        { baseDir },
      ),
    );
    expect(typo.argument).toBe('base.local.epoch');
    expect(typo.message).toContain('did you mean local.epochs?');

    const noBackend = invalidArgument(() =>
      parseSweepSpec(sweepFile({ base: { baseModel: 'm', dataset: 'd' } }), { baseDir }),
    );
    expect(noBackend.argument).toBe('base.backend');
  });
});
