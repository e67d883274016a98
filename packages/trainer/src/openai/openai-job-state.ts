import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { writeFileAtomically } from '../files/write-file-atomically.js';

/** The state file's name inside the run's output folder. */
export const openAIJobStateFileName = 'openai-job.json';

/** A file uploaded to OpenAI, identified by content so an identical file is not uploaded twice. */
export interface UploadedFileState {
  fileId: string;
  /** Lower-case hex SHA-256 of the uploaded bytes. */
  sha256: string;
  bytes: number;
  filename: string;
}

/** How far the watcher got, so a re-attached run resumes its event stream where it stopped. */
export interface JobProgressState {
  /** The newest job event already turned into a TrainEvent. */
  lastEventId?: string;
  lastStep: number;
  totalSteps?: number;
  lastTrainLoss?: number;
  lastValidationLoss?: number;
  /** Checkpoints already reported. */
  checkpointIds: string[];
}

/**
 * `<outputDir>/openai-job.json`: everything needed to re-attach to a job after a restart instead of
 * paying for a second one. Written atomically (temporary file, then rename), so a crash leaves either
 * the old or the new state, never half of one.
 */
export interface OpenAIJobState {
  schemaVersion: 1;
  /** SHA-256 of what shapes the job (model, hyper-parameters, suffix, data); a different one means a new job. */
  settingsFingerprint: string;
  baseModel: string;
  files: { train?: UploadedFileState; validation?: UploadedFileState };
  /**
   * The current attempt. `runKey` is written before the create call and sent as the job's metadata, so
   * a job whose creation was interrupted before its id was saved is still found (by listing jobs).
   */
  job?: { runKey: string; id?: string; status?: string; createdAt?: string };
  trainExamples?: number;
  validationExamples?: number;
  progress: JobProgressState;
  modelId?: string;
  trainedTokens?: number;
  /** Attempts that failed or were cancelled before the current one. */
  previousJobs: { id: string; status: string }[];
  updatedAt: string;
}

export function openAIJobStatePath(outputDir: string): string {
  return join(outputDir, openAIJobStateFileName);
}

/** The state of `outputDir`, or `undefined` for a fresh run. */
export async function readOpenAIJobState(outputDir: string): Promise<OpenAIJobState | undefined> {
  const path = openAIJobStatePath(outputDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError({
      argument: 'outputDir',
      value: outputDir,
      message: `${path} is not valid JSON; it holds the OpenAI job of this run: fix or delete it (deleting starts a new job).`,
      cause,
    });
  }
  if ((state as { schemaVersion?: unknown } | null)?.schemaVersion !== 1)
    throw new InvalidArgumentError({
      argument: 'outputDir',
      value: outputDir,
      message: `${path} has an unknown schemaVersion; it was written by another version of @tonekit/trainer.`,
    });
  return state as OpenAIJobState;
}

export async function writeOpenAIJobState(outputDir: string, state: OpenAIJobState): Promise<void> {
  const path = openAIJobStatePath(outputDir);
  await writeFileAtomically(
    path,
    `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}
