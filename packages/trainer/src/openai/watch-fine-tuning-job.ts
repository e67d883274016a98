import { ApiCallError, CancelledError, type OnEvent, sleep } from '@tonekit/core';
import type { OpenAI } from 'openai';
import type { TrainEvent } from '../train-spec.js';
import { type FineTuningRunShape, mapFineTuningEvent, metricsOf } from './map-fine-tuning-event.js';
import type { JobProgressState } from './openai-job-state.js';
import { toApiCallError } from './to-api-call-error.js';
import { withLinkedSignal } from './with-linked-signal.js';

type FineTuningJob = OpenAI.FineTuning.FineTuningJob;
type FineTuningJobEvent = OpenAI.FineTuning.Jobs.FineTuningJobEvent;
type FineTuningJobCheckpoint = OpenAI.FineTuning.Jobs.FineTuningJobCheckpoint;

export const terminalJobStatuses: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Polls that may fail in a row (after the SDK's own retries) before the watch gives up: a job runs for
 * hours, and one bad minute of the API should not end the wait.
 */
const maxConsecutivePollFailures = 10;

export interface WatchFineTuningJobOptions {
  client: OpenAI;
  jobId: string;
  /** Where the event stream stands; updated in place as events are reported. */
  progress: JobProgressState;
  /** Examples of the training file, to know the steps per epoch before the first metrics arrive. */
  trainExamples?: number;
  pollIntervalMs: number;
  onEvent?: OnEvent<TrainEvent>;
  signal?: AbortSignal;
  /** Persists `progress` (and the job's status) after each poll that reported something, before waiting again. */
  save: (job: FineTuningJob) => Promise<void>;
}

/**
 * Follows a job until it ends: each poll retrieves the job, then its new checkpoints, then its new
 * events (so every checkpoint listed already has its step's metrics among the events), and reports
 * them in order: `train-start` once the job trains, `step-end` / `eval-end` per metrics event with each
 * `checkpoint-save` after its step, `log` for the other messages. Events already reported (up to
 * `progress.lastEventId`) are never reported again, which makes re-attaching after a restart seamless.
 *
 * @returns the job in its final status (`succeeded`, `failed` or `cancelled`); the caller decides what
 *   that means. Rejects with `CancelledError` when `signal` fires.
 */
export async function watchFineTuningJob(options: WatchFineTuningJobOptions): Promise<FineTuningJob> {
  const { client, jobId, progress, trainExamples, pollIntervalMs, onEvent, signal, save } = options;
  const jobUrl = `${client.baseURL}/fine_tuning/jobs/${jobId}`;
  let trainStartReported = false;
  let failures = 0;
  for (;;) {
    let job: FineTuningJob;
    let checkpoints: FineTuningJobCheckpoint[];
    let events: FineTuningJobEvent[];
    try {
      [job, checkpoints, events] = await withLinkedSignal(signal, async (pollSignal) => {
        const polled = await client.fineTuning.jobs.retrieve(jobId, { signal: pollSignal });
        return [
          polled,
          await newCheckpoints(client, jobId, progress, pollSignal),
          await newEvents(client, jobId, progress.lastEventId, pollSignal),
        ] as const;
      });
      failures = 0;
    } catch (caught) {
      const error = toApiCallError(caught, `polling fine-tuning job ${jobId}`, jobUrl, signal);
      if (CancelledError.isInstance(error)) throw error;
      if (!(ApiCallError.isInstance(error) && error.isRetryable) || ++failures > maxConsecutivePollFailures)
        throw error;
      onEvent?.({
        type: 'log',
        level: 'warn',
        message: `Polling job ${jobId} failed (${failures} in a row), trying again: ${error.message}`,
        timestamp: Date.now(),
      });
      await sleep(pollIntervalMs, signal);
      continue;
    }

    const shape = runShape(job, events, progress, trainExamples);
    progress.totalSteps = shape.totalSteps;
    const reportTrainStart = () => {
      if (trainStartReported) return;
      trainStartReported = true;
      onEvent?.({
        type: 'train-start',
        totalSteps: shape.totalSteps,
        stepsPerEpoch: shape.stepsPerEpoch,
        startStep: progress.lastStep,
        timestamp: Date.now(),
      });
    };
    if (job.status === 'running') reportTrainStart();
    const pending = [...checkpoints].sort((a, b) => a.step_number - b.step_number);
    const reportCheckpoints = (upToStep: number) => {
      while (pending.length > 0 && pending[0]!.step_number <= upToStep) {
        const checkpoint = pending.shift()!;
        progress.checkpointIds.push(checkpoint.id);
        onEvent?.({
          type: 'checkpoint-save',
          step: checkpoint.step_number,
          // OpenAI checkpoints are models, not files: the path is the checkpoint's model id.
          path: checkpoint.fine_tuned_model_checkpoint,
          timestamp: checkpoint.created_at * 1000,
        });
      }
    };
    for (const event of events) {
      progress.lastEventId = event.id;
      const metrics = metricsOf(event);
      // A step reported before (an event stream that restarted) is not reported twice.
      if (metrics !== undefined && typeof metrics.step === 'number' && metrics.step <= progress.lastStep)
        continue;
      const mapped = mapFineTuningEvent(event, shape);
      if (mapped.some((item) => item.type === 'step-end')) reportTrainStart();
      for (const item of mapped) {
        onEvent?.(item);
        if (item.type === 'step-end') {
          progress.lastStep = item.step;
          progress.lastTrainLoss = item.loss;
        } else if (item.type === 'eval-end') {
          progress.lastValidationLoss = item.validationLoss;
        }
      }
      if (metrics !== undefined && typeof metrics.step === 'number') reportCheckpoints(metrics.step);
    }
    reportCheckpoints(Number.POSITIVE_INFINITY);
    await save(job);
    if (terminalJobStatuses.has(job.status)) return job;
    await sleep(pollIntervalMs, signal);
  }
}

/** Steps per epoch and in total: from the metrics when they say, else from the examples and the job's hyper-parameters. */
function runShape(
  job: FineTuningJob,
  events: readonly FineTuningJobEvent[],
  progress: JobProgressState,
  trainExamples: number | undefined,
): FineTuningRunShape {
  const hyperparameters = job.method?.supervised?.hyperparameters ?? job.hyperparameters;
  const epochs = typeof hyperparameters.n_epochs === 'number' ? hyperparameters.n_epochs : undefined;
  const batchSize = typeof hyperparameters.batch_size === 'number' ? hyperparameters.batch_size : undefined;
  let totalSteps = progress.totalSteps;
  for (const event of events) {
    const total = metricsOf(event)?.total_steps;
    if (typeof total === 'number') totalSteps = total;
  }
  const fromExamples =
    trainExamples !== undefined && batchSize !== undefined ? Math.ceil(trainExamples / batchSize) : undefined;
  const stepsPerEpoch =
    totalSteps !== undefined && epochs !== undefined ? totalSteps / epochs : (fromExamples ?? 0);
  totalSteps ??= epochs !== undefined && fromExamples !== undefined ? fromExamples * epochs : 0;
  return { stepsPerEpoch, totalSteps };
}

/** Events after `lastEventId`, oldest first. The API lists newest first and pages backwards with `after`. */
async function newEvents(
  client: OpenAI,
  jobId: string,
  lastEventId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<FineTuningJobEvent[]> {
  const collected: FineTuningJobEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.fineTuning.jobs.listEvents(
      jobId,
      after === undefined ? { limit: 100 } : { limit: 100, after },
      { signal },
    );
    for (const event of page.data) {
      if (event.id === lastEventId) return collected.reverse();
      collected.push(event);
    }
    const last = page.data.at(-1);
    if (!page.has_more || last === undefined) return collected.reverse();
    after = last.id;
  }
}

/** Checkpoints not reported yet (OpenAI keeps those of the last three epochs). */
async function newCheckpoints(
  client: OpenAI,
  jobId: string,
  progress: JobProgressState,
  signal: AbortSignal | undefined,
): Promise<FineTuningJobCheckpoint[]> {
  const seen = new Set(progress.checkpointIds);
  const found: FineTuningJobCheckpoint[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.fineTuning.jobs.checkpoints.list(
      jobId,
      after === undefined ? { limit: 100 } : { limit: 100, after },
      { signal },
    );
    found.push(...page.data.filter((checkpoint) => !seen.has(checkpoint.id)));
    const last = page.data.at(-1);
    if (!page.has_more || last === undefined) return found;
    after = last.id;
  }
}
