import type { OpenAI } from 'openai';
import type { TrainEvent } from '../train-spec.js';

/** The numbers OpenAI puts in a `metrics` event's `data` (all optional: fields come and go by model). */
export interface FineTuningMetrics {
  step?: number;
  total_steps?: number;
  train_loss?: number;
  train_mean_token_accuracy?: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
  full_valid_loss?: number;
  full_valid_mean_token_accuracy?: number;
}

export interface FineTuningRunShape {
  stepsPerEpoch: number;
  totalSteps: number;
}

/** The metrics of a `metrics` event, or `undefined` for a message event. */
export function metricsOf(event: OpenAI.FineTuning.Jobs.FineTuningJobEvent): FineTuningMetrics | undefined {
  const data = event.data as FineTuningMetrics | null | undefined;
  if (event.type === 'metrics' || (typeof data?.step === 'number' && typeof data?.train_loss === 'number'))
    return typeof data === 'object' && data !== null ? data : {};
  return undefined;
}

/**
 * One OpenAI job event as the trainer's events: a `metrics` event becomes `step-end` (train loss) and,
 * when it carries a validation loss, `eval-end` (the full-validation-set loss when reported, which the
 * API computes at the end, else the batch `valid_loss`); any other event becomes a `log` (`error`
 * level reported as `warn`, the highest a log has). `epoch` is fractional, `step / stepsPerEpoch`, as
 * Hugging Face's Trainer logs it.
 */
export function mapFineTuningEvent(
  event: OpenAI.FineTuning.Jobs.FineTuningJobEvent,
  shape: FineTuningRunShape,
): TrainEvent[] {
  const timestamp = typeof event.created_at === 'number' ? event.created_at * 1000 : undefined;
  const stamp = timestamp === undefined ? {} : { timestamp };
  const metrics = metricsOf(event);
  if (metrics === undefined) {
    return [
      { type: 'log', level: event.level === 'info' ? 'info' : 'warn', message: event.message, ...stamp },
    ];
  }
  const { step } = metrics;
  if (typeof step !== 'number') return [];
  const totalSteps = typeof metrics.total_steps === 'number' ? metrics.total_steps : shape.totalSteps;
  const epoch = shape.stepsPerEpoch > 0 ? step / shape.stepsPerEpoch : 0;
  const events: TrainEvent[] = [];
  if (typeof metrics.train_loss === 'number')
    events.push({ type: 'step-end', step, totalSteps, epoch, loss: metrics.train_loss, ...stamp });
  const validationLoss = metrics.full_valid_loss ?? metrics.valid_loss;
  if (typeof validationLoss === 'number')
    events.push({ type: 'eval-end', step, epoch, validationLoss, ...stamp });
  return events;
}
