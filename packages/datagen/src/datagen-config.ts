import { createHash } from 'node:crypto';
import type { ChatModel, Embedder } from '@tonekit/core';
import { InvalidArgumentError } from '@tonekit/core';
import type { ReadSourceFilesOptions, SourceDocument } from '@tonekit/dataset';
import { REPHRASE_THRESHOLD, type ReadabilityMode } from '@tonekit/readability';
import { type DatagenPrompts, defaultPrompts } from './default-prompts.js';

/** Local source files (Parquet, JSONL, text), read with `readSourceFiles` and shuffled with `seed`. */
export interface DatagenFileSource
  extends Omit<ReadSourceFilesOptions, 'minCharacters' | 'seed' | 'abortSignal'> {
  files: string[];
}

export interface DatagenBudget {
  /** Stop once this many tokens (chat input + output, plus embedding tokens) were spent. */
  maxTokens?: number;
  /** Stop once the provider-reported cost reaches this many US dollars. */
  maxCostUsd?: number;
}

export interface DatagenConfig {
  /**
   * Chunks to generate from. An iterable is used in the order it yields (shuffle it yourself; it must
   * yield the same sequence again for a resume); `{files}` is shuffled with `seed`.
   */
  source: AsyncIterable<SourceDocument> | Iterable<SourceDocument> | DatagenFileSource;
  /** Folder of the checkpoint, `run.json` and the dataset folder (`<outputDir>/dataset`). */
  outputDir: string;
  /** QA pairs to keep. Default 10,000. */
  count?: number;
  /** Default 1,000. */
  validationSize?: number;
  /** Nested train subsets. Default [100, 1000, 5000, 9000]. */
  subsetSizes?: number[];
  /** Shorter chunks (Unicode code points) are skipped. Default 700. */
  minCharacters?: number;
  /** Seed of the source shuffle, the split and the model's sampler (best effort). Default 0. */
  seed?: number;
  /** Chunks in flight, hence model calls in flight. Default 16. */
  concurrency?: number;
  /** Flesch reading ease a rephrasing must reach. Default 75. */
  rephraseThreshold?: number;
  /** Simplification attempts after the first rephrase before the pair is discarded. Default 3. */
  maxSimplifications?: number;
  /** A question whose cosine similarity to a kept question is strictly above this is dropped. Default 0.8. */
  dedupThreshold?: number;
  /** Default 'textstat-0.7.11'. */
  readabilityMode?: ReadabilityMode;
  prompts?: Partial<DatagenPrompts>;
  budget?: DatagenBudget;
  /** Sampling temperature of every call; the provider's default when left out. */
  temperature?: number;
  /** Written into each record's `model`; default `<provider>/<modelId>` of the chat model. */
  modelName?: string;
  /** Default true: continue from `<outputDir>/checkpoint.jsonl` when it exists. False refuses to touch one. */
  resume?: boolean;
}

export interface ResolvedDatagenConfig {
  sourceDescription:
    | { kind: 'files'; files: string[]; options: Record<string, unknown> }
    | { kind: 'iterable' };
  outputDir: string;
  count: number;
  validationSize: number;
  subsetSizes: number[];
  minCharacters: number;
  seed: number;
  concurrency: number;
  rephraseThreshold: number;
  maxSimplifications: number;
  dedupThreshold: number;
  readabilityMode: ReadabilityMode;
  prompts: DatagenPrompts;
  budget: DatagenBudget;
  temperature: number | undefined;
  modelName: string;
  chatModel: string;
  embedder: string;
}

/**
 * Keys that change no per-chunk decision, so a resume may change them: raise the budget after a
 * budget stop, use more concurrency, ask for more pairs. Everything else is part of the config hash.
 */
const resumableKeys = new Set([
  'outputDir',
  'count',
  'validationSize',
  'subsetSizes',
  'concurrency',
  'budget',
]);

export function resolveDatagenConfig(
  config: DatagenConfig,
  chatModel: ChatModel,
  embedder: Embedder,
): ResolvedDatagenConfig {
  const source = config.source;
  const isFiles =
    typeof source === 'object' && source !== null && 'files' in source && Array.isArray(source.files);
  let sourceDescription: ResolvedDatagenConfig['sourceDescription'];
  if (isFiles) {
    const { files, ...options } = source as DatagenFileSource;
    sourceDescription = { kind: 'files', files: [...files], options: { ...options } };
  } else {
    sourceDescription = { kind: 'iterable' };
  }
  const resolved: ResolvedDatagenConfig = {
    sourceDescription,
    outputDir: config.outputDir,
    count: config.count ?? 10_000,
    validationSize: config.validationSize ?? 1_000,
    subsetSizes: [...(config.subsetSizes ?? [100, 1_000, 5_000, 9_000])],
    minCharacters: config.minCharacters ?? 700,
    seed: config.seed ?? 0,
    concurrency: config.concurrency ?? 16,
    rephraseThreshold: config.rephraseThreshold ?? REPHRASE_THRESHOLD,
    maxSimplifications: config.maxSimplifications ?? 3,
    dedupThreshold: config.dedupThreshold ?? 0.8,
    readabilityMode: config.readabilityMode ?? 'textstat-0.7.11',
    prompts: { ...defaultPrompts, ...config.prompts },
    budget: { ...config.budget },
    temperature: config.temperature,
    modelName: config.modelName ?? `${chatModel.provider}/${chatModel.modelId}`,
    chatModel: `${chatModel.provider}/${chatModel.modelId}`,
    embedder: `${embedder.provider}/${embedder.modelId}/${embedder.dimensions}`,
  };
  validate(resolved);
  return resolved;
}

function validate(config: ResolvedDatagenConfig): void {
  const checks: Array<[keyof ResolvedDatagenConfig, boolean, string]> = [
    ['outputDir', typeof config.outputDir === 'string' && config.outputDir !== '', 'expected a folder path.'],
    ['count', Number.isSafeInteger(config.count) && config.count >= 1, 'expected a positive integer.'],
    [
      'validationSize',
      Number.isSafeInteger(config.validationSize) && config.validationSize >= 0,
      'expected a non-negative integer.',
    ],
    [
      'subsetSizes',
      config.subsetSizes.every((size) => Number.isSafeInteger(size) && size >= 1),
      'expected positive integers.',
    ],
    [
      'minCharacters',
      Number.isSafeInteger(config.minCharacters) && config.minCharacters >= 0,
      'expected a non-negative integer.',
    ],
    ['seed', Number.isSafeInteger(config.seed) && config.seed >= 0, 'expected a non-negative integer.'],
    [
      'concurrency',
      Number.isSafeInteger(config.concurrency) && config.concurrency >= 1,
      'expected a positive integer.',
    ],
    [
      'maxSimplifications',
      Number.isSafeInteger(config.maxSimplifications) && config.maxSimplifications >= 0,
      'expected a non-negative integer.',
    ],
    ['dedupThreshold', Number.isFinite(config.dedupThreshold), 'expected a number.'],
    ['rephraseThreshold', Number.isFinite(config.rephraseThreshold), 'expected a number.'],
  ];
  for (const [argument, ok, message] of checks) {
    if (!ok) throw new InvalidArgumentError({ argument, value: config[argument], message });
  }
}

/** The part of the config that decides outcomes, in a canonical form. */
export function hashedConfig(config: ResolvedDatagenConfig): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!resumableKeys.has(key) && value !== undefined) result[key] = value;
  }
  return result;
}

export function configHash(config: ResolvedDatagenConfig): string {
  return createHash('sha256')
    .update(canonicalJson(hashedConfig(config)))
    .digest('hex');
}

/** Top-level keys whose values differ between two hashed configs. */
export function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key])).sort();
}

/** JSON with sorted object keys, so equal configs hash equally whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
