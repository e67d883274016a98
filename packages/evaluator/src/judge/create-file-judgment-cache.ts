import { appendFile, mkdir, readFile, truncate } from 'node:fs/promises';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';
import type { CachedJudgment, JudgmentCache } from './judgment-cache.js';

export interface FileJudgmentCacheOptions {
  abortSignal?: AbortSignal;
}

/** A judgment cache kept in a JSON Lines file. */
export interface FileJudgmentCache extends JudgmentCache {
  readonly path: string;
  /** Judgments held, from the file and from this process. */
  readonly size: number;
}

/**
 * Opens (or starts) a JSON Lines judgment cache at `file`: one line per judgment,
 * `{"key", "judgeModel", "text", "usage", "createdAt", "questionId", "turn", "promptName"}`, appended as
 * each judgment arrives, so an interrupted run keeps everything it paid for and a rerun makes no call
 * for what is there. The file is read once here; several processes must not append to one file at once.
 *
 * A last line cut short by a crash is ignored, and cut from the file before the next append; any other
 * line that is not a cache entry rejects with a DatasetFormatError, rather than silently re-paying for
 * judgments.
 * When a key appears twice the later line wins.
 */
export async function createFileJudgmentCache(
  file: string,
  { abortSignal }: FileJudgmentCacheOptions = {},
): Promise<FileJudgmentCache> {
  if (typeof file !== 'string' || file === '') {
    throw new InvalidArgumentError({ argument: 'file', value: file, message: 'expected a file path.' });
  }
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  const resolved = path.resolve(file);
  const entries = new Map<string, CachedJudgment>();
  let text = '';
  try {
    text = await readFile(resolved, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DatasetFormatError({
        file: resolved,
        message: `Could not read the judgment cache ${resolved}: ${(error as Error).message}`,
        cause: error,
      });
    }
  }
  const lines = text.split('\n');
  const endsCleanly = text === '' || text.endsWith('\n');
  // What to do before the first append when the file does not end with a newline: cut a torn last line
  // away (truncate to this many bytes), or end a complete one.
  let tornTailAt: number | undefined;
  let needsNewline = false;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const isLast = index === lines.length - 1 && !endsCleanly;
    const entry = parseEntry(line);
    if (entry === undefined) {
      if (isLast) {
        tornTailAt = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
        continue;
      }
      throw new DatasetFormatError({
        file: resolved,
        line: index + 1,
        message: `${resolved}:${index + 1}: not a judgment cache entry (expected JSON with string "key", "text" and "judgeModel").`,
      });
    }
    if (isLast) needsNewline = true;
    entries.set(entry.key, entry.judgment);
  }

  // Appends go one after another, so lines never interleave.
  let writes: Promise<void> = Promise.resolve();
  const append = (line: string): Promise<void> => {
    const write = async () => {
      await mkdir(path.dirname(resolved), { recursive: true });
      if (tornTailAt !== undefined) {
        await truncate(resolved, tornTailAt);
        tornTailAt = undefined;
      }
      if (needsNewline) {
        await appendFile(resolved, '\n');
        needsNewline = false;
      }
      await appendFile(resolved, line);
    };
    const result = writes.then(write, write);
    writes = result.catch(() => undefined);
    return result;
  };

  return {
    path: resolved,
    get size() {
      return entries.size;
    },
    async get(key) {
      const entry = entries.get(key);
      return entry === undefined ? undefined : { ...entry };
    },
    async set(key, judgment) {
      await append(`${JSON.stringify({ key, ...judgment })}\n`);
      entries.set(key, { ...judgment });
    },
  };
}

function parseEntry(line: string): { key: string; judgment: CachedJudgment } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, text, judgeModel, usage, createdAt, questionId, turn, promptName } = value as Record<
    string,
    unknown
  >;
  if (typeof key !== 'string' || typeof text !== 'string' || typeof judgeModel !== 'string') return undefined;
  return {
    key,
    judgment: {
      text,
      judgeModel,
      createdAt: typeof createdAt === 'string' ? createdAt : '',
      ...(isUsage(usage) ? { usage } : {}),
      ...(typeof questionId === 'number' ? { questionId } : {}),
      ...(typeof turn === 'number' ? { turn } : {}),
      ...(typeof promptName === 'string' ? { promptName } : {}),
    },
  };
}

function isUsage(value: unknown): value is CachedJudgment['usage'] & object {
  if (typeof value !== 'object' || value === null) return false;
  const { inputTokens, outputTokens, totalTokens } = value as Record<string, unknown>;
  return (
    typeof inputTokens === 'number' && typeof outputTokens === 'number' && typeof totalTokens === 'number'
  );
}
