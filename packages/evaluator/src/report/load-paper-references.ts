import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError } from '@tonekit/core';
import { type PaperReferences, type PaperTableName, paperReferenceFiles } from './paper-references.js';
import { type PaperReferenceTexts, parsePaperReferences } from './parse-paper-references.js';

export interface LoadPaperReferencesOptions {
  signal?: AbortSignal;
}

/**
 * Reads the seed papers' reported figures from the shared data folder (the one holding `seed-a/` and
 * `seed-b/`, `../shared/data` from the repository). A missing file leaves that reference out: a fresh
 * clone has none of them, and the report then simply draws no paper lines.
 *
 * @throws DatasetFormatError when a file exists but is malformed.
 */
export async function loadPaperReferences(
  dataDir: string,
  { signal }: LoadPaperReferencesOptions = {},
): Promise<PaperReferences> {
  const texts: PaperReferenceTexts = {};
  for (const [name, relative] of Object.entries(paperReferenceFiles) as [PaperTableName, string][]) {
    try {
      texts[name] = await readFile(path.join(dataDir, relative), { encoding: 'utf8', signal });
    } catch (error) {
      if (signal?.aborted) throw CancelledError.fromSignal(signal);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return parsePaperReferences(texts);
}
