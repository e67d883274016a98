import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DatasetFormatError } from '@tonekit/dataset';
import { writeFileAtomically } from '../files/write-file-atomically.js';
import type { TrainResult } from '../train-spec.js';
import type { SweepRunSettings } from './sweep-spec.js';

export const sweepStateFileName = 'sweep-state.json';

export type SweepRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const sweepRunStatuses: readonly SweepRunStatus[] = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];

/** What a run trains, in the terms of the results table; taken from its resolved spec. */
export interface SweepRunConfiguration {
  backend: 'local' | 'openai';
  baseModel: string;
  /** The train split, e.g. `train-1000`. */
  split: string;
  /** Local backend only. */
  rank?: number;
  learningRate?: number;
  /** `auto` when the device decides at run time (bf16 on CUDA, fp32 on CPU). */
  precision?: string;
}

/** One run's entry in `sweep-state.json`. */
export interface SweepRunState {
  id: string;
  /** The run folder, relative to the sweep folder (POSIX separators), so the sweep folder can move. */
  outputDir: string;
  settings: SweepRunSettings;
  configuration: SweepRunConfiguration;
  /** Rows of the train split, from the dataset manifest. */
  trainingSamples?: number;
  /**
   * What the run trains: its resolved spec without secrets, the run folder and settings that do not
   * change the result (`comparableTrainSpec`). A resumed sweep compares it to tell that a finished run
   * was trained with other settings than the sweep file now says.
   */
  spec: Record<string, unknown>;
  status: SweepRunStatus;
  /** Times the run was started, this one included. */
  attempts: number;
  /** ISO 8601, of the latest attempt. */
  startedAt?: string;
  finishedAt?: string;
  /** The latest attempt's result, when it returned one (succeeded or cancelled). */
  result?: TrainResult;
  /** Why the latest attempt failed or was cancelled. */
  error?: { name: string; message: string };
}

/** `<sweep>/sweep-state.json`: the queue, rewritten atomically after every change. */
export interface SweepState {
  schemaVersion: 1;
  name: string;
  /** The results table's model column, when the sweep file sets one. */
  model?: string;
  /** Where each run's evaluator metrics.json is looked for (see `SweepEvaluationSpec`). */
  metricsPath: string;
  createdAt: string;
  updatedAt: string;
  /**
   * In sweep order; runs of an earlier version of the sweep file that the current one no longer
   * lists are kept at the end, so their results are not lost.
   */
  runs: SweepRunState[];
}

/** The state of a sweep folder, or `undefined` when the folder has none yet. */
export async function readSweepState(sweepDir: string): Promise<SweepState | undefined> {
  const file = path.join(sweepDir, sweepStateFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DatasetFormatError({
      file,
      message: `${file} is not valid JSON (${(error as Error).message}); it is rewritten atomically, so it was edited or damaged by something else.`,
      cause: error,
    });
  }
  return checkSweepState(value, file);
}

export async function writeSweepState(sweepDir: string, state: SweepState): Promise<void> {
  await writeFileAtomically(path.join(sweepDir, sweepStateFileName), `${JSON.stringify(state, null, 2)}\n`);
}

/** Enough checks that the queue logic can trust the shape; names the file and the field. */
function checkSweepState(value: unknown, file: string): SweepState {
  const fail = (field: string, expected: string): never => {
    throw new DatasetFormatError({ file, message: `${file}: \`${field}\` must be ${expected}.` });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the top level', 'an object');
  const state = value as Record<string, unknown>;
  if (state['schemaVersion'] !== 1) {
    fail('schemaVersion', '1 (this version of @tonekit/trainer reads sweep state version 1)');
  }
  if (typeof state['name'] !== 'string') fail('name', 'a string');
  if (typeof state['metricsPath'] !== 'string') fail('metricsPath', 'a string');
  if (!Array.isArray(state['runs'])) fail('runs', 'a list');
  (state['runs'] as unknown[]).forEach((run, index) => {
    const where = `runs[${index}]`;
    if (typeof run !== 'object' || run === null) fail(where, 'an object');
    const entry = run as Record<string, unknown>;
    if (typeof entry['id'] !== 'string' || entry['id'] === '') fail(`${where}.id`, 'a non-empty string');
    if (typeof entry['outputDir'] !== 'string') fail(`${where}.outputDir`, 'a string');
    if (!sweepRunStatuses.includes(entry['status'] as SweepRunStatus)) {
      fail(`${where}.status`, `one of ${sweepRunStatuses.join(', ')}`);
    }
    if (typeof entry['spec'] !== 'object' || entry['spec'] === null) fail(`${where}.spec`, 'an object');
    if (typeof entry['attempts'] !== 'number') fail(`${where}.attempts`, 'a number');
    if (typeof entry['configuration'] !== 'object' || entry['configuration'] === null) {
      fail(`${where}.configuration`, 'an object');
    }
    if (typeof entry['settings'] !== 'object' || entry['settings'] === null)
      fail(`${where}.settings`, 'an object');
  });
  return value as SweepState;
}
