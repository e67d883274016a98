import { InvalidArgumentError } from '@tonekit/core';
import { globToRegExp, hasGlobSyntax } from '../files/glob-to-reg-exp.js';

/** The shard formats the dataset readers understand. */
export const defaultHubShardExtensions: readonly string[] = ['.parquet', '.jsonl'];

/** Which files of a repository to take. */
export interface HubFileSelection {
  /** A file, folder or glob inside the repository; everything when absent. */
  pathInRepo?: string;
  /** Keep files whose path names this split, the way the `datasets` library assigns files to splits. */
  split?: string;
  /** File name endings to keep, compared case-insensitively. Defaults to `.parquet` and `.jsonl`. */
  extensions?: readonly string[];
}

export interface HubFileSelector {
  /** The deepest folder that contains every possible match: the only part of the tree worth listing. */
  listPath: string | undefined;
  matches(path: string): boolean;
  /** The selection in words, for error messages. */
  description: string;
}

// The `datasets` library's split keywords and separators (data_files.py): a file belongs to a split when
// a path segment contains one of the split's keywords delimited by "-", ".", "_", " ", a digit, or the
// segment's start or end ("data/train-00000-of-00004.parquet", "validation/0000.parquet", "dev.jsonl").
const splitKeywords: Record<string, readonly string[]> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'dev', 'val'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};
const separators = '[-._ 0-9]';

/** Builds the predicate for a selection; the same one serves the online listing and the offline cache. */
export function createHubFileSelector({
  pathInRepo,
  split,
  extensions = defaultHubShardExtensions,
}: HubFileSelection): HubFileSelector {
  if (
    !Array.isArray(extensions) ||
    extensions.some((extension) => typeof extension !== 'string' || extension === '')
  ) {
    throw new InvalidArgumentError({
      argument: 'extensions',
      value: extensions,
      message: 'expected an array of non-empty file name endings such as [".parquet", ".jsonl"].',
    });
  }
  if (split !== undefined && (typeof split !== 'string' || !/^[\w.-]+$/.test(split))) {
    throw new InvalidArgumentError({
      argument: 'split',
      value: split,
      message: 'expected a split name such as "train", "validation" or "test".',
    });
  }
  const lowerExtensions = extensions.map((extension) => extension.toLowerCase());
  const pathMatches = createPathMatcher(pathInRepo);
  const splitPattern = split === undefined ? undefined : createSplitPattern(split);

  return {
    listPath: pathInRepo === undefined ? undefined : staticPrefix(pathInRepo),
    matches(path) {
      const lower = path.toLowerCase();
      if (lowerExtensions.length > 0 && !lowerExtensions.some((extension) => lower.endsWith(extension)))
        return false;
      if (!pathMatches(path)) return false;
      if (splitPattern !== undefined && !path.split('/').some((segment) => splitPattern.test(segment)))
        return false;
      return true;
    },
    description: [
      pathInRepo === undefined ? undefined : `path "${pathInRepo}"`,
      split === undefined ? undefined : `split "${split}"`,
      lowerExtensions.length > 0 ? `extensions ${lowerExtensions.join(', ')}` : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(', '),
  };
}

function createPathMatcher(pathInRepo: string | undefined): (path: string) => boolean {
  if (pathInRepo === undefined) return () => true;
  if (!hasGlobSyntax(pathInRepo)) return (path) => path === pathInRepo || path.startsWith(`${pathInRepo}/`);
  const pattern = globToRegExp(pathInRepo);
  // A pattern that matches a folder selects everything under it, as `data/train*` does for `data/train/`.
  return (path) => {
    if (pattern.test(path)) return true;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      if (pattern.test(path.slice(0, slash))) return true;
    }
    return false;
  };
}

function createSplitPattern(split: string): RegExp {
  const keywords = Object.values(splitKeywords).find((group) => group.includes(split)) ?? [split];
  const alternatives = keywords.map((keyword) => keyword.replace(/[.+^${}()|[\]\\*?-]/g, '\\$&')).join('|');
  return new RegExp(`(?:^|${separators})(?:${alternatives})(?:$|${separators})`);
}

function staticPrefix(pathInRepo: string): string | undefined {
  const segments = pathInRepo.split('/');
  const firstGlob = segments.findIndex(hasGlobSyntax);
  // A path without glob syntax may name a file, and the tree endpoint lists folders: list its parent.
  const folderSegments = firstGlob === -1 ? segments.slice(0, -1) : segments.slice(0, firstGlob);
  return folderSegments.length === 0 ? undefined : folderSegments.join('/');
}
