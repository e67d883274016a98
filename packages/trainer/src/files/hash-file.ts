import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CancelledError } from '@tonekit/core';

/** Lower-case hex SHA-256 and size of a file, streamed so large files stay out of memory. */
export async function hashFile(
  path: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    throw error;
  }
  return { sha256: hash.digest('hex'), bytes };
}
