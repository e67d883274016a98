import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom, type Seed } from './create-seeded-random.js';

export interface ShuffleBufferedOptions {
  seed: Seed;
  /** Items held in memory. Larger buffers shuffle better and cost more memory. Default 10,000. */
  bufferSize?: number;
  abortSignal?: AbortSignal;
}

/**
 * Streaming approximate shuffle with a fixed-size buffer, the algorithm of Hugging Face datasets'
 * `IterableDataset.shuffle`: fill the buffer, then for every further item yield a random buffered item
 * and put the new one in its place; at the end, shuffle what is left and yield it. An item can move
 * back at most by the buffer size, so callers should also shuffle coarse units (files, row groups)
 * first; memory stays bounded by `bufferSize` items. Deterministic for a given seed and input order.
 */
export async function* shuffleBuffered<T>(
  source: AsyncIterable<T> | Iterable<T>,
  { seed, bufferSize = 10_000, abortSignal }: ShuffleBufferedOptions,
): AsyncGenerator<T, void, undefined> {
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new InvalidArgumentError({
      argument: 'bufferSize',
      value: bufferSize,
      message: 'expected a positive integer.',
    });
  }
  const random = createSeededRandom(seed);
  const buffer: T[] = [];
  for await (const item of source) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    if (buffer.length < bufferSize) {
      buffer.push(item);
      continue;
    }
    const index = random.nextInt(bufferSize);
    const chosen = buffer[index] as T;
    buffer[index] = item;
    yield chosen;
  }
  // Fisher–Yates on the remainder, yielding as we go so consumers can stop early.
  for (let end = buffer.length; end > 0; end--) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    const index = random.nextInt(end);
    const chosen = buffer[index] as T;
    buffer[index] = buffer[end - 1] as T;
    buffer.length = end - 1;
    yield chosen;
  }
}
