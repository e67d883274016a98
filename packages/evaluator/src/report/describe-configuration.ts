import type { RunDescription } from '../evaluation-metrics.js';

export type RunConfiguration = NonNullable<RunDescription['configuration']>;

export interface ConfigurationDescription {
  /** Equal for runs of the same model and hyper-parameters, whatever their spelling ("bf16", "bfloat16"). */
  key: string;
  /** Legend text, e.g. "Llama 3.2 1B · int8 · r32 · lr 2e-4". */
  label: string;
}

/** Names one line of seed A Fig. 3/4: a model with one set of fine-tuning hyper-parameters. */
export function describeConfiguration(
  model: string,
  configuration: RunConfiguration | undefined,
): ConfigurationDescription {
  const { precision, loraRank, learningRate } = configuration ?? {};
  const label = [
    model,
    precision,
    loraRank === undefined ? undefined : `r${loraRank}`,
    learningRate === undefined ? undefined : `lr ${formatLearningRate(learningRate)}`,
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(' · ');
  const key = JSON.stringify([
    normalizeModel(model),
    precision === undefined ? null : normalizePrecision(precision),
    loraRank ?? null,
    learningRate ?? null,
  ]);
  return { key, label };
}

/** 0.0002 → "2e-4", as sweeps are usually written. */
export function formatLearningRate(learningRate: number): string {
  return learningRate.toExponential().replace('e+', 'e');
}

/** Model names compare case-, space-, dash- and underscore-insensitively ("gpt-4o-mini" = "GPT 4o mini"). */
export function normalizeModel(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

const precisionAliases: Record<string, string> = {
  bf16: 'bfloat16',
  fp16: 'float16',
  half: 'float16',
  fp32: 'float32',
  float: 'float32',
  '8bit': 'int8',
  'llm.int8': 'int8',
  '4bit': 'nf4',
};

/** One spelling per precision, so "bf16" runs meet the paper's "bfloat16" rows. */
export function normalizePrecision(precision: string): string {
  const lower = precision.trim().toLowerCase();
  return precisionAliases[lower] ?? lower;
}
