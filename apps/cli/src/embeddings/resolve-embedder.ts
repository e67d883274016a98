import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Embedder } from '@tonekit/core';
import { createTransformersEmbedder } from '@tonekit/embeddings';
import { createOpenAICompatibleEmbedder } from '@tonekit/inference';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { resolveEmbedderSettings } from './embedder-options.js';

/** The sentence-embedder flags of `datagen` and `eval`. */
export interface SentenceEmbedderFlags {
  embedder?: string;
  embedderBaseUrl?: string;
  embedderModel?: string;
  embedderDimensions?: number;
}

/**
 * A sentence embedder from flags: an OpenAI-compatible `/embeddings` endpoint with
 * `--embedder-base-url`, else a local folder or Hub id through transformers.js (default
 * gte-modernbert-base, CLS pooling, as in seed A).
 */
export async function resolveEmbedder(
  options: SentenceEmbedderFlags,
  io: ResolvedCliIo,
  offline: boolean,
): Promise<Embedder> {
  if (options.embedderBaseUrl !== undefined) {
    if (options.embedderModel === undefined || options.embedderDimensions === undefined) {
      throw CliError.usage('--embedder-base-url needs --embedder-model and --embedder-dimensions');
    }
    const apiKey = io.env['TONEKIT_EMBEDDER_API_KEY'] ?? io.env['OPENAI_API_KEY'];
    return createOpenAICompatibleEmbedder({
      baseURL: options.embedderBaseUrl,
      model: options.embedderModel,
      dimensions: options.embedderDimensions,
      ...(apiKey ? { apiKey } : {}),
    });
  }
  const local =
    options.embedder !== undefined &&
    existsSync(path.resolve(io.cwd, options.embedder)) &&
    statSync(path.resolve(io.cwd, options.embedder)).isDirectory();
  return createTransformersEmbedder(
    resolveEmbedderSettings(
      {
        ...(local
          ? { modelPath: options.embedder as string }
          : options.embedder === undefined
            ? {}
            : { model: options.embedder }),
        offline,
        batchSize: 32,
      },
      io,
    ),
  );
}
