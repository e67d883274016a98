import type { OnEvent } from '@tonekit/core';
import { trainLocally } from './local/train-locally.js';
import { trainWithOpenAI } from './openai/train-with-openai.js';
import { parseTrainSpec, type ResolvedTrainSpec } from './parse-train-spec.js';
import type { TrainEvent, TrainResult, TrainSpec } from './train-spec.js';
import type { PythonWorker } from './worker/index.js';

export interface TrainOptions {
  onEvent?: OnEvent<TrainEvent>;
  /**
   * Stops the run. Once training has started, the run stops at the next optimizer step (local: after
   * saving a checkpoint; openai: the job is cancelled) and the call resolves with `status: 'cancelled'`;
   * a signal that fires before any training started rejects with `CancelledError`, like every other
   * tonekit function, since there is nothing to report.
   */
  signal?: AbortSignal;
  /** Local backend: a running worker to train in (kept running afterwards); default: start one and close it. */
  worker?: PythonWorker;
  /** Local backend: the Python interpreter, over `spec.local.python`. */
  python?: string;
  /**
   * Local backend: continue from the newest checkpoint in `outputDir`. Default: yes when `run.json`
   * there says the run did not finish (crashed, failed or cancelled); a finished run returns its recorded
   * result. `false` starts over, deleting the old checkpoints.
   */
  resume?: boolean;
}

/**
 * Trains a LoRA adapter (local backend: the bundled Python worker with transformers + peft) or a
 * fine-tuned model (openai backend: a supervised fine-tuning job) from one spec, with the paper's
 * settings as defaults. Both emit the same events: `prepare-end`, `train-start`, `step-end`,
 * `eval-end`, `checkpoint-save`, `log`, and `done` last. The spec is validated with `parseTrainSpec`
 * (a resolved spec passes through unchanged).
 */
export async function trainLora(
  spec: TrainSpec | ResolvedTrainSpec,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const resolved = parseTrainSpec(spec);
  if (resolved.backend === 'local') return trainLocally(resolved, options);
  const { onEvent, signal } = options;
  return trainWithOpenAI(toOpenAISpec(resolved), {
    ...(onEvent === undefined ? {} : { onEvent }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The resolved spec in the contract's shape, without the local section the OpenAI backend ignores. */
function toOpenAISpec(spec: ResolvedTrainSpec): TrainSpec {
  return {
    name: spec.name,
    backend: spec.backend,
    dataset: spec.dataset,
    baseModel: spec.baseModel,
    outputDir: spec.outputDir,
    systemPrompt: spec.systemPrompt,
    openai: spec.openai,
  };
}
