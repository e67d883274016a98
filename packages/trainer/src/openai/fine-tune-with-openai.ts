import { basename, resolve } from 'node:path';
import { hashFile } from '../files/hash-file.js';
import type { OpenAITrainOptions, TrainResult } from '../train-spec.js';
import { type OpenAIFineTuningCallOptions, runOpenAIFineTuning } from './run-openai-fine-tuning.js';

export interface FineTuneWithOpenAIOptions extends OpenAIFineTuningCallOptions {
  /** OpenAI chat JSONL (`{"messages": [...]}` per line). */
  trainFile: string;
  validationFile?: string | null;
  /** An OpenAI model id such as `gpt-4o-mini-2024-07-18`. */
  baseModel: string;
  /** Run folder: `openai-job.json` lives here. */
  outputDir: string;
  /** Default suffix of the model name; defaults to the output folder's name. */
  name?: string;
  openai?: OpenAITrainOptions;
}

/**
 * Fine-tunes an OpenAI model on chat JSONL files you already have — `trainWithOpenAI` without the
 * dataset-folder preparation. Same validation, upload reuse, re-attachment and events (no
 * `prepare-end`, since nothing is prepared).
 */
export async function fineTuneWithOpenAI(options: FineTuneWithOpenAIOptions): Promise<TrainResult> {
  const { trainFile, validationFile = null, baseModel, name, openai, ...call } = options;
  const outputDir = resolve(options.outputDir);
  const trainPath = resolve(trainFile);
  const validationPath = validationFile === null ? null : resolve(validationFile);
  // The files are their own identity: re-running on identical bytes re-attaches to the same job.
  const dataIdentity = {
    train: (await hashFile(trainPath, call.signal)).sha256,
    validation: validationPath === null ? null : (await hashFile(validationPath, call.signal)).sha256,
  };
  return runOpenAIFineTuning({
    ...call,
    baseModel,
    outputDir,
    runName: name ?? basename(outputDir),
    ...(openai === undefined ? {} : { openai }),
    dataIdentity,
    prepareFiles: async () => ({ trainFile: trainPath, validationFile: validationPath }),
  });
}
