import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CancelledError } from '@tonekit/core';

/** Lower-case hex SHA-256 of a file, streamed so a large split is never held in memory to be hashed. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    throw error;
  }
  return hash.digest('hex');
}
