export { type BuildReportOptions, buildReport, defaultReportTitle, type Report } from './build-report.js';
export {
  type FindRunMetricsOptions,
  findRunMetrics,
  metricsFileName,
  type RunMetricsFile,
} from './find-run-metrics.js';
export { type LoadPaperReferencesOptions, loadPaperReferences } from './load-paper-references.js';
export type {
  PaperReferences,
  PaperTableName,
  SeedAHeadlineRow,
  SeedASweepRow,
  SeedBAutomaticMetricsRow,
  SeedBLexicalRow,
  SeedBMtBenchCategoryRow,
  SeedBMtBenchRow,
} from './paper-references.js';
export { paperReferenceFiles } from './paper-references.js';
export { parseEvaluationMetrics } from './parse-evaluation-metrics.js';
export { type PaperReferenceTexts, parsePaperReferences } from './parse-paper-references.js';
export type { ReportImage } from './report-fragment.js';
export { type WriteReportOptions, type WriteReportResult, writeReport } from './write-report.js';
