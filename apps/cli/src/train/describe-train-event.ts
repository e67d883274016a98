import * as path from 'node:path';
import type { TrainEvent, TrainResult } from '@tonekit/trainer';

/** One human line for a training event; `undefined` for events not worth a line. */
export function describeTrainEvent(event: TrainEvent): { text: string } | undefined {
  switch (event.type) {
    case 'prepare-end':
      return {
        text: `data: ${event.trainExamples} training and ${event.validationExamples} validation examples${
          event.skippedExamples > 0 ? ` (${event.skippedExamples} skipped: empty question or answer)` : ''
        }`,
      };
    case 'train-start':
      return {
        text:
          event.startStep > 0
            ? `resuming at step ${event.startStep + 1} of ${event.totalSteps}`
            : `training: ${event.totalSteps} steps (${event.stepsPerEpoch} per epoch)`,
      };
    case 'step-end': {
      const parts = [
        `step ${event.step}/${event.totalSteps}`,
        `epoch ${event.epoch.toFixed(2)}`,
        `loss ${event.loss.toFixed(4)}`,
      ];
      if (event.learningRate !== undefined) parts.push(`lr ${event.learningRate.toExponential(2)}`);
      if (event.tokensPerSecond !== undefined)
        parts.push(`${Math.round(event.tokensPerSecond).toLocaleString('en-US')} tok/s`);
      return { text: parts.join(' · ') };
    }
    case 'eval-end':
      return {
        text: `epoch ${event.epoch.toFixed(2)}: validation loss ${event.validationLoss.toFixed(4)}`,
      };
    case 'checkpoint-save':
      return { text: `checkpoint at step ${event.step}: ${event.path}` };
    case 'log':
      return { text: event.level === 'warn' ? `warning: ${event.message}` : event.message };
    case 'done':
      return undefined;
  }
}

/** The closing summary: what was produced and where. */
export function describeTrainResult(result: TrainResult, cwd: string): string {
  const relative = (file: string) => path.relative(cwd, file) || '.';
  const lines = [
    result.status === 'cancelled'
      ? `Stopped after ${result.steps} steps; rerun the same command to resume.`
      : `Trained ${result.steps} steps${result.finalLoss === undefined ? '' : `, final loss ${result.finalLoss.toFixed(4)}`}${
          result.validationLoss === undefined ? '' : `, validation loss ${result.validationLoss.toFixed(4)}`
        }.`,
  ];
  if (result.adapterDir !== undefined) lines.push(`adapter (PEFT): ${relative(result.adapterDir)}`);
  if (result.ggufAdapterPath !== undefined)
    lines.push(`adapter (GGUF, llama.cpp): ${relative(result.ggufAdapterPath)}`);
  if (result.mergedDir !== undefined) lines.push(`merged model: ${relative(result.mergedDir)}`);
  if (result.modelId !== undefined) lines.push(`fine-tuned model: ${result.modelId}`);
  if (result.jobId !== undefined) lines.push(`OpenAI job: ${result.jobId}`);
  return lines.join('\n');
}
