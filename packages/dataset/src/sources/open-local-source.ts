import { expandLocalPaths } from './expand-local-paths.js';
import { type ReadSourceFilesOptions, readSourceFiles } from './read-source-files.js';
import type { SourceDocument } from './source-document.js';

export type OpenLocalSourceOptions = ReadSourceFilesOptions;

/**
 * Source documents from a local Parquet, JSONL (`.jsonl`/`.ndjson`) or text (`.txt`) file, a folder
 * of such files (searched recursively, hidden entries skipped, sorted by path), or a glob such as
 * `data/**\/*.parquet`. See `readSourceFiles` for columns, filtering and the seeded shuffle.
 */
export async function* openLocalSource(
  pathOrGlob: string,
  options: OpenLocalSourceOptions = {},
): AsyncGenerator<SourceDocument, void, undefined> {
  const files = await expandLocalPaths(pathOrGlob);
  yield* readSourceFiles(files, options);
}
