import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError, type OnEvent } from '@tonekit/core';
import { type DatasetManifest, readDatasetManifest } from '@tonekit/dataset';
import { writeFileAtomically } from '../files/write-file-atomically.js';
import type { ResolvedTrainSpec } from '../parse-train-spec.js';
import type { TrainOptions, trainLora } from '../train-lora.js';
import type { TrainEvent, TrainResult } from '../train-spec.js';
import type { PythonWorker } from '../worker/index.js';
import { collectSweepResults, type SweepResultRow } from './collect-sweep-results.js';
import { comparableTrainSpec, differingFields } from './comparable-train-spec.js';
import { expandSweep } from './expand-sweep.js';
import { formatSweepTable } from './format-sweep-table.js';
import { acquireSweepLock } from './sweep-lock.js';
import type { SweepRun, SweepRunSettings, SweepSpec } from './sweep-spec.js';
import {
  readSweepState,
  type SweepRunConfiguration,
  type SweepRunState,
  type SweepRunStatus,
  type SweepState,
  sweepRunStatuses,
  sweepStateFileName,
  writeSweepState,
} from './sweep-state.js';

export interface RunSweepOptions {
  onEvent?: OnEvent<SweepEvent>;
  /** Cancels the run in progress (it saves a checkpoint and is recorded `cancelled`) and stops the queue. */
  signal?: AbortSignal;
  /** Trains one run; default `trainLora`. Injectable so the queue can be tested without Python. */
  train?: typeof trainLora;
  /** Run only these run ids (as `expandSweep` names them); the others keep their state. */
  only?: string[];
  /** Runs at a time. Only 1 for now: runs share the accelerator, and a second would only contend for it. */
  concurrency?: 1;
  /** Stop the queue at the first failed run instead of recording it and going on. Default false. */
  stopOnFailure?: boolean;
  /** Local backend: the Python interpreter, over `base.local.python` (passed to `trainLora`). */
  python?: string;
  /** Local backend: one running worker for every run, which saves a Python start-up per run. */
  worker?: PythonWorker;
}

interface RunEventBase {
  runId: string;
  /** The run's position in the sweep (0-based) and the number of runs in the sweep. */
  index: number;
  total: number;
  /** The run's position among the runs this call trains (1-based) and their number. */
  queuePosition: number;
  queueLength: number;
  timestamp: number;
}

export type SweepEvent =
  | (RunEventBase & {
      type: 'run-start';
      settings: SweepRunSettings;
      outputDir: string;
      /** 1 for a first attempt; more when an interrupted, cancelled or failed run is taken up again. */
      attempt: number;
    })
  | (RunEventBase & { type: 'run-end'; status: 'succeeded' | 'cancelled'; result?: TrainResult })
  | (RunEventBase & { type: 'run-failed'; error: { name: string; message: string } })
  | { type: 'train'; runId: string; event: TrainEvent; timestamp?: number }
  | { type: 'sweep-end'; summary: SweepSummary; timestamp: number };

export interface SweepSummary {
  name: string;
  sweepDir: string;
  /**
   * `succeeded` when every run this call was asked for has succeeded (now or earlier), `cancelled`
   * when the signal stopped it, `failed` otherwise (a run failed, or `stopOnFailure` left runs pending).
   */
  status: 'succeeded' | 'failed' | 'cancelled';
  /** Runs by status, over the whole sweep state. */
  counts: Record<SweepRunStatus, number>;
  /** Run ids trained by this call, in order (whatever their outcome). */
  ran: string[];
  /** Run ids skipped because they had already succeeded. */
  skipped: string[];
  /** Every run's state, in sweep order. */
  runs: SweepRunState[];
  results: SweepResultRow[];
  statePath: string;
  resultsCsvPath: string;
  resultsMarkdownPath: string;
}

/**
 * Trains every run of a sweep, one after another, as a queue persisted in `<sweep>/sweep-state.json`
 * (rewritten atomically at every change, so a crash loses nothing):
 *
 * - runs are `pending`, `running`, `succeeded`, `failed` or `cancelled`, with the result or the error;
 * - calling again resumes: succeeded runs are skipped; interrupted, cancelled and failed runs are
 *   trained again, and `trainLora` continues each from its newest checkpoint;
 * - a failed run is recorded and the queue goes on (unless `stopOnFailure`);
 * - aborting `signal` cancels the current run (it checkpoints) and stops the queue; the call then
 *   resolves with `status: 'cancelled'`, since the state and the tables are written all the same;
 * - `<sweep>/results.csv` and `results.md` (`collectSweepResults`) are rewritten after every run and
 *   at the end.
 *
 * Before the first run every dataset split the queue needs is checked against the dataset manifest,
 * so a missing `train-5000` fails at once rather than after hours of the other runs. A sweep whose
 * finished runs were trained with other settings than the sweep file now gives is refused (results of
 * two configurations would be mixed in one table); change `outputDir` for a new sweep.
 *
 * @throws InvalidArgumentError for bad options, a changed spec of a succeeded run or a missing split;
 * TonekitError when another process is running the same sweep folder.
 */
export async function runSweep(spec: SweepSpec, options: RunSweepOptions = {}): Promise<SweepSummary> {
  const { onEvent, signal, only, stopOnFailure = false } = options;
  if (options.concurrency !== undefined && options.concurrency !== 1) {
    throw new InvalidArgumentError({
      argument: 'concurrency',
      value: options.concurrency,
      message:
        'only 1 is supported: runs share one accelerator, so running two at once would only slow both.',
    });
  }
  const runs = expandSweep(spec);
  const selected = selectRuns(runs, only);
  const train = options.train ?? (await loadTrainLora());
  const sweepDir = spec.outputDir;
  await mkdir(sweepDir, { recursive: true });
  const lock = await acquireSweepLock(sweepDir);
  try {
    const now = new Date().toISOString();
    const state = mergeState(spec, runs, await readSweepState(sweepDir), now);
    const records = new Map(state.runs.map((record) => [record.id, record]));
    const queue = selected.filter((run) => records.get(run.id)?.status !== 'succeeded');
    const skipped = selected
      .filter((run) => records.get(run.id)?.status === 'succeeded')
      .map((run) => run.id);
    await checkDatasetSplits(queue, spec, records);
    await save(sweepDir, state);

    const emit = (event: SweepEvent) => onEvent?.(event);
    const ran: string[] = [];
    let cancelled = false;
    let stopped = false;
    for (const [position, run] of queue.entries()) {
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      const record = records.get(run.id)!;
      const base = {
        runId: run.id,
        index: run.index,
        total: runs.length,
        queuePosition: position + 1,
        queueLength: queue.length,
      };
      record.status = 'running';
      record.attempts += 1;
      record.startedAt = new Date().toISOString();
      delete record.finishedAt;
      delete record.result;
      delete record.error;
      await save(sweepDir, state);
      ran.push(run.id);
      emit({
        type: 'run-start',
        ...base,
        settings: run.settings,
        outputDir: run.outputDir,
        attempt: record.attempts,
        timestamp: Date.now(),
      });

      const outcome = await trainOne(train, run.spec, {
        onEvent: (event) => emit({ type: 'train', runId: run.id, event, timestamp: Date.now() }),
        ...(signal === undefined ? {} : { signal }),
        ...(options.python === undefined ? {} : { python: options.python }),
        ...(options.worker === undefined ? {} : { worker: options.worker }),
      });
      record.finishedAt = new Date().toISOString();
      record.status = outcome.status;
      if (outcome.result !== undefined) record.result = outcome.result;
      if (outcome.error !== undefined) record.error = outcome.error;
      await save(sweepDir, state);
      // Fresh tables after every run, for sweeps that take days. Best effort here: a bad metrics.json
      // of some evaluated run must not stop the training queue; the final write below reports it.
      await writeResults(sweepDir).catch(() => undefined);

      if (outcome.status === 'failed') {
        emit({ type: 'run-failed', ...base, error: outcome.error!, timestamp: Date.now() });
        if (stopOnFailure) {
          stopped = true;
          break;
        }
        continue;
      }
      emit({
        type: 'run-end',
        ...base,
        status: outcome.status,
        ...(outcome.result === undefined ? {} : { result: outcome.result }),
        timestamp: Date.now(),
      });
      if (outcome.status === 'cancelled' || signal?.aborted) {
        cancelled = true;
        break;
      }
    }

    const results = await writeResults(sweepDir);
    const selectedStatuses = selected.map((run) => records.get(run.id)?.status);
    const summary: SweepSummary = {
      name: spec.name,
      sweepDir,
      status: cancelled
        ? 'cancelled'
        : !stopped && selectedStatuses.every((status) => status === 'succeeded')
          ? 'succeeded'
          : 'failed',
      counts: countStatuses(state.runs),
      ran,
      skipped,
      runs: state.runs,
      results,
      statePath: path.join(sweepDir, sweepStateFileName),
      resultsCsvPath: path.join(sweepDir, 'results.csv'),
      resultsMarkdownPath: path.join(sweepDir, 'results.md'),
    };
    emit({ type: 'sweep-end', summary, timestamp: Date.now() });
    return summary;
  } finally {
    await lock.release();
  }
}

// Loaded on first use so that parsing, expanding and collecting sweeps (and tests that inject
// `train`) never load the worker driver and the OpenAI client.
async function loadTrainLora(): Promise<typeof trainLora> {
  return (await import('../train-lora.js')).trainLora;
}

function selectRuns(runs: SweepRun[], only: string[] | undefined): SweepRun[] {
  if (only === undefined) return runs;
  const ids = new Set(runs.map((run) => run.id));
  const unknown = only.filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    const examples = runs
      .slice(0, 3)
      .map((run) => run.id)
      .join(', ');
    throw new InvalidArgumentError({
      argument: 'only',
      value: only,
      message: `${unknown.map((id) => JSON.stringify(id)).join(', ')} ${unknown.length === 1 ? 'is not a run' : 'are not runs'} of this sweep; its ${runs.length} run ids look like ${examples}.`,
    });
  }
  const wanted = new Set(only);
  return runs.filter((run) => wanted.has(run.id));
}

interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  result?: TrainResult;
  error?: { name: string; message: string };
}

async function trainOne(
  train: typeof trainLora,
  spec: ResolvedTrainSpec,
  options: TrainOptions,
): Promise<RunOutcome> {
  try {
    const result = await train(spec, options);
    return { status: result.status === 'succeeded' ? 'succeeded' : 'cancelled', result };
  } catch (error) {
    const failure = describeError(error);
    // trainLora rejects with CancelledError when the signal fires before training started.
    if (CancelledError.isInstance(error) || options.signal?.aborted) {
      return { status: 'cancelled', error: failure };
    }
    return { status: 'failed', error: failure };
  }
}

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * The state for this call: the recorded entries of the runs the spec lists (in sweep order, with
 * their configuration brought up to date unless they succeeded), new ones `pending`, and entries of
 * runs the spec no longer lists kept at the end. A `running` entry means the process that ran it is
 * gone (the lock is ours), so it is taken up again.
 */
function mergeState(
  spec: SweepSpec,
  runs: SweepRun[],
  previous: SweepState | undefined,
  now: string,
): SweepState {
  const recorded = new Map((previous?.runs ?? []).map((record) => [record.id, record]));
  const changed: string[] = [];
  const merged = runs.map((run): SweepRunState => {
    const comparable = comparableTrainSpec(run.spec);
    const fresh = {
      id: run.id,
      outputDir: path.relative(spec.outputDir, run.outputDir).split(path.sep).join('/'),
      settings: run.settings,
      configuration: runConfiguration(run.spec),
      spec: comparable,
    };
    const old = recorded.get(run.id);
    recorded.delete(run.id);
    if (old === undefined) return { ...fresh, status: 'pending', attempts: 0 };
    if (old.status === 'succeeded') {
      const fields = differingFields(old.spec, comparable);
      if (fields.length > 0) changed.push(`${run.id} (${fields.slice(0, 4).join(', ')})`);
      return old;
    }
    return { ...old, ...fresh, status: old.status === 'running' ? 'pending' : old.status };
  });
  if (changed.length > 0) {
    throw new InvalidArgumentError({
      argument: 'spec',
      message: `${spec.outputDir} holds finished runs trained with other settings than the sweep file now gives: ${changed.slice(0, 3).join('; ')}${changed.length > 3 ? `; and ${changed.length - 3} more` : ''}. Use a new outputDir for a new sweep, or restore the settings to resume this one.`,
    });
  }
  return {
    schemaVersion: 1,
    name: spec.name,
    ...(spec.model === undefined ? {} : { model: spec.model }),
    metricsPath: spec.evaluation.metricsPath,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    runs: [...merged, ...recorded.values()],
  };
}

function runConfiguration(spec: ResolvedTrainSpec): SweepRunConfiguration {
  const configuration: SweepRunConfiguration = {
    backend: spec.backend,
    baseModel: spec.baseModel,
    split: spec.dataset.split,
  };
  if (spec.backend === 'local') {
    configuration.rank = spec.local.rank;
    configuration.learningRate = spec.local.learningRate;
    configuration.precision = spec.local.precision;
  }
  return configuration;
}

/** Every split the queue trains on must be in its dataset's manifest; records the split sizes. */
async function checkDatasetSplits(
  queue: SweepRun[],
  spec: SweepSpec,
  records: Map<string, SweepRunState>,
): Promise<void> {
  const manifests = new Map<string, DatasetManifest>();
  for (const run of queue) {
    const { path: datasetPath, split } = run.spec.dataset;
    let manifest = manifests.get(datasetPath);
    if (manifest === undefined) {
      try {
        manifest = await readDatasetManifest(datasetPath);
      } catch (error) {
        throw new InvalidArgumentError({
          argument: 'base.dataset.path',
          value: datasetPath,
          message: `cannot read the dataset of run ${run.id}: ${(error as Error).message}`,
          cause: error,
        });
      }
      manifests.set(datasetPath, manifest);
    }
    const rows = manifest.counts[split];
    if (rows === undefined) {
      const available = Object.keys(manifest.counts)
        .filter((name) => name === 'train' || name.startsWith('train-'))
        .join(', ');
      throw new InvalidArgumentError({
        argument: spec.grid.subset === undefined ? 'base.dataset.split' : 'grid.subset',
        value: split,
        message: `the dataset ${datasetPath} has no split ${split} (run ${run.id}); it has ${available || 'no train splits'}.`,
      });
    }
    records.get(run.id)!.trainingSamples = rows;
  }
}

async function save(sweepDir: string, state: SweepState): Promise<void> {
  state.updatedAt = new Date().toISOString();
  await writeSweepState(sweepDir, state);
}

async function writeResults(sweepDir: string): Promise<SweepResultRow[]> {
  const rows = await collectSweepResults(sweepDir);
  await writeFileAtomically(path.join(sweepDir, 'results.csv'), formatSweepTable(rows, 'csv'));
  await writeFileAtomically(path.join(sweepDir, 'results.md'), formatSweepTable(rows, 'markdown'));
  return rows;
}

function countStatuses(runs: readonly SweepRunState[]): Record<SweepRunStatus, number> {
  const counts = Object.fromEntries(sweepRunStatuses.map((status) => [status, 0])) as Record<
    SweepRunStatus,
    number
  >;
  for (const run of runs) counts[run.status] += 1;
  return counts;
}
