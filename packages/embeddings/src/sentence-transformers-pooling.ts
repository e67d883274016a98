import { ModelLoadError } from '@tonekit/core';

/** How token vectors become one sentence vector. */
export type EmbeddingPooling = 'cls' | 'mean';

/** Where the pooling in force came from. */
export type PoolingSource = 'option' | 'sentence-transformers-config' | 'model-name-default';

export interface SentenceTransformersPooling {
  pooling: EmbeddingPooling;
  /** Modules listed after Pooling that change the vector and that we do not apply (Normalize is not listed). */
  ignoredModules: string[];
}

/** Reads a JSON file of the model repository by relative path; `undefined` when it is absent. */
export type ReadModelJson = (file: string) => Promise<unknown>;

const poolingModuleType = 'sentence_transformers.models.Pooling';
// Modules that leave the pooled vector as it is, or that we apply ourselves (Normalize, via `normalize`).
const harmlessModuleTypes = new Set([
  'sentence_transformers.models.Transformer',
  poolingModuleType,
  'sentence_transformers.models.Normalize',
]);

/**
 * Reads the pooling a sentence-transformers checkpoint declares: `modules.json` names the Pooling
 * module's folder (usually `1_Pooling`), whose `config.json` sets one `pooling_mode_*` flag. Returns
 * `undefined` when the repository has no such metadata (a plain transformer checkpoint). Throws for a
 * declared mode this embedder cannot reproduce, rather than silently embedding differently.
 */
export async function readSentenceTransformersPooling(
  readJson: ReadModelJson,
  model: { modelId: string; path?: string | undefined },
): Promise<SentenceTransformersPooling | undefined> {
  const modules = await readJson('modules.json');
  if (!Array.isArray(modules)) return undefined;
  const entries = modules.filter(
    (entry): entry is { type: string; path?: unknown } =>
      typeof entry === 'object' && entry !== null && typeof (entry as { type?: unknown }).type === 'string',
  );
  const poolingModule = entries.find((entry) => entry.type === poolingModuleType);
  if (poolingModule === undefined) return undefined;
  const folder =
    typeof poolingModule.path === 'string' && poolingModule.path !== '' ? poolingModule.path : '1_Pooling';
  const config = await readJson(`${folder}/config.json`);
  if (typeof config !== 'object' || config === null) return undefined;
  const flags = config as Record<string, unknown>;
  const enabled = Object.keys(flags).filter((key) => key.startsWith('pooling_mode_') && flags[key] === true);
  const ignoredModules = entries
    .filter((entry) => !harmlessModuleTypes.has(entry.type))
    .map((entry) => entry.type);
  if (enabled.length === 1 && enabled[0] === 'pooling_mode_cls_token')
    return { pooling: 'cls', ignoredModules };
  if (enabled.length === 1 && enabled[0] === 'pooling_mode_mean_tokens')
    return { pooling: 'mean', ignoredModules };
  throw new ModelLoadError({
    message:
      `The sentence-transformers pooling of ${model.path ?? model.modelId} ` +
      `(${folder}/config.json: ${enabled.length === 0 ? 'no mode enabled' : enabled.join(' + ')}) is not supported; ` +
      "pass pooling: 'cls' or 'mean' to choose one explicitly.",
    modelId: model.modelId,
    path: model.path,
  });
}

// Checkpoints known to be trained with CLS pooling; most other sentence encoders (MiniLM, MPNet, E5,
// GTE v1, nomic) use mean pooling. Only consulted when the repository has no sentence-transformers
// metadata and no explicit `pooling` was given.
const clsPooledModels = [/gte-modernbert/i, /\bbge-/i, /arctic-embed/i, /mxbai-embed/i];

/** Pooling to assume for `modelId` when nothing else says. */
export function defaultPoolingForModel(modelId: string): EmbeddingPooling {
  return clsPooledModels.some((pattern) => pattern.test(modelId)) ? 'cls' : 'mean';
}
