import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError, resolveSystemPrompt } from '@tonekit/core';
import { defaultOpenAISuffix, defaultOpenAITrainOptions } from './openai/resolve-openai-train-options.js';
import type { OneCycleSchedule } from './train-spec.js';

/**
 * The paper's LoRA settings (DESIGN §5; Marquardt & Brule 2025): r = alpha = 32 (the sweep also uses
 * 48 and 64), dropout 0.2, bias `lora_only` on q/k/v, AdamW + OneCycleLR (max_lr 2e-4, pct_start 0.3,
 * cos, div_factor 25, final_div_factor 1e3 — the paper's value, not torch's 1e4 — beta1 cycling
 * 0.85–0.95), 5 epochs of micro-batch 16 × 2 accumulation steps. `alpha: null` means "equal to rank";
 * `precision: 'auto'` means bf16 on CUDA and fp32 on CPU, decided once the device is known.
 */
export const defaultLocalTrainOptions = {
  rank: 32,
  alpha: null,
  dropout: 0.2,
  bias: 'lora_only',
  targetModules: ['q_proj', 'k_proj', 'v_proj'],
  learningRate: 2e-4,
  epochs: 5,
  microBatchSize: 16,
  gradientAccumulationSteps: 2,
  schedule: {
    pctStart: 0.3,
    annealStrategy: 'cos',
    divFactor: 25,
    finalDivFactor: 1e3,
    baseMomentum: 0.85,
    maxMomentum: 0.95,
  },
  weightDecay: 0,
  precision: 'auto',
  batching: 'length-grouped',
  gradientCheckpointing: false,
  maxLength: 1024,
  seed: 713,
  device: 'auto',
  gpus: 1,
  checkpointEverySteps: null,
  maxSteps: null,
  saveMerged: false,
  exportGguf: true,
} as const;

/** The system prompt preset used when the spec names none: the paper's fine-tuning prompt. */
export const defaultTrainSystemPrompt = 'concise';

/** OpenAI rejects longer model-name suffixes. */
const maxOpenAISuffixLength = 64;

export interface ResolvedTrainDatasetSpec {
  /** Absolute path of the dataset folder, or of a chat `.jsonl` file. */
  path: string;
  /** Absolute path of the validation chat `.jsonl` file (only with a `.jsonl` path). */
  validationPath?: string;
  split: 'train' | `train-${number}`;
  /**
   * `validation` or `null` (no validation). Left `undefined` when the spec did not say: the folder's
   * `validation` split is then used when it has one, which only reading the folder can tell.
   */
  validationSplit?: 'validation' | null;
  answerColumn: 'conversational_answer' | 'answer';
}

export type ResolvedOneCycleSchedule = Required<OneCycleSchedule>;

export interface ResolvedLocalTrainOptions {
  rank: number;
  alpha: number;
  dropout: number;
  bias: 'none' | 'all' | 'lora_only';
  targetModules: string[];
  learningRate: number;
  epochs: number;
  microBatchSize: number;
  gradientAccumulationSteps: number;
  schedule: ResolvedOneCycleSchedule;
  weightDecay: number;
  /** `auto` when the device is `auto`: bf16 on CUDA (fp32 where the GPU lacks bf16), fp32 on CPU. */
  precision: 'bf16' | 'int8' | 'fp32' | 'auto';
  batching: 'length-grouped' | 'padding-free';
  gradientCheckpointing: boolean;
  maxLength: number;
  seed: number;
  device: 'auto' | 'cpu' | 'cuda';
  gpus: number;
  checkpointEverySteps: number | null;
  maxSteps: number | null;
  saveMerged: boolean;
  exportGguf: boolean;
  /** Absolute path or a command name; `undefined` lets the worker driver pick its default. */
  python?: string;
}

export interface ResolvedOpenAITrainOptions {
  seed: number;
  batchSize: number;
  learningRateMultiplier: number;
  epochs: number;
  suffix: string;
  apiKey?: string;
  baseURL?: string;
  pollIntervalMs: number;
  maxRetries: number;
}

/**
 * A TrainSpec after `parseTrainSpec`: validated, paths absolute, every default filled (both backend
 * sections, so `run.json` shows exactly what ran). Parsing a resolved spec again gives the same spec.
 */
export interface ResolvedTrainSpec {
  name: string;
  backend: 'local' | 'openai';
  dataset: ResolvedTrainDatasetSpec;
  /** A local folder (absolute) or a Hugging Face id for `local`; an OpenAI model id for `openai`. */
  baseModel: string;
  /** Absolute. */
  outputDir: string;
  /** As given: a preset name, a custom text, or `none`. */
  systemPrompt: string;
  /** The text put in the training conversations; `null` for `none`. */
  systemPromptText: string | null;
  local: ResolvedLocalTrainOptions;
  openai: ResolvedOpenAITrainOptions;
}

export interface ParseTrainSpecOptions {
  /** Folder that relative paths are relative to (the YAML file's folder). Default: the working directory. */
  baseDir?: string;
}

const topLevelKeys = [
  'name',
  'backend',
  'dataset',
  'baseModel',
  'outputDir',
  'systemPrompt',
  'systemPromptText',
  'local',
  'openai',
] as const;
const datasetKeys = ['path', 'validationPath', 'split', 'validationSplit', 'answerColumn'] as const;
const localKeys = [
  'rank',
  'alpha',
  'dropout',
  'bias',
  'targetModules',
  'learningRate',
  'epochs',
  'microBatchSize',
  'gradientAccumulationSteps',
  'schedule',
  'weightDecay',
  'precision',
  'batching',
  'gradientCheckpointing',
  'maxLength',
  'seed',
  'device',
  'gpus',
  'checkpointEverySteps',
  'maxSteps',
  'saveMerged',
  'exportGguf',
  'python',
] as const;
const scheduleKeys = [
  'pctStart',
  'annealStrategy',
  'divFactor',
  'finalDivFactor',
  'baseMomentum',
  'maxMomentum',
] as const;
const openaiKeys = [
  'seed',
  'batchSize',
  'learningRateMultiplier',
  'epochs',
  'suffix',
  'apiKey',
  'baseURL',
  'pollIntervalMs',
  'maxRetries',
] as const;

/**
 * Validates a training spec as parsed from YAML or JSON (or written in TypeScript) and fills every
 * default. Errors are InvalidArgumentErrors whose `argument` is the field path and whose message says
 * what was expected and what was found (`local.rank must be a positive integer, got -3`); unknown keys
 * are rejected with the closest known key, because a misspelt hyper-parameter would otherwise be
 * silently replaced by its default. Relative paths (dataset, outputDir, a local baseModel, python)
 * resolve against `baseDir`.
 */
export function parseTrainSpec(value: unknown, options: ParseTrainSpecOptions = {}): ResolvedTrainSpec {
  const baseDir = resolve(options.baseDir ?? '.');
  const spec = expectObject(value, 'spec');
  rejectUnknownKeys(spec, topLevelKeys, '');

  const backend = expectEnum(spec['backend'], 'backend', ['local', 'openai'] as const, { required: true });
  const outputDir = resolvePath(expectString(spec['outputDir'], 'outputDir', { required: true }), baseDir);
  const name = parseName(spec['name'], outputDir);
  const dataset = parseDataset(spec['dataset'], baseDir);
  const baseModelText = expectString(spec['baseModel'], 'baseModel', {
    required: true,
    hint: 'a Hugging Face id or a local folder for `local`, an OpenAI model id for `openai`',
  });
  const baseModel = backend === 'local' ? resolveModel(baseModelText, baseDir) : baseModelText;

  const systemPrompt =
    spec['systemPrompt'] === null
      ? 'none'
      : (expectString(spec['systemPrompt'], 'systemPrompt') ?? defaultTrainSystemPrompt);
  const systemPromptText = systemPrompt === 'none' ? null : resolveSystemPrompt(systemPrompt);
  if (spec['systemPromptText'] !== undefined && spec['systemPromptText'] !== systemPromptText) {
    fail(
      'systemPromptText',
      spec['systemPromptText'],
      'is derived from systemPrompt; leave it out or make it match the resolved prompt',
    );
  }

  const local = parseLocal(spec['local'], baseDir);
  const openai = parseOpenAI(spec['openai'], name);
  return { name, backend, dataset, baseModel, outputDir, systemPrompt, systemPromptText, local, openai };
}

function parseName(value: unknown, outputDir: string): string {
  const name = expectString(value, 'name') ?? basename(outputDir);
  if (/[/\\]/.test(name)) fail('name', value, 'must not contain path separators');
  return name;
}

function parseDataset(value: unknown, baseDir: string): ResolvedTrainDatasetSpec {
  // `dataset: ./data/tone` is shorthand for `dataset: {path: ./data/tone}`.
  if (typeof value === 'string') return parseDataset({ path: value }, baseDir);
  const dataset = expectObject(value, 'dataset', {
    required: true,
    hint: 'a dataset folder path or {path, split, validationSplit, answerColumn}',
  });
  rejectUnknownKeys(dataset, datasetKeys, 'dataset.');
  const path = resolvePath(expectString(dataset['path'], 'dataset.path', { required: true }), baseDir);
  const split = dataset['split'] ?? 'train';
  if (split !== 'train' && !(typeof split === 'string' && /^train-[1-9]\d*$/.test(split))) {
    fail('dataset.split', split, 'must be "train" or a nested subset "train-<n>" such as "train-1000"');
  }
  const validationSplit = dataset['validationSplit'];
  if (validationSplit !== undefined && validationSplit !== null && validationSplit !== 'validation') {
    fail('dataset.validationSplit', validationSplit, 'must be "validation" or null (no validation)');
  }
  const answerColumn =
    expectEnum(dataset['answerColumn'], 'dataset.answerColumn', [
      'conversational_answer',
      'answer',
    ] as const) ?? 'conversational_answer';
  const validationPathGiven = expectString(dataset['validationPath'], 'dataset.validationPath');
  if (validationPathGiven !== undefined && !path.toLowerCase().endsWith('.jsonl')) {
    fail(
      'dataset.validationPath',
      validationPathGiven,
      'goes with a chat .jsonl training file; a dataset folder brings its own validation split',
    );
  }
  return {
    path,
    ...(validationPathGiven === undefined
      ? {}
      : { validationPath: resolvePath(validationPathGiven, baseDir) }),
    split: split as ResolvedTrainDatasetSpec['split'],
    ...(validationSplit === undefined ? {} : { validationSplit }),
    answerColumn,
  };
}

function parseLocal(value: unknown, baseDir: string): ResolvedLocalTrainOptions {
  const local = expectObject(value ?? {}, 'local');
  rejectUnknownKeys(local, localKeys, 'local.');
  const d = defaultLocalTrainOptions;
  const rank = expectInteger(local['rank'], 'local.rank', { min: 1 }) ?? d.rank;
  const alpha =
    local['alpha'] === null
      ? rank
      : (expectNumber(local['alpha'], 'local.alpha', { min: 0, exclusiveMin: true }) ?? rank);
  const dropout =
    expectNumber(local['dropout'], 'local.dropout', { min: 0, max: 1, exclusiveMax: true }) ?? d.dropout;
  const bias = expectEnum(local['bias'], 'local.bias', ['none', 'all', 'lora_only'] as const) ?? d.bias;
  const targetModules = parseTargetModules(local['targetModules']);
  const learningRate =
    expectNumber(local['learningRate'], 'local.learningRate', { min: 0, exclusiveMin: true }) ??
    d.learningRate;
  const epochs = expectInteger(local['epochs'], 'local.epochs', { min: 1 }) ?? d.epochs;
  const microBatchSize =
    expectInteger(local['microBatchSize'], 'local.microBatchSize', { min: 1 }) ?? d.microBatchSize;
  const gradientAccumulationSteps =
    expectInteger(local['gradientAccumulationSteps'], 'local.gradientAccumulationSteps', { min: 1 }) ??
    d.gradientAccumulationSteps;
  const schedule = parseSchedule(local['schedule']);
  const weightDecay = expectNumber(local['weightDecay'], 'local.weightDecay', { min: 0 }) ?? d.weightDecay;
  const device = expectEnum(local['device'], 'local.device', ['auto', 'cpu', 'cuda'] as const) ?? d.device;
  const precisionGiven = expectEnum(local['precision'], 'local.precision', [
    'bf16',
    'int8',
    'fp32',
    'auto',
  ] as const);
  const precision =
    precisionGiven === undefined || precisionGiven === 'auto'
      ? device === 'cpu'
        ? 'fp32'
        : device === 'cuda'
          ? 'bf16'
          : 'auto'
      : precisionGiven;
  const batching =
    expectEnum(local['batching'], 'local.batching', ['length-grouped', 'padding-free'] as const) ??
    d.batching;
  const gradientCheckpointing =
    expectBoolean(local['gradientCheckpointing'], 'local.gradientCheckpointing') ?? d.gradientCheckpointing;
  const maxLength = expectInteger(local['maxLength'], 'local.maxLength', { min: 2 }) ?? d.maxLength;
  const seed = expectInteger(local['seed'], 'local.seed', { min: 0 }) ?? d.seed;
  const gpus = expectInteger(local['gpus'], 'local.gpus', { min: 1 }) ?? d.gpus;
  if (gpus > 1 && device === 'cpu') {
    fail('local.gpus', gpus, 'must be 1 when local.device is "cpu" (several GPUs need CUDA)');
  }
  const checkpointEverySteps =
    local['checkpointEverySteps'] === null
      ? null
      : (expectInteger(local['checkpointEverySteps'], 'local.checkpointEverySteps', { min: 1 }) ??
        d.checkpointEverySteps);
  const maxSteps =
    local['maxSteps'] === null
      ? null
      : (expectInteger(local['maxSteps'], 'local.maxSteps', { min: 1 }) ?? d.maxSteps);
  const saveMerged = expectBoolean(local['saveMerged'], 'local.saveMerged') ?? d.saveMerged;
  const exportGguf = expectBoolean(local['exportGguf'], 'local.exportGguf') ?? d.exportGguf;
  const pythonText = expectString(local['python'], 'local.python');
  // A bare command name (`python3.11`) is looked up on PATH by the driver; anything with a separator
  // is a path and must not change meaning with the working directory of whoever runs the spec.
  const python =
    pythonText === undefined
      ? undefined
      : /[/\\]/.test(pythonText)
        ? resolvePath(pythonText, baseDir)
        : pythonText;
  return {
    rank,
    alpha,
    dropout,
    bias,
    targetModules,
    learningRate,
    epochs,
    microBatchSize,
    gradientAccumulationSteps,
    schedule,
    weightDecay,
    precision,
    batching,
    gradientCheckpointing,
    maxLength,
    seed,
    device,
    gpus,
    checkpointEverySteps,
    maxSteps,
    saveMerged,
    exportGguf,
    ...(python === undefined ? {} : { python }),
  };
}

function parseTargetModules(value: unknown): string[] {
  if (value === undefined) return [...defaultLocalTrainOptions.targetModules];
  if (!Array.isArray(value) || value.length === 0) {
    fail('local.targetModules', value, 'must be a non-empty list of module names such as [q_proj, v_proj]');
  }
  const modules = (value as unknown[]).map((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      fail(`local.targetModules[${index}]`, item, 'must be a non-empty module name');
    }
    return item as string;
  });
  const duplicate = modules.find((module, index) => modules.indexOf(module) !== index);
  if (duplicate !== undefined) fail('local.targetModules', value, `lists "${duplicate}" twice`);
  return modules;
}

function parseSchedule(value: unknown): ResolvedOneCycleSchedule {
  const schedule = expectObject(value ?? {}, 'local.schedule');
  rejectUnknownKeys(schedule, scheduleKeys, 'local.schedule.');
  const d = defaultLocalTrainOptions.schedule;
  const pctStart =
    expectNumber(schedule['pctStart'], 'local.schedule.pctStart', {
      min: 0,
      max: 1,
      exclusiveMin: true,
      exclusiveMax: true,
    }) ?? d.pctStart;
  const annealStrategy =
    expectEnum(schedule['annealStrategy'], 'local.schedule.annealStrategy', ['cos', 'linear'] as const) ??
    d.annealStrategy;
  const divFactor =
    expectNumber(schedule['divFactor'], 'local.schedule.divFactor', { min: 0, exclusiveMin: true }) ??
    d.divFactor;
  const finalDivFactor =
    expectNumber(schedule['finalDivFactor'], 'local.schedule.finalDivFactor', {
      min: 0,
      exclusiveMin: true,
    }) ?? d.finalDivFactor;
  const baseMomentum =
    expectNumber(schedule['baseMomentum'], 'local.schedule.baseMomentum', {
      min: 0,
      max: 1,
      exclusiveMax: true,
    }) ?? d.baseMomentum;
  const maxMomentum =
    expectNumber(schedule['maxMomentum'], 'local.schedule.maxMomentum', {
      min: 0,
      max: 1,
      exclusiveMax: true,
    }) ?? d.maxMomentum;
  if (baseMomentum > maxMomentum) {
    fail(
      'local.schedule.baseMomentum',
      baseMomentum,
      `must not exceed local.schedule.maxMomentum (${maxMomentum})`,
    );
  }
  return { pctStart, annealStrategy, divFactor, finalDivFactor, baseMomentum, maxMomentum };
}

function parseOpenAI(value: unknown, name: string): ResolvedOpenAITrainOptions {
  const openai = expectObject(value ?? {}, 'openai');
  rejectUnknownKeys(openai, openaiKeys, 'openai.');
  const d = defaultOpenAITrainOptions;
  const seed = expectInteger(openai['seed'], 'openai.seed', { min: 0 }) ?? d.seed;
  const batchSize = expectInteger(openai['batchSize'], 'openai.batchSize', { min: 1 }) ?? d.batchSize;
  const learningRateMultiplier =
    expectNumber(openai['learningRateMultiplier'], 'openai.learningRateMultiplier', {
      min: 0,
      exclusiveMin: true,
    }) ?? d.learningRateMultiplier;
  const epochs = expectInteger(openai['epochs'], 'openai.epochs', { min: 1 }) ?? d.epochs;
  const suffixGiven = expectString(openai['suffix'], 'openai.suffix');
  if (suffixGiven !== undefined && suffixGiven.length > maxOpenAISuffixLength) {
    fail(
      'openai.suffix',
      suffixGiven,
      `must be at most ${maxOpenAISuffixLength} characters (OpenAI's limit)`,
    );
  }
  const suffix = suffixGiven ?? defaultOpenAISuffix(name);
  const apiKey = expectString(openai['apiKey'], 'openai.apiKey');
  const baseURL = expectString(openai['baseURL'], 'openai.baseURL');
  if (baseURL !== undefined && !URL.canParse(baseURL))
    fail('openai.baseURL', baseURL, 'must be an absolute URL');
  const pollIntervalMs =
    expectInteger(openai['pollIntervalMs'], 'openai.pollIntervalMs', { min: 1 }) ?? d.pollIntervalMs;
  const maxRetries = expectInteger(openai['maxRetries'], 'openai.maxRetries', { min: 0 }) ?? d.maxRetries;
  return {
    seed,
    batchSize,
    learningRateMultiplier,
    epochs,
    suffix,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(baseURL === undefined ? {} : { baseURL }),
    pollIntervalMs,
    maxRetries,
  };
}

/** `~/x` and relative paths, made absolute. */
function resolvePath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(baseDir, path);
}

/**
 * A Hugging Face id (`meta-llama/Llama-3.2-1B-Instruct`) and a relative folder (`models/tiny`) look
 * alike; like transformers, treat it as a folder when one exists there (or when it is written as a
 * path), and as a Hub id otherwise.
 */
function resolveModel(value: string, baseDir: string): string {
  if (isAbsolute(value) || /^(~|\.{1,2})([/\\]|$)/.test(value)) return resolvePath(value, baseDir);
  const candidate = resolve(baseDir, value);
  return existsSync(candidate) ? candidate : value;
}

// ---------------------------------------------------------------------------------------------------
// Field checks. Each returns undefined for a missing optional field, so `?? default` fills it.

function fail(path: string, value: unknown, problem: string): never {
  throw new InvalidArgumentError({
    argument: path,
    value,
    message: `${path} ${problem}, got ${describe(value)}.`,
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${truncate(JSON.stringify(value))})`;
  if (typeof value === 'object') return `an object (${truncate(JSON.stringify(value))})`;
  if (typeof value === 'string') return truncate(JSON.stringify(value));
  return String(value);
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function expectObject(
  value: unknown,
  path: string,
  { required = false, hint }: { required?: boolean; hint?: string } = {},
): Record<string, unknown> {
  if (value === undefined && required) fail(path, value, `is required (${hint ?? 'an object'})`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, value, `must be an object${hint === undefined ? '' : ` (${hint})`}`);
  }
  return value as Record<string, unknown>;
}

function expectString(value: unknown, path: string, options: { required: true; hint?: string }): string;
function expectString(
  value: unknown,
  path: string,
  options?: { required?: false; hint?: string },
): string | undefined;
function expectString(
  value: unknown,
  path: string,
  { required = false, hint }: { required?: boolean; hint?: string } = {},
): string | undefined {
  if (value === undefined) {
    if (required) fail(path, value, `is required${hint === undefined ? '' : ` (${hint})`}`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') fail(path, value, 'must be a non-empty string');
  return value as string;
}

function expectEnum<const T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  options: { required: true },
): T;
function expectEnum<const T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
): T | undefined;
function expectEnum<const T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  { required = false }: { required?: boolean } = {},
): T | undefined {
  const choices = allowed.map((choice) => `"${choice}"`).join(', ');
  if (value === undefined) {
    if (required) fail(path, value, `is required (one of ${choices})`);
    return undefined;
  }
  if (typeof value !== 'string' || !allowed.includes(value as T))
    fail(path, value, `must be one of ${choices}`);
  return value as T;
}

function expectBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(path, value, 'must be true or false');
  return value as boolean;
}

interface NumberBounds {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

// YAML 1.1 parsers read `2e-4` (no dot) as a string; numbers written as strings are accepted when
// they are plain decimal literals, so the same file works with every YAML library.
const numberLiteral = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && numberLiteral.test(value.trim())) return Number(value.trim());
  return undefined;
}

function expectNumber(value: unknown, path: string, bounds: NumberBounds = {}): number | undefined {
  if (value === undefined) return undefined;
  const number = toNumber(value);
  const range = describeBounds(bounds);
  if (number === undefined || !Number.isFinite(number) || !withinBounds(number, bounds)) {
    fail(path, value, `must be a ${range === '' ? 'finite number' : `number ${range}`}`);
  }
  return number;
}

function expectInteger(value: unknown, path: string, { min }: { min: number }): number | undefined {
  if (value === undefined) return undefined;
  const number = toNumber(value);
  if (number === undefined || !Number.isSafeInteger(number) || number < min) {
    const kind =
      min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    fail(path, value, `must be ${kind}`);
  }
  return number;
}

function withinBounds(value: number, { min, max, exclusiveMin, exclusiveMax }: NumberBounds): boolean {
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) return false;
  if (max !== undefined && (exclusiveMax ? value >= max : value > max)) return false;
  return true;
}

function describeBounds({ min, max, exclusiveMin, exclusiveMax }: NumberBounds): string {
  const lower = min === undefined ? undefined : `${exclusiveMin ? '>' : '>='} ${min}`;
  const upper = max === undefined ? undefined : `${exclusiveMax ? '<' : '<='} ${max}`;
  if (lower !== undefined && upper !== undefined) return `${lower} and ${upper}`;
  return lower ?? upper ?? '';
}

function rejectUnknownKeys(object: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const suggestion = closestKey(key, known);
    throw new InvalidArgumentError({
      argument: `${prefix}${key}`,
      value: object[key],
      message:
        `${prefix}${key} is not a known field` +
        (suggestion === undefined ? '' : ` (did you mean ${prefix}${suggestion}?)`) +
        `; known fields${prefix === '' ? '' : ` of ${prefix.slice(0, -1)}`}: ${known.join(', ')}.`,
    });
  }
}

/** Names the same settings go by in peft, transformers, torch and OpenAI's API, normalized. */
const synonyms: Record<string, string[]> = {
  subset: ['split'],
  r: ['rank'],
  loraalpha: ['alpha'],
  loradropout: ['dropout'],
  lr: ['learningRate'],
  maxlr: ['learningRate'],
  nepochs: ['epochs'],
  numtrainepochs: ['epochs'],
  batchsize: ['batchSize', 'microBatchSize'],
  perdevicetrainbatchsize: ['microBatchSize'],
  gradaccum: ['gradientAccumulationSteps'],
  learningratemultiplier: ['learningRateMultiplier'],
  model: ['baseModel'],
  output: ['outputDir'],
  outdir: ['outputDir'],
  dtype: ['precision'],
  quantization: ['precision'],
};

/** The known key a typo most likely meant: same letters ignoring case and `_`/`-`, a known synonym, else edit distance <= 1/3. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  const normalize = (text: string) => text.toLowerCase().replace(/[_\-\s]/g, '');
  const exact = known.find((candidate) => normalize(candidate) === normalize(key));
  if (exact !== undefined) return exact;
  const synonym = synonyms[normalize(key)]?.find((candidate) => known.includes(candidate));
  if (synonym !== undefined) return synonym;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(normalize(key), normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
