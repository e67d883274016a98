import type { TrainEvent } from '../train-spec.js';
import type { WorkerEvent } from '../worker/index.js';

/**
 * A `train` event of the worker (snake_case, PROTOCOL.md) as the TrainEvent both backends emit, or
 * undefined for types this version does not know (a newer worker may add some).
 */
export function toTrainEvent(event: WorkerEvent): TrainEvent | undefined {
  const timestamp = Date.now();
  switch (event.type) {
    case 'train-start':
      return {
        type: 'train-start',
        totalSteps: integer(event, 'total_steps'),
        stepsPerEpoch: integer(event, 'steps_per_epoch'),
        startStep: integer(event, 'start_step'),
        timestamp,
      };
    case 'step-end':
      return {
        type: 'step-end',
        step: integer(event, 'step'),
        totalSteps: integer(event, 'total_steps'),
        epoch: number(event, 'epoch'),
        // The worker sends a non-finite loss as null (JSON has no NaN); NaN keeps `loss` a number.
        loss: number(event, 'loss'),
        ...optionalNumber(event, 'learning_rate', 'learningRate'),
        ...optionalNumber(event, 'beta1', 'beta1'),
        ...optionalNumber(event, 'tokens_per_second', 'tokensPerSecond'),
        timestamp,
      };
    case 'eval-end':
      return {
        type: 'eval-end',
        step: integer(event, 'step'),
        epoch: number(event, 'epoch'),
        validationLoss: number(event, 'validation_loss'),
        timestamp,
      };
    case 'checkpoint-save':
      return {
        type: 'checkpoint-save',
        step: integer(event, 'step'),
        path: String(event['path']),
        timestamp,
      };
    case 'log':
      return {
        type: 'log',
        level: event['level'] === 'warn' || event['level'] === 'warning' ? 'warn' : 'info',
        message: String(event['message']),
        timestamp,
      };
    default:
      return undefined;
  }
}

function number(event: WorkerEvent, field: string): number {
  const value = event[field];
  return typeof value === 'number' ? value : Number.NaN;
}

function integer(event: WorkerEvent, field: string): number {
  const value = event[field];
  return typeof value === 'number' && Number.isInteger(value) ? value : 0;
}

function optionalNumber<K extends string>(
  event: WorkerEvent,
  field: string,
  key: K,
): Partial<Record<K, number>> {
  const value = event[field];
  return typeof value === 'number' ? ({ [key]: value } as Record<K, number>) : {};
}
