import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError, resolveSystemPrompt } from '@tonekit/core';
import { hashFile } from '../files/hash-file.js';
import { prepareChatData } from '../prepare-chat-data.js';
import type { TrainResult, TrainSpec } from '../train-spec.js';
import { type OpenAIFineTuningCallOptions, runOpenAIFineTuning } from './run-openai-fine-tuning.js';

export type TrainWithOpenAIOptions = OpenAIFineTuningCallOptions;

/**
 * The `openai` backend of `trainLora`: turns the spec's dataset folder into chat JSONL
 * (`prepareChatData`, into `<outputDir>/data/`), checks it against OpenAI's rules and token limits,
 * uploads it, and runs a supervised fine-tuning job with the paper's settings (seed 713, batch 32,
 * learning-rate multiplier 1.0, 5 epochs) unless `spec.openai` says otherwise. Progress arrives as
 * `TrainEvent`s; the result carries the fine-tuned model id.
 *
 * Safe to call again after a crash or an abort with `cancelJobOnAbort: false`: the job recorded in
 * `<outputDir>/openai-job.json` is re-attached instead of a new one created, and identical files are
 * not uploaded twice.
 */
export async function trainWithOpenAI(
  spec: TrainSpec,
  options: TrainWithOpenAIOptions = {},
): Promise<TrainResult> {
  if (spec.backend !== 'openai')
    throw new InvalidArgumentError({
      argument: 'spec.backend',
      value: spec.backend,
      message: "trainWithOpenAI trains only specs with backend 'openai'.",
    });
  const outputDir = resolve(spec.outputDir);
  const systemPromptName = spec.systemPrompt ?? 'concise';
  const systemPrompt = systemPromptName === 'none' ? null : resolveSystemPrompt(systemPromptName);
  const datasetDir = resolve(spec.dataset.path);
  // The manifest lists the sha256 of every split file: hashing it detects a regenerated dataset
  // without preparing anything, so an unchanged run can re-attach at once.
  const manifestPath = join(datasetDir, 'manifest.json');
  const manifestSha256 = existsSync(manifestPath)
    ? (await hashFile(manifestPath, options.signal)).sha256
    : null;
  const dataIdentity = {
    dataset: datasetDir,
    split: spec.dataset.split ?? 'train',
    validationSplit: spec.dataset.validationSplit === undefined ? 'default' : spec.dataset.validationSplit,
    answerColumn: spec.dataset.answerColumn ?? 'conversational_answer',
    systemPrompt,
    manifestSha256,
  };
  const { onEvent, signal } = options;
  return runOpenAIFineTuning({
    ...options,
    baseModel: spec.baseModel,
    outputDir,
    runName: spec.name ?? basename(outputDir),
    ...(spec.openai === undefined ? {} : { openai: spec.openai }),
    dataIdentity,
    prepareFiles: async () => {
      const prepared = await prepareChatData({
        dataset: spec.dataset,
        systemPrompt,
        outDir: outputDir,
        ...(signal === undefined ? {} : { signal }),
      });
      onEvent?.({
        type: 'prepare-end',
        trainExamples: prepared.trainExamples,
        validationExamples: prepared.validationExamples,
        skippedExamples: prepared.skippedExamples,
        timestamp: Date.now(),
      });
      return { trainFile: prepared.trainFile, validationFile: prepared.validationFile };
    },
  });
}
