import type { ResolvedTrainSpec } from '../parse-train-spec.js';

/**
 * What a resumed run must share with the run that saved the checkpoint for the result to be the run it
 * claims to be: everything that shapes the trajectory (data, model, LoRA, optimizer, schedule, seed).
 * Left out on purpose: where and how fast it runs (device, precision, gpus, gradient checkpointing),
 * when it saves or stops (checkpointEverySteps, maxSteps: a smoke run may be continued), the outputs
 * (saveMerged, exportGguf), the interpreter and the name.
 */
function trajectory(spec: ResolvedTrainSpec): Record<string, unknown> {
  const { local } = spec;
  return {
    'dataset.path': spec.dataset.path,
    'dataset.split': spec.dataset.split,
    'dataset.validationSplit': spec.dataset.validationSplit,
    'dataset.answerColumn': spec.dataset.answerColumn,
    baseModel: spec.baseModel,
    systemPrompt: spec.systemPromptText,
    'local.rank': local.rank,
    'local.alpha': local.alpha,
    'local.dropout': local.dropout,
    'local.bias': local.bias,
    'local.targetModules': local.targetModules,
    'local.learningRate': local.learningRate,
    'local.epochs': local.epochs,
    'local.microBatchSize': local.microBatchSize,
    'local.gradientAccumulationSteps': local.gradientAccumulationSteps,
    'local.schedule': local.schedule,
    'local.weightDecay': local.weightDecay,
    'local.batching': local.batching,
    'local.maxLength': local.maxLength,
    'local.seed': local.seed,
  };
}

/** Fields whose change would make resuming `before` with `after` train a different run, as `path: old → new`. */
export function trainingChanges(before: ResolvedTrainSpec, after: ResolvedTrainSpec): string[] {
  const old = trajectory(before);
  const current = trajectory(after);
  return Object.keys(current)
    .filter((key) => JSON.stringify(old[key]) !== JSON.stringify(current[key]))
    .map((key) => `${key}: ${show(old[key])} → ${show(current[key])}`);
}

function show(value: unknown): string {
  const text = value === undefined ? 'unset' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
