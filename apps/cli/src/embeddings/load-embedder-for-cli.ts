import { createTransformersEmbedder, type TransformersEmbedder } from '@tonekit/embeddings';
import type { ResolvedCliIo } from '../cli-io.js';
import { type EmbedderFlags, resolveEmbedderSettings } from './embedder-options.js';

/** Loads the embedding model the flags name, showing download progress on stderr. */
export async function loadEmbedderForCli(
  flags: EmbedderFlags,
  io: ResolvedCliIo,
  progress: { update(text: string): void },
): Promise<TransformersEmbedder> {
  return createTransformersEmbedder({
    ...resolveEmbedderSettings(flags, io),
    onEvent: (event) => {
      if (event.type === 'model-load-progress') {
        const percent = event.progress === undefined ? '' : ` ${event.progress.toFixed(0)}%`;
        progress.update(`loading ${event.model}: ${event.file}${percent}`);
      }
    },
  });
}
