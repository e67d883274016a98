import type { EvaluationMetrics, MetricName } from '../../src/evaluation-metrics.js';
import type { PaperReferences } from '../../src/report/paper-references.js';

type Values = Partial<Record<MetricName, number>>;

/**
 * A small, hand-written set of runs shaped like the two papers' experiments. Values carry exactly the
 * decimals the report prints, so tests compare printed text with these numbers directly.
 */
export function fixtureRuns(): EvaluationMetrics[] {
  return [...seedARuns(), ...seedBRuns()];
}

function metrics(values: Values, withIntervals: boolean): EvaluationMetrics['metrics'] {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => {
      // A fixed-width interval so tests can check the bracketed numbers too.
      const half = name === 'conversationalPercent' ? 1.5 : 0.01;
      return [
        name,
        withIntervals
          ? {
              value,
              ci: { lower: value - half, upper: value + half, level: 0.95, resamples: 1000, seed: 7 },
            }
          : { value },
      ];
    }),
  );
}

const llama = 'Llama 3.2 1B';
const gpt = 'gpt-4o-mini';

export const sweepConfigurations = [
  { precision: 'int8', loraRank: 32, learningRate: 0.0002 },
  { precision: 'bfloat16', loraRank: 64, learningRate: 0.001 },
] as const;

/** [samples, % conversational, similarity] per configuration, in the order of `sweepConfigurations`. */
export const sweepValues: [number, number, number][][] = [
  [
    [100, 53.7, 0.82],
    [1000, 94.6, 0.85],
    [9000, 96.9, 0.85],
  ],
  [
    [100, 46.6, 0.82],
    [1000, 87.2, 0.84],
    [9000, 96.4, 0.86],
  ],
];

function seedARuns(): EvaluationMetrics[] {
  const settings = {
    conversationalThreshold: 60,
    readabilityMode: 'textstat-0.7.5',
    embedderModel: 'gte-modernbert-base',
  };
  const runs: EvaluationMetrics[] = [
    {
      schemaVersion: 1,
      run: { label: `${llama} · base`, model: llama, variant: 'base', trainingSamples: 0 },
      count: 1000,
      metrics: metrics({ conversationalPercent: 23.1, similarity: 0.79 }, true),
      settings,
    },
    {
      schemaVersion: 1,
      run: { label: `${gpt} · base`, model: gpt, variant: 'base', trainingSamples: 0 },
      count: 1000,
      metrics: metrics({ conversationalPercent: 29.4, similarity: 0.85 }, false),
      settings,
    },
    {
      schemaVersion: 1,
      run: { label: `${gpt} · 9,000 samples`, model: gpt, variant: 'fine-tuned', trainingSamples: 9000 },
      count: 1000,
      metrics: metrics({ conversationalPercent: 97.8, similarity: 0.87 }, false),
      settings,
    },
  ];
  for (const [index, configuration] of sweepConfigurations.entries()) {
    for (const [samples, conversationalPercent, similarity] of sweepValues[index]!) {
      runs.push({
        schemaVersion: 1,
        run: {
          label: `${llama} · ${configuration.precision} · r${configuration.loraRank} · ${configuration.learningRate} · ${samples} samples`,
          model: llama,
          variant: 'fine-tuned',
          trainingSamples: samples,
          configuration: { ...configuration },
        },
        count: 1000,
        metrics: metrics({ conversationalPercent, similarity }, true),
        settings,
      });
    }
  }
  return runs;
}

export const alphas = [0, 0.25, 0.5, 0.75, 1];
export const testSets = ['ED', 'WoW'] as const;
export const blendName = 'ED×WoW 1B';

/** Automatic metrics per test set and α: WER, ARL, BLEU, BERTScore F1, distinct-1, distinct-2, MATTR. */
export function blendValues(testSet: (typeof testSets)[number], alphaIndex: number): Values {
  const shift = testSet === 'ED' ? 0 : 0.5;
  return {
    wer: 7.4081 - alphaIndex * 1.5 - shift,
    averageResponseLength: 66.92 - alphaIndex * 13 - shift * 4,
    bleu: 0.36 + alphaIndex * 0.37 + shift,
    bertScoreF1: 0.8463 + alphaIndex * 0.0043 - shift / 100,
    distinct1: 0.0652 + alphaIndex * 0.005 + shift / 10,
    distinct2: 0.3123 + alphaIndex * 0.011 + shift / 10,
    mattr: 0.7012 + alphaIndex * 0.0101 - shift / 10,
  };
}

/** MT-Bench grades per α: turn 1, turn 2, average. */
export const judgeValues: [number, number, number][] = [
  [6.08, 5.29, 5.71],
  [5.76, 4.75, 5.25],
  [4.13, 3.19, 3.68],
  [3.89, 3.43, 3.66],
  [2.73, 2.29, 2.53],
];

function seedBRuns(): EvaluationMetrics[] {
  const runs: EvaluationMetrics[] = [];
  for (const testSet of testSets) {
    for (const [index, alpha] of alphas.entries()) {
      const values = blendValues(testSet, index);
      // Round to the printed decimals so the fixture is exactly what the report prints.
      const rounded: Values = Object.fromEntries(
        Object.entries(values).map(([name, value]) => [name, Number(value.toFixed(4))]),
      );
      runs.push({
        schemaVersion: 1,
        run: {
          label: `${blendName} · ${testSet} · α ${alpha}`,
          model: 'Llama 3.2 1B ED + WoW',
          variant: 'blend',
          blend: { name: blendName, alpha, testSet },
        },
        count: 500,
        metrics: metrics(rounded, alpha === 0.5),
        settings: {
          bleuSignature: 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0',
          bertScoreRescaled: false,
        },
      });
    }
  }
  for (const [index, alpha] of alphas.entries()) {
    const [judgeTurn1, judgeTurn2, judgeAverage] = judgeValues[index]!;
    runs.push({
      schemaVersion: 1,
      run: {
        label: `${blendName} · MT-Bench · α ${alpha}`,
        model: 'Llama 3.2 1B ED + WoW',
        variant: 'blend',
        blend: { name: blendName, alpha, testSet: 'MT-Bench' },
      },
      count: 80,
      metrics: metrics({ judgeTurn1, judgeTurn2, judgeAverage }, false),
      settings: { judgeModel: 'gpt-4o', judgeParseFailures: 0 },
    });
  }
  return runs;
}

/** A few rows of each paper table, enough to check that references land in the right places. */
export function fixtureReferences(): PaperReferences {
  return {
    seedAHeadline: [
      { model: 'gpt-4o-mini', variant: 'base', conversationalPercent: 29.4 },
      { model: 'gpt-4o-mini', variant: 'fine-tuned', conversationalPercent: 97.8 },
      { model: 'Llama 3.2 1B', variant: 'base', conversationalPercent: 23.1 },
      { model: 'Llama 3.2 1B', variant: 'fine-tuned', conversationalPercent: 97.4 },
      { model: 'gpt-4.1-mini', variant: 'base', conversationalPercent: 45.6 },
    ],
    seedASweep: [
      {
        model: 'Llama 3.2 1B',
        precision: 'int8',
        loraRank: 32,
        learningRate: 0.0002,
        trainingSamples: 0,
        conversationalPercent: 22.4,
        similarity: 0.79,
      },
      {
        model: 'Llama 3.2 1B',
        precision: 'int8',
        loraRank: 32,
        learningRate: 0.0002,
        trainingSamples: 1000,
        conversationalPercent: 94.6,
        similarity: 0.85,
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
    ],
    seedBAutomaticMetrics: [
      {
        modelSize: '1B',
        testSet: 'ED',
        mix: '0E-100W',
        alpha: 0,
        wer: 7.4081,
        averageResponseLength: 66.9165,
        bleu: 0.3623,
        bertScore: 0.8463,
      },
      {
        modelSize: '1B',
        testSet: 'ED',
        mix: '100E-0W',
        alpha: 1,
        wer: 1.4082,
        averageResponseLength: 11.5314,
        bleu: 1.8738,
        bertScore: 0.8634,
      },
      {
        modelSize: '3B',
        testSet: 'ED',
        mix: '0E-100W',
        alpha: 0,
        wer: 3.0905,
        averageResponseLength: 27.46,
        bleu: 0.7439,
        bertScore: 0.7961,
      },
    ],
    seedBLexical: [{ modelSize: '1B', testSet: 'WoW', mix: '50E-50W', alpha: 0.5, lexicalDiversity: 0.2167 }],
    seedBMtBench: [
      { modelSize: '1B', mix: '25E-75W', alpha: 0.25, turn1: 5.7563, turn2: 4.75, average: 5.2531 },
    ],
  };
}
