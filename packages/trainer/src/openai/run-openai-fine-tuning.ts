import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { CancelledError, InvalidArgumentError, type OnEvent } from '@tonekit/core';
import { NotFoundError, type OpenAI } from 'openai';
import { hashFile } from '../files/hash-file.js';
import type { OpenAITrainOptions, TrainEvent, TrainResult } from '../train-spec.js';
import { createFineTuningClient } from './create-fine-tuning-client.js';
import { createFineTuningJob, findJobByRunKey } from './create-fine-tuning-job.js';
import { FineTuningJobError } from './fine-tuning-job-error.js';
import {
  type JobProgressState,
  type OpenAIJobState,
  openAIJobStatePath,
  readOpenAIJobState,
  writeOpenAIJobState,
} from './openai-job-state.js';
import {
  type ResolvedOpenAITrainOptions,
  resolveOpenAITrainOptions,
} from './resolve-openai-train-options.js';
import { toApiCallError } from './to-api-call-error.js';
import { uploadFineTuningFile } from './upload-fine-tuning-file.js';
import {
  type ChatJsonlValidationReport,
  summarizeChatJsonlIssues,
  validateChatJsonl,
} from './validate-chat-jsonl.js';
import { terminalJobStatuses, watchFineTuningJob } from './watch-fine-tuning-job.js';

type FineTuningJob = OpenAI.FineTuning.FineTuningJob;

/** What the OpenAI backend's calls accept besides the spec. */
export interface OpenAIFineTuningCallOptions {
  onEvent?: OnEvent<TrainEvent>;
  /**
   * Stops the run. Once the job exists it is cancelled (see `cancelJobOnAbort`) and the call resolves
   * with `status: 'cancelled'`; before that, the call rejects with `CancelledError`.
   */
  signal?: AbortSignal;
  /**
   * `true` (default): aborting cancels the OpenAI job. `false`: aborting only stops waiting, the job
   * keeps training, and calling again with the same output folder re-attaches to it (rejects with
   * `CancelledError`). For a process that is going away but wants the job to finish.
   */
  cancelJobOnAbort?: boolean;
  /** HTTP implementation for the SDK (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/** The chat JSONL files to train on. */
export interface ChatFiles {
  trainFile: string;
  validationFile: string | null;
}

export interface RunOpenAIFineTuningOptions extends OpenAIFineTuningCallOptions {
  baseModel: string;
  /** Absolute run folder; holds `openai-job.json`. */
  outputDir: string;
  /** The default suffix of the model name. */
  runName: string;
  openai?: OpenAITrainOptions;
  /**
   * What the data is, known without preparing it (file hashes, or the dataset spec and manifest hash),
   * so a re-run can tell "same run, re-attach" before doing any preparation.
   */
  dataIdentity: unknown;
  /** Produces the files; called only when a new job has to be created. */
  prepareFiles: () => Promise<ChatFiles>;
}

/**
 * The OpenAI backend's engine: re-attaches to the job recorded in `<outputDir>/openai-job.json` when
 * it is the same run, else prepares and validates the data, uploads it (reusing identical uploads),
 * creates a supervised job with the paper's hyper-parameters, and follows it to the end.
 *
 * Decisions on a re-run with the same settings: a job still running is re-attached (events resume after
 * the last one reported); a job that succeeded is reported again without a new job; a job that failed
 * or was cancelled is replaced by a new one. With different settings, a running job is an error (cancel
 * it or pick another folder), a finished one is replaced.
 */
export async function runOpenAIFineTuning(options: RunOpenAIFineTuningOptions): Promise<TrainResult> {
  const { baseModel, outputDir, runName, onEvent, signal, fetch, cancelJobOnAbort = true } = options;
  if (typeof baseModel !== 'string' || baseModel === '')
    throw new InvalidArgumentError({
      argument: 'baseModel',
      value: baseModel,
      message: 'expected an OpenAI model id such as `gpt-4o-mini-2024-07-18`.',
    });
  const settings = resolveOpenAITrainOptions(options.openai, runName);
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  await mkdir(outputDir, { recursive: true });
  const client = createFineTuningClient(settings, fetch);
  const emit = (event: TrainEvent) => onEvent?.({ ...event, timestamp: event.timestamp ?? Date.now() });
  const log = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'log', level, message });
  const fingerprint = settingsFingerprint(baseModel, settings, options.dataIdentity);

  let state = await readOpenAIJobState(outputDir);
  let job =
    state === undefined
      ? undefined
      : await adoptRecordedJob(client, state, fingerprint, outputDir, log, signal);
  let pendingRunKey: string | undefined;
  if (job === undefined && state?.job !== undefined) {
    // A creation that never reached OpenAI keeps its run key, so a late-appearing job is still found.
    if (state.job.id === undefined && state.settingsFingerprint === fingerprint)
      pendingRunKey = state.job.runKey;
    else if (state.job.id !== undefined)
      state.previousJobs.push({ id: state.job.id, status: state.job.status ?? 'unknown' });
  }

  if (job === undefined) {
    const created = await startNewJob({
      client,
      settings,
      baseModel,
      outputDir,
      fingerprint,
      previous: state,
      runKey: pendingRunKey ?? randomUUID(),
      prepareFiles: options.prepareFiles,
      log,
      signal,
      cancelJobOnAbort,
    });
    job = created.job;
    state = created.state;
  }
  const current = state!;
  const jobId = job.id;

  const result = (status: TrainResult['status']): TrainResult => ({
    backend: 'openai',
    status,
    steps: current.progress.lastStep,
    ...(current.progress.lastTrainLoss === undefined ? {} : { finalLoss: current.progress.lastTrainLoss }),
    ...(current.progress.lastValidationLoss === undefined
      ? {}
      : { validationLoss: current.progress.lastValidationLoss }),
    ...(current.modelId === undefined ? {} : { modelId: current.modelId }),
    jobId,
    ...(current.trainedTokens === undefined ? {} : { trainedTokens: current.trainedTokens }),
  });

  let final: FineTuningJob;
  try {
    final = await watchFineTuningJob({
      client,
      jobId,
      progress: current.progress,
      ...(current.trainExamples === undefined ? {} : { trainExamples: current.trainExamples }),
      pollIntervalMs: settings.pollIntervalMs,
      ...(onEvent === undefined ? {} : { onEvent: emit }),
      ...(signal === undefined ? {} : { signal }),
      save: async (polled) => {
        current.job = { ...current.job!, status: polled.status };
        if (polled.fine_tuned_model) current.modelId = polled.fine_tuned_model;
        if (typeof polled.trained_tokens === 'number') current.trainedTokens = polled.trained_tokens;
        await writeOpenAIJobState(outputDir, current);
      },
    });
  } catch (error) {
    if (!(CancelledError.isInstance(error) && signal?.aborted && cancelJobOnAbort)) throw error;
    const cancelled = await cancelJob(client, jobId);
    current.job = { ...current.job!, status: cancelled.status };
    await writeOpenAIJobState(outputDir, current);
    log(`Cancelled OpenAI fine-tuning job ${jobId}.`, 'warn');
    const outcome = result('cancelled');
    emit({ type: 'done', result: outcome });
    return outcome;
  }

  if (final.status === 'failed') {
    throw new FineTuningJobError({
      jobId,
      ...(final.error?.code ? { code: final.error.code } : {}),
      param: final.error?.param ?? null,
      reason: final.error?.message || 'OpenAI gave no reason.',
    });
  }
  if (final.status === 'cancelled')
    log(`OpenAI fine-tuning job ${jobId} was cancelled outside this run.`, 'warn');
  const outcome = result(final.status === 'succeeded' ? 'succeeded' : 'cancelled');
  emit({ type: 'done', result: outcome });
  return outcome;
}

/**
 * The job recorded in the state when this run should follow it (same settings, not failed or
 * cancelled), else `undefined`. A recorded job that is still running under different settings is an
 * error: following it would report a run that is not the one asked for, replacing it would pay twice.
 */
async function adoptRecordedJob(
  client: OpenAI,
  state: OpenAIJobState,
  fingerprint: string,
  outputDir: string,
  log: (message: string, level?: 'info' | 'warn') => void,
  signal: AbortSignal | undefined,
): Promise<FineTuningJob | undefined> {
  if (state.job === undefined) return undefined;
  let job: FineTuningJob | undefined;
  if (state.job.id !== undefined) {
    try {
      job = await client.fineTuning.jobs.retrieve(state.job.id, { signal });
    } catch (error) {
      if (!(error instanceof NotFoundError))
        throw toApiCallError(error, `retrieving fine-tuning job ${state.job.id}`, client.baseURL, signal);
      log(`OpenAI no longer knows job ${state.job.id}; starting a new one.`, 'warn');
      return undefined;
    }
  } else {
    job = await findJobByRunKey(client, state.job.runKey, signal);
    if (job === undefined) return undefined;
    // Created, but the process stopped before recording the id: record it now.
    state.job = { ...state.job, id: job.id, status: job.status };
    await writeOpenAIJobState(outputDir, state);
  }
  const running = !terminalJobStatuses.has(job.status);
  if (state.settingsFingerprint !== fingerprint) {
    if (running)
      throw new InvalidArgumentError({
        argument: 'outputDir',
        value: outputDir,
        message: `${openAIJobStatePath(outputDir)} records OpenAI job ${job.id}, still ${job.status}, created with other settings or data. Cancel it (or let it finish), or train into another folder.`,
      });
    state.job = { ...state.job, status: job.status };
    return undefined;
  }
  if (running) {
    log(`Re-attached to OpenAI fine-tuning job ${job.id} (${job.status}).`);
    return job;
  }
  if (job.status === 'succeeded') {
    log(`OpenAI fine-tuning job ${job.id} already succeeded; reporting its result.`);
    return job;
  }
  state.job = { ...state.job, status: job.status };
  log(`The previous OpenAI job ${job.id} ${job.status}; starting a new one.`, 'warn');
  return undefined;
}

interface StartNewJobOptions {
  client: OpenAI;
  settings: ResolvedOpenAITrainOptions;
  baseModel: string;
  outputDir: string;
  fingerprint: string;
  previous: OpenAIJobState | undefined;
  runKey: string;
  prepareFiles: () => Promise<ChatFiles>;
  log: (message: string, level?: 'info' | 'warn') => void;
  signal: AbortSignal | undefined;
  cancelJobOnAbort: boolean;
}

/** Prepares, validates and uploads the data, then creates the job, saving the state after each step. */
async function startNewJob(
  options: StartNewJobOptions,
): Promise<{ job: FineTuningJob; state: OpenAIJobState }> {
  const { client, settings, baseModel, outputDir, previous, runKey, log, signal } = options;
  const files = await options.prepareFiles();
  const trainReport = await validateForUpload(files.trainFile, baseModel, settings.epochs, 10, log, signal);
  const validationReport =
    files.validationFile === null
      ? undefined
      : await validateForUpload(files.validationFile, baseModel, settings.epochs, 1, log, signal);
  log(
    `Training data: ${trainReport.examples} examples, ${Math.round(trainReport.tokens.totalPerExample.mean)} tokens each on average ` +
      `(${trainReport.encoding}); about ${trainReport.billing.estimatedTrainingTokens} billed training tokens over ${trainReport.billing.epochs} epochs.`,
  );

  const state: OpenAIJobState = {
    schemaVersion: 1,
    settingsFingerprint: options.fingerprint,
    baseModel,
    files: { ...(previous?.files ?? {}) },
    trainExamples: trainReport.examples,
    validationExamples: validationReport?.examples ?? 0,
    progress: freshProgress(),
    previousJobs: previous?.previousJobs ?? [],
    updatedAt: new Date().toISOString(),
  };
  const upload = async (role: 'train' | 'validation', path: string) => {
    const { sha256, bytes } = await hashFile(path, signal);
    const { file, reused } = await uploadFineTuningFile({
      client,
      path,
      sha256,
      bytes,
      ...(state.files[role] === undefined ? {} : { previous: state.files[role] }),
      pollIntervalMs: settings.pollIntervalMs,
      ...(signal === undefined ? {} : { signal }),
    });
    state.files[role] = file;
    await writeOpenAIJobState(outputDir, state);
    log(
      reused
        ? `Reusing uploaded ${role} file ${file.fileId} (same content).`
        : `Uploaded ${path} as ${file.fileId}.`,
    );
    return file.fileId;
  };
  const trainingFileId = await upload('train', files.trainFile);
  const validationFileId =
    files.validationFile === null ? undefined : await upload('validation', files.validationFile);
  if (files.validationFile === null) delete state.files.validation;

  // Recorded before the call, so a job created by a request whose answer never came is still found.
  state.job = { runKey };
  await writeOpenAIJobState(outputDir, state);
  const request = {
    baseModel,
    trainingFileId,
    ...(validationFileId === undefined ? {} : { validationFileId }),
    options: settings,
    runKey,
  };
  let job: FineTuningJob;
  try {
    job = await createFineTuningJob(client, request, {
      maxRetries: settings.maxRetries,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    // Aborted mid-request: the job may exist. Do not leave it training when the caller wants it gone.
    if (CancelledError.isInstance(error) && options.cancelJobOnAbort) {
      const orphan = await findJobByRunKey(client, runKey).catch(() => undefined);
      if (orphan !== undefined && !terminalJobStatuses.has(orphan.status)) {
        const cancelled = await cancelJob(client, orphan.id).catch(() => undefined);
        state.job = { runKey, id: orphan.id, status: cancelled?.status ?? orphan.status };
        await writeOpenAIJobState(outputDir, state);
      }
    }
    throw error;
  }
  state.job = {
    runKey,
    id: job.id,
    status: job.status,
    createdAt: new Date(job.created_at * 1000).toISOString(),
  };
  await writeOpenAIJobState(outputDir, state);
  log(`Created OpenAI fine-tuning job ${job.id} on ${baseModel}.`);
  return { job, state };
}

/** Validates a file before upload: warnings become log events, errors stop the run with their summary. */
async function validateForUpload(
  path: string,
  model: string,
  epochs: number,
  minExamples: number,
  log: (message: string, level?: 'info' | 'warn') => void,
  signal: AbortSignal | undefined,
): Promise<ChatJsonlValidationReport> {
  const report = await validateChatJsonl(
    { path },
    { model, epochs, minExamples, ...(signal === undefined ? {} : { signal }) },
  );
  if (report.warnings.length > 0)
    log(`${path}: ${summarizeChatJsonlIssues(report.warningCounts, report.warnings)}`, 'warn');
  if (!report.ok)
    throw new InvalidArgumentError({
      argument: 'dataset',
      value: path,
      message: `${path} breaks OpenAI's rules for chat fine-tuning data; nothing was uploaded.\n${summarizeChatJsonlIssues(report.errorCounts, report.errors)}`,
    });
  return report;
}

/** Cancels without the run's signal, which has fired by then. */
async function cancelJob(client: OpenAI, jobId: string): Promise<FineTuningJob> {
  try {
    return await client.fineTuning.jobs.cancel(jobId);
  } catch (error) {
    throw toApiCallError(
      error,
      `cancelling fine-tuning job ${jobId} (it may still be training)`,
      `${client.baseURL}/fine_tuning/jobs/${jobId}/cancel`,
    );
  }
}

function freshProgress(): JobProgressState {
  return { lastStep: 0, checkpointIds: [] };
}

/** SHA-256 over what shapes the job; key order is fixed here, so equal settings give equal hashes. */
function settingsFingerprint(baseModel: string, settings: ResolvedOpenAITrainOptions, data: unknown): string {
  const shape = {
    baseModel,
    seed: settings.seed,
    batchSize: settings.batchSize,
    learningRateMultiplier: settings.learningRateMultiplier,
    epochs: settings.epochs,
    suffix: settings.suffix,
    baseURL: settings.baseURL,
    data,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}
