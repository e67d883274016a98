import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CancelledError,
  InvalidArgumentError,
  readPackageIdentity,
  WorkerCrashedError,
  WorkerError,
} from '@tonekit/core';
import { hashFile } from '../files/hash-file.js';
import type { ResolvedTrainSpec } from '../parse-train-spec.js';
import { type PreparedChatData, prepareChatData } from '../prepare-chat-data.js';
import type { TrainOptions } from '../train-lora.js';
import type { TrainEvent, TrainResult } from '../train-spec.js';
import { PythonWorker, resolvePython } from '../worker/index.js';
import { type LocalRunState, LocalRunStateWriter, readLocalRunState } from './local-run-state.js';
import { resolveLocalRuntime } from './resolve-local-runtime.js';
import { toTrainEvent } from './to-train-event.js';
import { trainRequestParams } from './train-request-params.js';
import { trainingChanges } from './training-changes.js';

/** The `train` result as the worker sends it (PROTOCOL.md). */
interface WorkerTrainResult {
  status: 'succeeded' | 'cancelled';
  steps: number;
  final_loss?: number | null;
  validation_loss?: number | null;
  adapter_dir?: string | null;
  gguf_adapter_path?: string | null;
  merged_dir?: string | null;
  peak_memory_bytes?: number | null;
}

/**
 * The local backend of `trainLora`: prepares the chat data in `<outputDir>/data`, trains in the Python
 * worker (started here, or `options.worker`), and keeps `<outputDir>/run.json` current so that a run
 * that crashed, failed or was cancelled continues from its newest checkpoint when called again with
 * the same spec (bit for bit on CPU). Aborting `options.signal` during training stops at the next
 * optimizer step with a checkpoint and resolves with `status: 'cancelled'`.
 */
export async function trainLocally(
  spec: ResolvedTrainSpec,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const { onEvent, signal } = options;
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  const emit = (event: TrainEvent) => onEvent?.(event);
  const previous = await readLocalRunState(spec.outputDir);

  if (previous !== undefined && options.resume !== false) {
    const changes = trainingChanges(previous.config, spec);
    if (changes.length > 0) {
      throw new InvalidArgumentError({
        argument: 'outputDir',
        value: spec.outputDir,
        message:
          `${spec.outputDir} holds a ${previous.status} run of a different spec (${changes.join('; ')}). ` +
          'Use another outputDir, restore the spec to resume, or pass resume: false to start over, which ' +
          'deletes its checkpoints.',
      });
    }
    if (
      previous.status === 'succeeded' &&
      previous.result !== undefined &&
      previous.config.local.maxSteps === spec.local.maxSteps
    ) {
      // Re-running a finished run (a sweep restarted, a script run twice) must not train it again.
      emit({
        type: 'log',
        level: 'info',
        message: `${spec.outputDir} already holds this finished run; returning its result (pass resume: false to train again).`,
        timestamp: Date.now(),
      });
      emit({ type: 'done', result: previous.result, timestamp: Date.now() });
      return previous.result;
    }
  }
  const resume = options.resume ?? previous !== undefined;
  if (!resume) {
    // A fresh run must not pick up (or interleave its own with) checkpoints of an earlier one.
    await rm(join(spec.outputDir, 'checkpoints'), { recursive: true, force: true });
  }

  const data = await prepareChatData({
    dataset: spec.dataset,
    systemPrompt: spec.systemPromptText,
    outDir: spec.outputDir,
    ...(signal === undefined ? {} : { signal }),
  });
  const inputs = await dataInputs(data, signal);
  if (resume && previous !== undefined) {
    const before = previous.inputs.find((input) => input.path === data.trainFile)?.sha256;
    if (before !== undefined && before !== inputs[0]?.sha256) {
      throw new InvalidArgumentError({
        argument: 'dataset',
        value: spec.dataset,
        message:
          `the training data of ${spec.outputDir} changed since its checkpoints were saved (the dataset ` +
          'folder was rewritten?), so resuming would mix two datasets. Use another outputDir or pass ' +
          'resume: false to start over.',
      });
    }
  }
  emit({
    type: 'prepare-end',
    trainExamples: data.trainExamples,
    validationExamples: data.validationExamples,
    skippedExamples: data.skippedExamples,
    timestamp: Date.now(),
  });

  const now = new Date().toISOString();
  const writer = new LocalRunStateWriter(
    spec.outputDir,
    initialState(
      spec,
      previous,
      resume,
      data,
      inputs,
      now,
      await readPackageIdentity(new URL('../../package.json', import.meta.url)),
    ),
  );
  await writer.update(() => {});

  let worker: PythonWorker | undefined = options.worker;
  const ownsWorker = worker === undefined;
  const python = options.python ?? spec.local.python;
  try {
    worker ??= await PythonWorker.start({
      ...(python === undefined ? {} : { python }),
      ...(signal === undefined ? {} : { signal }),
    });
    const runtime = resolveLocalRuntime(
      worker.ready,
      spec.local,
      ownsWorker ? await resolvePython(python === undefined ? {} : { python }) : 'python',
    );
    const { capabilities } = worker.ready;
    await writer.update((state) => {
      state.device = runtime.device;
      state.precision = runtime.precision;
      state.runtime = {
        node: process.versions.node,
        python: worker!.ready.python,
        platform: worker!.ready.platform,
        worker: worker!.ready.workerVersion,
        ...definedVersions({
          torch: capabilities.torch,
          cuda: capabilities.cuda,
          transformers: capabilities.transformers,
          peft: capabilities.peft,
          bitsandbytes: capabilities.bitsandbytes,
        }),
      };
    });
    for (const message of runtime.notes) emit({ type: 'log', level: 'info', message, timestamp: Date.now() });

    const raw = await worker.request<WorkerTrainResult>(
      'train',
      trainRequestParams(spec, data, runtime, resume),
      {
        ...(signal === undefined ? {} : { signal }),
        onEvent: (workerEvent) => {
          const event = toTrainEvent(workerEvent);
          if (event === undefined) return;
          track(writer, event);
          emit(event);
        },
      },
    );
    const result = toTrainResult(raw);
    await writer.update((state) => {
      const finishedAt = new Date().toISOString();
      state.status = result.status;
      state.finishedAt = finishedAt;
      state.result = result;
      state.lastStep = result.steps;
      const attempt = state.attempts.at(-1);
      if (attempt !== undefined) Object.assign(attempt, { status: result.status, finishedAt });
    });
    emit({ type: 'done', result, timestamp: Date.now() });
    return result;
  } catch (error) {
    const cancelled = CancelledError.isInstance(error);
    await writer
      .update((state) => {
        const finishedAt = new Date().toISOString();
        state.status = cancelled ? 'cancelled' : 'failed';
        state.finishedAt = finishedAt;
        if (!cancelled) state.error = { name: (error as Error).name, message: (error as Error).message };
        const attempt = state.attempts.at(-1);
        if (attempt !== undefined) Object.assign(attempt, { status: state.status, finishedAt });
      })
      .catch(() => {});
    throw explain(error, writer.state);
  } finally {
    if (ownsWorker) await worker?.close();
  }
}

function initialState(
  spec: ResolvedTrainSpec,
  previous: LocalRunState | undefined,
  resume: boolean,
  data: PreparedChatData,
  inputs: LocalRunState['inputs'],
  now: string,
  packages: Record<string, string>,
): LocalRunState {
  const kept = resume ? previous : undefined;
  const config = withoutSecrets(spec);
  return {
    schemaVersion: 1,
    runId: spec.name,
    command: 'train',
    backend: 'local',
    status: 'running',
    startedAt: kept?.startedAt ?? now,
    updatedAt: now,
    config,
    packages,
    seeds: { training: spec.local.seed },
    inputs,
    counts: {
      trainExamples: data.trainExamples,
      validationExamples: data.validationExamples,
      skippedExamples: data.skippedExamples,
    },
    usage: [],
    ...(kept?.totalSteps === undefined ? {} : { totalSteps: kept.totalSteps }),
    ...(kept?.lastStep === undefined ? {} : { lastStep: kept.lastStep }),
    lastCheckpoint: kept?.lastCheckpoint ?? null,
    attempts: [...(kept?.attempts ?? []), { startedAt: now, status: 'running' }],
  };
}

/** Keeps run.json current with what the worker reports; checkpoints are written at once. */
function track(writer: LocalRunStateWriter, event: TrainEvent): void {
  switch (event.type) {
    case 'train-start':
      void writer
        .update((state) => {
          state.totalSteps = event.totalSteps;
          const attempt = state.attempts.at(-1);
          if (attempt !== undefined) attempt.startStep = event.startStep;
        })
        .catch(() => {});
      break;
    case 'step-end':
      // In memory only: a write per step would be churn; the next checkpoint or the end records it.
      writer.state.lastStep = event.step;
      break;
    case 'checkpoint-save':
      void writer
        .update((state) => {
          state.lastCheckpoint = { step: event.step, path: event.path };
        })
        .catch(() => {});
      break;
    default:
      break;
  }
}

function toTrainResult(raw: WorkerTrainResult): TrainResult {
  return {
    backend: 'local',
    status: raw.status,
    steps: raw.steps,
    ...(typeof raw.final_loss === 'number' ? { finalLoss: raw.final_loss } : {}),
    ...(typeof raw.validation_loss === 'number' ? { validationLoss: raw.validation_loss } : {}),
    ...(typeof raw.adapter_dir === 'string' ? { adapterDir: raw.adapter_dir } : {}),
    ...(typeof raw.gguf_adapter_path === 'string' ? { ggufAdapterPath: raw.gguf_adapter_path } : {}),
    ...(typeof raw.merged_dir === 'string' ? { mergedDir: raw.merged_dir } : {}),
    ...(typeof raw.peak_memory_bytes === 'number' ? { peakMemoryBytes: raw.peak_memory_bytes } : {}),
  };
}

/** Errors rewritten to say what to do next; the original is kept as `cause`. */
function explain(error: unknown, state: LocalRunState): unknown {
  if (WorkerCrashedError.isInstance(error)) {
    const checkpoint = state.lastCheckpoint;
    const how =
      error.signal !== null
        ? `was killed by ${error.signal}`
        : `exited with code ${error.exitCode ?? 'unknown'}`;
    const next =
      checkpoint === null
        ? 'No checkpoint was saved before it stopped, so running it again starts from the beginning.'
        : `The run can resume from its last checkpoint (step ${checkpoint.step}, ${checkpoint.path}): ` +
          'call trainLora again with the same spec and outputDir (CLI: run the same `tonekit train --config ...` ' +
          'again); it resumes automatically.';
    const tail = error.stderrTail.trim();
    return new WorkerCrashedError({
      exitCode: error.exitCode,
      signal: error.signal,
      stderrTail: error.stderrTail,
      message:
        `The training worker ${how} during the run in ${state.config.outputDir}. ${next}` +
        (tail === '' ? '' : `\nLast stderr output:\n${tail}`),
      cause: error,
    });
  }
  if (WorkerError.isInstance(error) && error.code === 'cuda_oom') {
    const { local } = state.config;
    return new WorkerError({
      code: error.code,
      pythonType: error.pythonType,
      traceback: error.traceback,
      message:
        `${error.message}\nCUDA ran out of memory. Lower local.microBatchSize (now ${local.microBatchSize}) and ` +
        `raise local.gradientAccumulationSteps (now ${local.gradientAccumulationSteps}) to keep the effective ` +
        'batch, set local.gradientCheckpointing: true, lower local.maxLength, or use local.precision: int8. ' +
        (state.lastCheckpoint === null
          ? ''
          : `Running again resumes from the checkpoint at step ${state.lastCheckpoint.step}.`),
      cause: error,
    });
  }
  return error;
}

async function dataInputs(
  data: PreparedChatData,
  signal: AbortSignal | undefined,
): Promise<LocalRunState['inputs']> {
  const files = [data.trainFile, ...(data.validationFile === null ? [] : [data.validationFile])];
  return Promise.all(files.map(async (path) => ({ path, sha256: (await hashFile(path, signal)).sha256 })));
}

function withoutSecrets(spec: ResolvedTrainSpec): ResolvedTrainSpec {
  const { apiKey: _apiKey, ...openai } = spec.openai;
  return { ...spec, openai };
}

function definedVersions(versions: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(versions).filter((entry): entry is [string, string] => entry[1] !== null),
  );
}
