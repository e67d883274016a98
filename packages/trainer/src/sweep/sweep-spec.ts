import type { ResolvedTrainSpec } from '../parse-train-spec.js';
import type { TrainSpec } from '../train-spec.js';

/** Base-model precisions a sweep can vary (the `local` backend's `precision`). */
export type SweepPrecision = NonNullable<NonNullable<TrainSpec['local']>['precision']>;

/** A train split: `train` (the full split) or a nested subset such as `train-1000`. */
export type SweepSplit = 'train' | `train-${number}`;

/**
 * The values a sweep crosses. An axis that is left out is not varied: every run takes that setting
 * from `base` (or the trainer's default), and the run ids leave it out.
 */
export interface SweepGrid {
  /** LoRA rank r; alpha follows r unless `base.local.alpha` is set (the paper uses r = alpha). */
  rank?: number[];
  /** OneCycleLR max_lr. */
  learningRate?: number[];
  precision?: SweepPrecision[];
  /** Train splits; a sweep file may write `1000` for `train-1000`. */
  subset?: SweepSplit[];
}

/** Every field of a training spec except `outputDir`: each run gets its own folder under the sweep's. */
export type SweepBaseSpec = Omit<TrainSpec, 'outputDir'>;

export interface SweepEvaluationSpec {
  /**
   * Where each run's evaluator `metrics.json` is looked for, relative to the run folder; `{id}` is
   * replaced by the run id (so evaluations kept elsewhere can be found: `../../eval/{id}/metrics.json`).
   */
  metricsPath: string;
}

/** A validated sweep file (`tonekit sweep --config sweep.yaml`), as `parseSweepSpec` returns it. */
export interface SweepSpec {
  /** Defaults to the sweep folder's name. */
  name: string;
  /**
   * The model column of the results table, e.g. "Llama 3.2 1B". When unset, the evaluator's
   * `run.model` is used where a run has metrics, else `base.baseModel`.
   */
  model?: string;
  /** The sweep folder (absolute): `sweep-state.json`, `results.csv`, `results.md`, `runs/<run id>/`. */
  outputDir: string;
  base: SweepBaseSpec;
  grid: SweepGrid;
  evaluation: SweepEvaluationSpec;
  /**
   * Folder that relative paths of `base` are resolved against (the sweep file's folder), passed on to
   * `parseTrainSpec` for every run. Absent: the working directory, as for `parseTrainSpec`.
   */
  baseDir?: string;
}

/** The grid values of one run (only the axes the grid lists). */
export interface SweepRunSettings {
  rank?: number;
  learningRate?: number;
  precision?: SweepPrecision;
  subset?: SweepSplit;
}

/** One run of a sweep, as `expandSweep` lays it out. */
export interface SweepRun {
  /** Stable id built from the settings, e.g. `r32-lr2e-4-bf16-n1000`; also the run folder's name. */
  id: string;
  /** Position in the sweep's order (0-based). */
  index: number;
  settings: SweepRunSettings;
  /** `<sweep>/runs/<id>`. */
  outputDir: string;
  /** The complete training spec of this run: validated, defaults filled, as `parseTrainSpec` returns it. */
  spec: ResolvedTrainSpec;
}

export const defaultSweepMetricsPath = 'eval/metrics.json';
