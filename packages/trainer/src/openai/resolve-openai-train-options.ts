import { InvalidArgumentError } from '@tonekit/core';
import type { OpenAITrainOptions } from '../train-spec.js';

/** The paper's OpenAI settings (seed A: seed 713, batch 32, learning-rate multiplier 1.0, 5 epochs). */
export const defaultOpenAITrainOptions = {
  seed: 713,
  batchSize: 32,
  learningRateMultiplier: 1,
  epochs: 5,
  pollIntervalMs: 10_000,
  maxRetries: 5,
} as const;

export const openAIDefaultBaseURL = 'https://api.openai.com/v1';
const maxSuffixLength = 64;

/** The suffix OpenAI gets when the spec names none: the run name with characters OpenAI rejects replaced by `-`, cut to 64. */
export function defaultOpenAISuffix(runName: string): string {
  return runName.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, maxSuffixLength);
}

export interface ResolvedOpenAITrainOptions {
  seed: number;
  batchSize: number;
  learningRateMultiplier: number;
  epochs: number;
  suffix: string;
  apiKey: string;
  baseURL: string;
  pollIntervalMs: number;
  maxRetries: number;
}

/**
 * Fills the paper's defaults and checks every value, naming the option in errors. `runName` becomes
 * the suffix when none is given, with characters outside `[A-Za-z0-9._-]` replaced by `-` and cut to
 * OpenAI's 64 characters; an explicit suffix is passed as is and must fit.
 *
 * No environment variable is read (libraries never read `process.env`): the CLI resolves
 * `OPENAI_API_KEY` into `apiKey`. A key is required unless `baseURL` points to another endpoint.
 */
export function resolveOpenAITrainOptions(
  options: OpenAITrainOptions | undefined,
  runName: string,
): ResolvedOpenAITrainOptions {
  const given = options ?? {};
  const seed = given.seed ?? defaultOpenAITrainOptions.seed;
  const batchSize = given.batchSize ?? defaultOpenAITrainOptions.batchSize;
  const learningRateMultiplier =
    given.learningRateMultiplier ?? defaultOpenAITrainOptions.learningRateMultiplier;
  const epochs = given.epochs ?? defaultOpenAITrainOptions.epochs;
  const pollIntervalMs = given.pollIntervalMs ?? defaultOpenAITrainOptions.pollIntervalMs;
  const maxRetries = given.maxRetries ?? defaultOpenAITrainOptions.maxRetries;
  const integer = (argument: string, value: number, min: number) => {
    if (!(Number.isInteger(value) && value >= min))
      throw new InvalidArgumentError({
        argument,
        value,
        message: `expected an integer >= ${min}, got ${value}.`,
      });
  };
  integer('openai.seed', seed, 0);
  integer('openai.batchSize', batchSize, 1);
  integer('openai.epochs', epochs, 1);
  integer('openai.maxRetries', maxRetries, 0);
  if (!(Number.isFinite(learningRateMultiplier) && learningRateMultiplier > 0))
    throw new InvalidArgumentError({
      argument: 'openai.learningRateMultiplier',
      value: learningRateMultiplier,
      message: `expected a number > 0, got ${learningRateMultiplier}.`,
    });
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs >= 0))
    throw new InvalidArgumentError({
      argument: 'openai.pollIntervalMs',
      value: pollIntervalMs,
      message: `expected a number of milliseconds >= 0, got ${pollIntervalMs}.`,
    });
  let suffix: string;
  if (given.suffix !== undefined) {
    if (typeof given.suffix !== 'string' || given.suffix === '' || given.suffix.length > maxSuffixLength)
      throw new InvalidArgumentError({
        argument: 'openai.suffix',
        value: given.suffix,
        message: `expected 1 to ${maxSuffixLength} characters (OpenAI's limit).`,
      });
    suffix = given.suffix;
  } else {
    suffix = defaultOpenAISuffix(runName);
  }
  const baseURL = given.baseURL ?? openAIDefaultBaseURL;
  if (given.apiKey === undefined && given.baseURL === undefined)
    throw new InvalidArgumentError({
      argument: 'openai.apiKey',
      message:
        'no OpenAI API key: set `openai.apiKey` (the tonekit CLI fills it from the OPENAI_API_KEY environment variable).',
    });
  return {
    seed,
    batchSize,
    learningRateMultiplier,
    epochs,
    suffix,
    // Compatible endpoints may need no key; an empty one keeps the SDK from reading OPENAI_API_KEY.
    apiKey: given.apiKey ?? '',
    baseURL,
    pollIntervalMs,
    maxRetries,
  };
}
