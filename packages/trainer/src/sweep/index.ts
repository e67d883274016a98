export { collectSweepResults, type SweepResultRow } from './collect-sweep-results.js';
export { expandSweep, sweepRunsFolder } from './expand-sweep.js';
export { formatSweepTable, type SweepTableFormat, sweepTableColumns } from './format-sweep-table.js';
export { type ParseSweepSpecOptions, parseSweepSpec } from './parse-sweep-spec.js';
export { type RunSweepOptions, runSweep, type SweepEvent, type SweepSummary } from './run-sweep.js';
export { type SweepGridPresetName, sweepGridPresets } from './sweep-grid-presets.js';
export { sweepRunId } from './sweep-run-id.js';
export type {
  SweepBaseSpec,
  SweepEvaluationSpec,
  SweepGrid,
  SweepPrecision,
  SweepRun,
  SweepRunSettings,
  SweepSpec,
  SweepSplit,
} from './sweep-spec.js';
export { defaultSweepMetricsPath } from './sweep-spec.js';
export {
  readSweepState,
  type SweepRunConfiguration,
  type SweepRunState,
  type SweepRunStatus,
  type SweepState,
  sweepStateFileName,
} from './sweep-state.js';
