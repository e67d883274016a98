import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CancelledError } from '@tonekit/core';
import { temporaryPath } from '../files/temporary-path.js';
import { toJsonValue } from './json-value.js';

export interface WriteJsonlOptions {
  abortSignal?: AbortSignal;
}

export interface WriteJsonlResult {
  rows: number;
  bytes: number;
}

const flushBytes = 1024 * 1024;

/**
 * Writes one JSON object per line (UTF-8, `\n`), from an array or any (async) iterable, so exports
 * of any size stream. Atomic: the file appears at `path` only when complete. Typed arrays become
 * arrays and bigints numbers (strings beyond 2^53), see `toJsonValue`.
 */
export async function writeJsonl(
  path: string,
  rows: Iterable<unknown> | AsyncIterable<unknown>,
  { abortSignal }: WriteJsonlOptions = {},
): Promise<WriteJsonlResult> {
  abortSignal?.throwIfAborted();
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'wx');
  let count = 0;
  let bytes = 0;
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const chunk = Buffer.from(buffer, 'utf8');
    buffer = '';
    await handle.write(chunk);
    bytes += chunk.byteLength;
  };
  try {
    for await (const row of rows) {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      buffer += `${JSON.stringify(toJsonValue(row))}\n`;
      count++;
      if (buffer.length >= flushBytes) await flush();
    }
    await flush();
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
    return { rows: count, bytes };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}
