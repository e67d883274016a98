/**
 * One training run, described once for both backends (`local`: the bundled Python worker with
 * transformers + peft; `openai`: a supervised fine-tuning job). `tonekit train --config train.yaml`
 * reads the same shape from YAML; `parseTrainSpec` validates it and fills the paper's defaults.
 */
export interface TrainSpec {
  /** Run name, used in folder names and the OpenAI model suffix. Defaults to the output folder's name. */
  name?: string;
  backend: 'local' | 'openai';
  dataset: TrainDatasetSpec;
  /** Hugging Face id or local folder (local backend), or an OpenAI model id such as `gpt-4o-mini-2024-07-18`. */
  baseModel: string;
  /** Run folder: prepared data, checkpoints, the adapter, `run.json` (state for resume/re-attach). */
  outputDir: string;
  /**
   * System prompt put in every training conversation: a preset name of core's `systemPromptPresets`
   * (`concise`, the default and the paper's choice), a custom text, or `none`.
   */
  systemPrompt?: string;
  local?: LocalTrainOptions;
  openai?: OpenAITrainOptions;
}

export interface TrainDatasetSpec {
  /**
   * A tonekit dataset folder (`manifest.json` + Parquet splits), or a `.jsonl` file of conversations
   * in OpenAI's chat fine-tuning format (`{"messages": [...]}` per line), e.g. dialogue data prepared
   * with @tonekit/dataset's `prepareDialogueData`.
   */
  path: string;
  /** With a `.jsonl` training file: the validation conversations, in the same format. */
  validationPath?: string;
  /** Train split or nested subset: `train` (default) or `train-<n>` such as `train-1000`. */
  split?: 'train' | `train-${number}`;
  /** Validation split; `null` trains without validation. Defaults to `validation` when the folder has one. */
  validationSplit?: 'validation' | null;
  /** Column used as the assistant turn. Defaults to `conversational_answer`; `answer` trains on the originals. */
  answerColumn?: 'conversational_answer' | 'answer';
}

/** The paper's LoRA settings (DESIGN §5) are the defaults of every field. */
export interface LocalTrainOptions {
  /** LoRA rank r; alpha defaults to r (the paper uses r = alpha ∈ {32, 48, 64}). Default 32. */
  rank?: number;
  alpha?: number;
  /** Default 0.2. */
  dropout?: number;
  /** peft `bias`: default `lora_only`. */
  bias?: 'none' | 'all' | 'lora_only';
  /** Default `['q_proj', 'k_proj', 'v_proj']`. */
  targetModules?: string[];
  /** OneCycleLR max_lr. Default 2e-4. */
  learningRate?: number;
  /** Default 5. */
  epochs?: number;
  /** Default 16. */
  microBatchSize?: number;
  /** Default 2 (effective batch 32). */
  gradientAccumulationSteps?: number;
  /** OneCycleLR: pct_start 0.3, anneal cos, div_factor 25, final_div_factor 1e3, beta1 cycling 0.85–0.95. */
  schedule?: OneCycleSchedule;
  /** AdamW weight decay. Default 0. */
  weightDecay?: number;
  /** Base weights: `bf16` (GPU default), `int8` (LLM.int8: threshold 6.0, lm_head bf16) or `fp32` (CPU default). */
  precision?: 'bf16' | 'int8' | 'fp32';
  /** `length-grouped` (default) pads batches of similar length; `padding-free` packs without padding where the attention kernel supports it. */
  batching?: 'length-grouped' | 'padding-free';
  gradientCheckpointing?: boolean;
  /** Tokens per example before truncation. Default 1024. */
  maxLength?: number;
  /** Seed of initialization, dropout and shuffling. Default 713. */
  seed?: number;
  /** `auto` (CUDA when available), `cpu` or `cuda`. */
  device?: 'auto' | 'cpu' | 'cuda';
  /** GPUs; more than 1 launches the worker's training through torchrun. Default 1. */
  gpus?: number;
  /** Save a checkpoint every n optimizer steps (always at epoch ends and on cancel). Default: epoch ends only. */
  checkpointEverySteps?: number;
  /** Stop after this many optimizer steps (smoke tests); the schedule still spans the full run. */
  maxSteps?: number;
  /** Also save the base with the adapter merged in (safetensors). Default false. */
  saveMerged?: boolean;
  /** Also write a GGUF LoRA adapter for llama.cpp. Default true. */
  exportGguf?: boolean;
  /** Python interpreter; default the package's venv when set up, else `python3`. */
  python?: string;
}

export interface OneCycleSchedule {
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  divFactor?: number;
  finalDivFactor?: number;
  /** beta1 cycles between these (torch's `cycle_momentum`). Defaults 0.85 and 0.95. */
  baseMomentum?: number;
  maxMomentum?: number;
}

/** OpenAI's supervised fine-tuning hyper-parameters; defaults are the paper's. */
export interface OpenAITrainOptions {
  /** Default 713. */
  seed?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 1.0. */
  learningRateMultiplier?: number;
  /** Default 5. */
  epochs?: number;
  /** Model name suffix; defaults to the run name (OpenAI allows up to 64 characters). */
  suffix?: string;
  /** API key; defaults to `OPENAI_API_KEY`. */
  apiKey?: string;
  /** For compatible endpoints and tests. */
  baseURL?: string;
  /** Poll interval for job status and events. Default 10 s. */
  pollIntervalMs?: number;
  /** Retries of each API call on 408/409/429/5xx and connection errors (the SDK's, with `Retry-After`). Default 5. */
  maxRetries?: number;
}

/** Events of a training run; both backends emit the same types. */
export type TrainEvent =
  | {
      type: 'prepare-end';
      trainExamples: number;
      validationExamples: number;
      skippedExamples: number;
      timestamp?: number;
    }
  | {
      type: 'train-start';
      totalSteps: number;
      stepsPerEpoch: number;
      /** Where the run picks up when it resumes; 0 for a fresh run. */
      startStep: number;
      timestamp?: number;
    }
  | {
      type: 'step-end';
      step: number;
      totalSteps: number;
      epoch: number;
      loss: number;
      /** Local backend: learning rate and beta1 at this step. */
      learningRate?: number;
      beta1?: number;
      tokensPerSecond?: number;
      timestamp?: number;
    }
  | { type: 'eval-end'; step: number; epoch: number; validationLoss: number; timestamp?: number }
  | { type: 'checkpoint-save'; step: number; path: string; timestamp?: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string; timestamp?: number }
  | { type: 'done'; result: TrainResult; timestamp?: number };

export interface TrainResult {
  backend: 'local' | 'openai';
  status: 'succeeded' | 'cancelled';
  /** Optimizer steps run (local) or trained steps reported (openai). */
  steps: number;
  finalLoss?: number;
  validationLoss?: number;
  /** Local: PEFT adapter folder (adapter_config.json + adapter_model.safetensors). */
  adapterDir?: string;
  /** Local: the GGUF LoRA adapter, when exported. */
  ggufAdapterPath?: string;
  /** Local: the merged model folder, when saved. */
  mergedDir?: string;
  /** OpenAI: the fine-tuned model id and the job id. */
  modelId?: string;
  jobId?: string;
  /** OpenAI: billed training tokens, as the job reports them (`trained_tokens`). */
  trainedTokens?: number;
  /** Local: peak accelerator memory in bytes, when measured. */
  peakMemoryBytes?: number;
}
