import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { workerPythonDir } from '../worker/worker-python-dir.js';

/** One line of a pip requirements file, as far as the doctor needs it. */
export interface Requirement {
  /** Distribution name as written (`torch`, `peft`). */
  name: string;
  /** The version after `>=` (or `==`, `~=`), or null when the line sets no lower bound. */
  minimum: string | null;
  /** The whole specifier, such as `>=0.13,<1`, for pip commands. */
  specifier: string;
  /**
   * The worker runs without it (a feature is off): its trailing comment, or the comment line right
   * above it, starts with "optional".
   */
  optional: boolean;
}

/** The worker's `requirements.txt`, the one source of the minimum versions. */
export const workerRequirementsFile: string = path.join(workerPythonDir, 'requirements.txt');

/**
 * Parses the subset of the pip requirements format the worker's file uses: `name[extras] specifier
 * ; marker  # comment`. Options (`-r`, `--index-url`), URLs and blank lines are skipped. A comment that
 * starts with `optional`, trailing the line or in the comment block right above it, marks it optional.
 */
export function parseRequirements(text: string): Requirement[] {
  const requirements: Requirement[] = [];
  // Comment lines since the last requirement or blank line: the block that describes the next one.
  let commentBlock: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const hash = rawLine.search(/(^|\s)#/);
    const comment = hash === -1 ? '' : rawLine.slice(rawLine.indexOf('#', hash) + 1).trim();
    const line = (hash === -1 ? rawLine : rawLine.slice(0, hash)).trim();
    const describedAsOptional = commentBlock.some((text) => /^optional\b/i.test(text));
    if (line === '') {
      commentBlock = comment === '' ? [] : [...commentBlock, comment];
      continue;
    }
    commentBlock = [];
    if (line.startsWith('-') || line.includes('://')) continue;
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)/.exec(line);
    if (match === null) continue;
    const specifier = (match[3] ?? '').replace(/\s+/g, '');
    const lower = /(?:>=|==|~=)([^,]+)/.exec(specifier);
    requirements.push({
      name: match[1]!,
      minimum: lower?.[1] ?? null,
      specifier,
      optional: /^optional\b/i.test(comment) || describedAsOptional,
    });
  }
  return requirements;
}

/** Reads and parses `file` (default: the bundled worker's `requirements.txt`). */
export async function readRequirements(file: string = workerRequirementsFile): Promise<Requirement[]> {
  return parseRequirements(await readFile(file, 'utf8'));
}
