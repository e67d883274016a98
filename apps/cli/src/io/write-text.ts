import type { TextSink } from '../cli-io.js';

/** Writes and, on a real stream, waits for `drain` so per-row output of a large file stays bounded. */
export async function writeText(sink: TextSink, chunk: string): Promise<void> {
  if (sink.write(chunk) || typeof sink.once !== 'function') return;
  await new Promise<void>((resolve) => sink.once?.('drain', resolve));
}
