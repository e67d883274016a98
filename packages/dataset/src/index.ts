// Parquet

// Arrow helpers
export { embeddingAt, embeddingType, makeEmbeddingVector } from './arrow/embedding-vector.js';
export { makeUtf8Vector } from './arrow/make-utf8-vector.js';
export { takeRows } from './arrow/take-rows.js';
// Dataset folders
export type {
  DatasetManifest,
  DatasetManifestColumn,
  DatasetManifestFile,
  DatasetSplitName,
} from './dataset-folder/dataset-manifest.js';
export { type OpenDatasetSplitOptions, openDatasetSplit } from './dataset-folder/open-dataset-split.js';
export {
  type DatasetSplitPlan,
  defaultSubsetSizes,
  defaultValidationSize,
  type PlanDatasetSplitsOptions,
  planDatasetSplits,
} from './dataset-folder/plan-dataset-splits.js';
export { type DatasetFolder, readDatasetFolder } from './dataset-folder/read-dataset-folder.js';
export { readDatasetManifest } from './dataset-folder/read-dataset-manifest.js';
export {
  type DatasetProblem,
  type DatasetProblemKind,
  type DatasetVerification,
  type VerifyDatasetFolderOptions,
  verifyDatasetFolder,
} from './dataset-folder/verify-dataset-folder.js';
export {
  type DatasetFileWrittenEvent,
  type WriteDatasetFolderOptions,
  writeDatasetFolder,
} from './dataset-folder/write-dataset-folder.js';
// Dialogues
export * from './dialogues/index.js';
// Errors
export { DatasetFormatError, type DatasetFormatErrorOptions } from './errors/dataset-format-error.js';
export {
  type ColumnDescription,
  DatasetSchemaError,
  type DatasetSchemaErrorOptions,
} from './errors/dataset-schema-error.js';
// Hugging Face Hub sources
export * from './hub/index.js';
export { toJsonValue } from './jsonl/json-value.js';
// JSONL
export { JsonlAppender } from './jsonl/jsonl-appender.js';
export { type ReadJsonlOptions, readJsonl, readJsonlLines } from './jsonl/read-jsonl.js';
export { type TableToJsonlOptions, tableToJsonl } from './jsonl/table-to-jsonl.js';
export { type WriteJsonlOptions, type WriteJsonlResult, writeJsonl } from './jsonl/write-jsonl.js';
export {
  createParquetWriter,
  type ParquetCompression,
  type ParquetWriteResult,
  type ParquetWriter,
  type ParquetWriterOptions,
} from './parquet/create-parquet-writer.js';
export { type ReadParquetOptions, readParquet } from './parquet/read-parquet.js';
export { type ParquetMetadata, readParquetMetadata } from './parquet/read-parquet-metadata.js';
export { readParquetTable } from './parquet/read-parquet-table.js';
export { type WriteParquetOptions, writeParquet } from './parquet/write-parquet.js';
// QA records
export type { QaRecord } from './qa/qa-record.js';
export { qaRecordSchema, qaRecordSchemaMetadata } from './qa/qa-record-schema.js';
export { type QaRecordsToTableOptions, qaRecordsToTable } from './qa/qa-records-to-table.js';
export { readQaRecords } from './qa/read-qa-records.js';
export { tableToQaRecords } from './qa/table-to-qa-records.js';
export { validateQaSchema } from './qa/validate-qa-schema.js';
// Seeded randomness
export {
  createSeededRandom,
  createXoshiro128StarStar,
  deriveSeed,
  type Seed,
  type SeededRandom,
  splitMix64,
} from './random/create-seeded-random.js';
export { seededPermutation, shuffleInPlace } from './random/seeded-permutation.js';
export { type ShuffleBufferedOptions, shuffleBuffered } from './random/shuffle-buffered.js';
// Sources
export { countCharacters } from './sources/count-characters.js';
export { expandLocalPaths, sourceFileExtensions } from './sources/expand-local-paths.js';
export { type OpenLocalSourceOptions, openLocalSource } from './sources/open-local-source.js';
export {
  defaultTextColumns,
  type ReadSourceFilesOptions,
  readSourceFiles,
} from './sources/read-source-files.js';
export type { SourceDocument } from './sources/source-document.js';
