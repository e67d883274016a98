import { describe, expect, it } from 'vitest';
import type { EvaluationMetrics, RunDescription } from '../../src/evaluation-metrics.js';
import { describeConfiguration } from '../../src/report/describe-configuration.js';
import { blendPoints, groupBlendRuns } from '../../src/report/group-blend-runs.js';
import { groupSweepRuns } from '../../src/report/group-sweep-runs.js';
import { matchPaperSweepLine, matchPaperSweepRows } from '../../src/report/match-paper-sweep-rows.js';
import type { SeedASweepRow } from '../../src/report/paper-references.js';
import { selectHeadlineRuns } from '../../src/report/select-headline-runs.js';

function run(
  label: string,
  description: Omit<RunDescription, 'label'>,
  metrics: EvaluationMetrics['metrics'],
  count = 100,
): EvaluationMetrics {
  return { schemaVersion: 1, run: { label, ...description }, count, metrics, settings: {} };
}

const conversational = (value: number) => ({ conversationalPercent: { value } });

describe('describeConfiguration', () => {
  it('labels a configuration and keys spellings of the same precision alike', () => {
    const a = describeConfiguration('Llama 3.2 1B', {
      precision: 'bf16',
      loraRank: 32,
      learningRate: 0.0002,
    });
    const b = describeConfiguration('llama-3.2-1b', {
      precision: 'bfloat16',
      loraRank: 32,
      learningRate: 2e-4,
    });
    expect(a.label).toBe('Llama 3.2 1B · bf16 · r32 · lr 2e-4');
    expect(a.key).toBe(b.key);
    expect(describeConfiguration('gpt-4o-mini', undefined).label).toBe('gpt-4o-mini');
  });
});

describe('selectHeadlineRuns', () => {
  it('takes the fine-tune with the most samples, then the best; the strongest base', () => {
    const selections = selectHeadlineRuns([
      run('m base plain', { model: 'M', variant: 'base' }, conversational(20)),
      run('m base prompted', { model: 'M', variant: 'base' }, conversational(30)),
      run('m ft 1000', { model: 'M', variant: 'fine-tuned', trainingSamples: 1000 }, conversational(99)),
      run('m ft 9000 a', { model: 'M', variant: 'fine-tuned', trainingSamples: 9000 }, conversational(90)),
      run('m ft 9000 b', { model: 'M', variant: 'fine-tuned', trainingSamples: 9000 }, conversational(95)),
      run('n ft', { model: 'N', variant: 'fine-tuned', trainingSamples: 100 }, conversational(50)),
      run('n no metric', { model: 'N', variant: 'base' }, { similarity: { value: 0.8 } }),
      run('blend', { model: 'M', variant: 'blend', blend: { name: 'b', alpha: 0 } }, conversational(1)),
    ]);
    expect(
      selections.map((selection) => [
        selection.model,
        selection.base?.run.label,
        selection.fineTuned?.run.label,
      ]),
    ).toEqual([
      ['M', 'm base prompted', 'm ft 9000 b'],
      ['N', undefined, 'n ft'],
    ]);
  });
});

describe('groupSweepRuns', () => {
  const int8 = { precision: 'int8', loraRank: 32, learningRate: 0.0002 };
  const bf16 = { precision: 'bf16', loraRank: 32, learningRate: 0.0002 };
  const runs = [
    run('base', { model: 'L', variant: 'base', trainingSamples: 0 }, conversational(30)),
    run(
      'base int8',
      { model: 'L', variant: 'base', trainingSamples: 0, configuration: { precision: 'int8' } },
      conversational(20),
    ),
    run(
      'int8 100',
      { model: 'L', variant: 'fine-tuned', trainingSamples: 100, configuration: int8 },
      conversational(50),
    ),
    run(
      'int8 1000',
      { model: 'L', variant: 'fine-tuned', trainingSamples: 1000, configuration: int8 },
      conversational(90),
    ),
    run(
      'bf16 1000',
      { model: 'L', variant: 'fine-tuned', trainingSamples: 1000, configuration: bf16 },
      conversational(80),
    ),
    run(
      'bf16 1000 again',
      { model: 'L', variant: 'fine-tuned', trainingSamples: 1000, configuration: bf16 },
      conversational(85),
      50,
    ),
    run('no samples', { model: 'L', variant: 'fine-tuned', configuration: int8 }, conversational(1)),
    run('other model', { model: 'G', variant: 'fine-tuned', trainingSamples: 9000 }, conversational(97)),
  ];

  it('draws one line per configuration, each starting from the base run that fits it', () => {
    const { lines, withoutTrainingSamples } = groupSweepRuns(runs, 'conversationalPercent');
    expect(
      lines.map((line) => [
        line.label,
        line.points.map((point) => [point.trainingSamples, point.run.run.label, point.fromBase]),
      ]),
    ).toEqual([
      ['G', [[9000, 'other model', false]]],
      [
        'L · bf16 · r32 · lr 2e-4',
        [
          [0, 'base', true],
          [1000, 'bf16 1000 again', false],
        ],
      ],
      [
        'L · int8 · r32 · lr 2e-4',
        [
          [0, 'base int8', true],
          [100, 'int8 100', false],
          [1000, 'int8 1000', false],
        ],
      ],
    ]);
    expect(withoutTrainingSamples.map((entry) => entry.run.label)).toEqual(['no samples']);
  });

  it('only uses runs that report the metric', () => {
    expect(groupSweepRuns(runs, 'similarity').lines).toEqual([]);
  });
});

describe('groupBlendRuns and blendPoints', () => {
  const blend = (
    label: string,
    alpha: number,
    testSet: string | undefined,
    metrics: EvaluationMetrics['metrics'],
  ) =>
    run(
      label,
      {
        model: 'B',
        variant: 'blend',
        blend: testSet === undefined ? { name: 'mix', alpha } : { name: 'mix', alpha, testSet },
      },
      metrics,
    );
  const runs = [
    blend('ed 1', 1, 'ED', { bleu: { value: 3 } }),
    blend('ed 0', 0, 'ED', { bleu: { value: 1 } }),
    blend('wow 0', 0, 'WoW', { bleu: { value: 2 } }),
    blend('ed 0 judge', 0, 'ED', { judgeAverage: { value: 6 } }),
    blend('none 0.5', 0.5, undefined, { wer: { value: 0.5 } }),
    run('not a blend', { model: 'B', variant: 'base' }, { bleu: { value: 9 } }),
  ];

  it('groups by blend name and test set, in order of first appearance, runs by α', () => {
    const groups = groupBlendRuns(runs);
    expect(groups.map((group) => [group.label, group.runs.map((entry) => entry.run.label)])).toEqual([
      ['mix · ED', ['ed 0', 'ed 0 judge', 'ed 1']],
      ['mix · WoW', ['wow 0']],
      ['mix', ['none 0.5']],
    ]);
  });

  it('gives one point per α for each metric, even when a mix is scored by several runs', () => {
    const [ed] = groupBlendRuns(runs);
    expect(
      blendPoints(ed!, 'bleu').map((point) => [point.alpha, point.run.run.label, point.aggregate.value]),
    ).toEqual([
      [0, 'ed 0', 1],
      [1, 'ed 1', 3],
    ]);
    expect(blendPoints(ed!, 'judgeAverage').map((point) => point.run.run.label)).toEqual(['ed 0 judge']);
  });
});

describe('matching the paper sweep', () => {
  const rows: SeedASweepRow[] = [
    {
      model: 'Llama 3.2 1B',
      precision: 'bfloat16',
      loraRank: 32,
      learningRate: 0.0001,
      trainingSamples: 0,
      conversationalPercent: 32.9,
      similarity: 0.79,
    },
    {
      model: 'Llama 3.2 1B',
      precision: 'int8',
      loraRank: 32,
      learningRate: 0.0001,
      trainingSamples: 0,
      conversationalPercent: 22,
      similarity: 0.79,
    },
    {
      model: 'Llama 3.2 1B',
      precision: 'bfloat16',
      loraRank: 32,
      learningRate: 0.0001,
      trainingSamples: 1000,
      conversationalPercent: 43.2,
      similarity: 0.81,
    },
    { model: 'gpt-4o-mini', trainingSamples: 1000, conversationalPercent: 96.9, similarity: 0.87 },
  ];

  it('matches a fine-tune on model, samples and every hyper-parameter, across spellings', () => {
    const matched = matchPaperSweepRows(
      {
        label: 'x',
        model: 'llama 3.2 1b',
        variant: 'fine-tuned',
        trainingSamples: 1000,
        configuration: { precision: 'bf16', loraRank: 32, learningRate: 1e-4 },
      },
      rows,
    );
    expect(matched.map((row) => row.conversationalPercent)).toEqual([43.2]);
    expect(
      matchPaperSweepRows(
        { label: 'x', model: 'gpt-4o-mini', variant: 'fine-tuned', trainingSamples: 1000 },
        rows,
      ),
    ).toHaveLength(1);
    expect(
      matchPaperSweepRows(
        {
          label: 'x',
          model: 'gpt-4o-mini',
          variant: 'fine-tuned',
          trainingSamples: 1000,
          configuration: { loraRank: 8 },
        },
        rows,
      ),
    ).toHaveLength(0);
  });

  it('matches a base run to every 0-samples row its hyper-parameters allow', () => {
    expect(matchPaperSweepRows({ label: 'x', model: 'Llama 3.2 1B', variant: 'base' }, rows)).toHaveLength(2);
    expect(
      matchPaperSweepRows(
        { label: 'x', model: 'Llama 3.2 1B', variant: 'base', configuration: { precision: 'int8' } },
        rows,
      ).map((row) => row.conversationalPercent),
    ).toEqual([22]);
  });

  it('finds the paper line of a configuration', () => {
    expect(
      matchPaperSweepLine(
        'Llama 3.2 1B',
        { precision: 'bfloat16', loraRank: 32, learningRate: 0.0001 },
        rows,
      ).map((row) => row.trainingSamples),
    ).toEqual([0, 1000]);
  });
});
