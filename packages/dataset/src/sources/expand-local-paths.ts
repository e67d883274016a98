import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { globToRegExp, hasGlobSyntax } from '../files/glob-to-reg-exp.js';

/** File extensions `readSourceFiles` understands. */
export const sourceFileExtensions: readonly string[] = ['.parquet', '.jsonl', '.ndjson', '.txt'];

/**
 * Resolves a file, a folder (searched recursively for supported files) or a glob (`*`, `?`, `**`,
 * `[abc]`, `{a,b}`) to a sorted list of files. Sorting is by path in code-unit order, not by locale,
 * so every machine sees the same order (which the seeded shuffle relies on).
 */
export async function expandLocalPaths(pathOrGlob: string): Promise<string[]> {
  if (hasGlobSyntax(pathOrGlob)) return expandGlob(pathOrGlob);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(pathOrGlob);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: pathOrGlob,
      message: `cannot read ${pathOrGlob}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      cause: error,
    });
  }
  if (info.isFile()) {
    assertSupported(pathOrGlob);
    return [pathOrGlob];
  }
  const files = (await walk(pathOrGlob)).filter(isSupported);
  if (files.length === 0) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: pathOrGlob,
      message: `${pathOrGlob} contains no ${sourceFileExtensions.join(', ')} files.`,
    });
  }
  return sortPaths(files);
}

async function expandGlob(pattern: string): Promise<string[]> {
  const normalized = pattern.split(sep).join('/');
  const segments = normalized.split('/');
  const firstWild = segments.findIndex((segment) => hasGlobSyntax(segment));
  const baseSegments = segments.slice(0, firstWild);
  const base = baseSegments.length === 0 ? '.' : baseSegments.join('/') || '/';
  const matcher = globToRegExp(segments.slice(firstWild).join('/'));
  let candidates: string[];
  try {
    candidates = await walk(base);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: pattern,
      message: `cannot read ${base}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      cause: error,
    });
  }
  const files = candidates.filter((file) => matcher.test(relative(base, file).split(sep).join('/')));
  if (files.length === 0) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: pattern,
      message: `no file matches ${pattern}.`,
    });
  }
  for (const file of files) assertSupported(file);
  return sortPaths(files);
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    // Hidden files and folders (.git, .cache) are never data.
    if (entry.name.startsWith('.')) continue;
    const path = dir === '.' ? entry.name : join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

function isSupported(file: string): boolean {
  const lower = file.toLowerCase();
  return sourceFileExtensions.some((extension) => lower.endsWith(extension));
}

function assertSupported(file: string): void {
  if (!isSupported(file)) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: file,
      message: `${file} is not a supported source file (${sourceFileExtensions.join(', ')}).`,
    });
  }
}

function sortPaths(files: string[]): string[] {
  return files.sort((a, b) => {
    const left = a.split(sep).join('/');
    const right = b.split(sep).join('/');
    return left < right ? -1 : left > right ? 1 : 0;
  });
}
