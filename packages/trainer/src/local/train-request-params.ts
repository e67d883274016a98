import type { ResolvedTrainSpec } from '../parse-train-spec.js';
import type { PreparedChatData } from '../prepare-chat-data.js';
import type { LocalRuntime } from './resolve-local-runtime.js';

/** The `train` request's params, snake_case as on the wire (PROTOCOL.md, "train"). */
export function trainRequestParams(
  spec: ResolvedTrainSpec,
  data: PreparedChatData,
  runtime: LocalRuntime,
  resume: boolean,
): Record<string, unknown> {
  const { local } = spec;
  return {
    base_model: spec.baseModel,
    train_file: data.trainFile,
    validation_file: data.validationFile,
    output_dir: spec.outputDir,
    resume,
    hyperparameters: {
      rank: local.rank,
      alpha: local.alpha,
      dropout: local.dropout,
      bias: local.bias,
      target_modules: local.targetModules,
      learning_rate: local.learningRate,
      epochs: local.epochs,
      micro_batch_size: local.microBatchSize,
      gradient_accumulation_steps: local.gradientAccumulationSteps,
      weight_decay: local.weightDecay,
      pct_start: local.schedule.pctStart,
      anneal_strategy: local.schedule.annealStrategy,
      div_factor: local.schedule.divFactor,
      final_div_factor: local.schedule.finalDivFactor,
      base_momentum: local.schedule.baseMomentum,
      max_momentum: local.schedule.maxMomentum,
      seed: local.seed,
      max_length: local.maxLength,
      precision: runtime.precision,
      batching: local.batching,
      gradient_checkpointing: local.gradientCheckpointing,
      device: runtime.device,
      checkpoint_every_steps: local.checkpointEverySteps,
      max_steps: local.maxSteps,
    },
    save_merged: local.saveMerged,
    export_gguf: local.exportGguf,
    // Only sent when it matters, so a single-GPU request stays exactly PROTOCOL.md's example; the
    // worker launches torchrun itself for more than one.
    ...(local.gpus > 1 ? { gpus: local.gpus } : {}),
  };
}
