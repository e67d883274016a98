import type { FileHandle } from 'node:fs/promises';

/**
 * Appends lines to an open file with group commit: lines appended while a write is in flight go out
 * together in the next write, so many concurrent callers cost one syscall, writes never interleave, and
 * each caller's promise resolves only once its own line is written. Crash-safe logs (datagen's
 * checkpoint, the evaluator's responses) build on it; open the handle with flag `a` (O_APPEND).
 */
export class JsonlAppender {
  #handle: FileHandle;
  #queue: Promise<void> = Promise.resolve();
  #pending: string[] = [];
  #pendingWritten: Promise<void> | undefined;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Appends `value` as one JSON line; resolves once that line is written. */
  append(value: unknown): Promise<void> {
    this.#pending.push(`${JSON.stringify(value)}\n`);
    this.#pendingWritten ??= this.#writePending();
    return this.#pendingWritten;
  }

  #writePending(): Promise<void> {
    const written = this.#queue.then(async () => {
      // From here on, new lines wait for the next batch.
      const lines = this.#pending;
      this.#pending = [];
      this.#pendingWritten = undefined;
      await this.#handle.write(lines.join(''));
    });
    this.#queue = written.catch(() => undefined);
    return written;
  }

  /** Waits for every pending line, then closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#handle.close();
  }
}
