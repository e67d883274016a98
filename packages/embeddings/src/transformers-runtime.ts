type Transformers = typeof import('@huggingface/transformers');

export interface TransformersEnvSettings {
  allowRemote: boolean;
  /** Cache folder for Hub downloads; `undefined` keeps transformers.js's own. */
  cacheDir: string | undefined;
}

let loads: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with transformers.js imported and its global `env` set for this load, then restores the
 * previous values. This module is the only code in tonekit that touches `env`.
 *
 * Why: transformers.js reads `env.allowRemoteModels`, `env.allowLocalModels` and `env.cacheDir` from one
 * process-wide object while a model loads, and not every code path honors the per-call options (4.3.1
 * looks up `tokenizer_config.json` with `env.cacheDir`, ignoring `cache_dir`). So loads started here run
 * one after another, each with its own settings in `env`; the per-call `local_files_only` and
 * `cache_dir` options are passed as well. The caveat: other code that uses transformers.js directly and
 * loads a model at the same moment sees our values for that moment, and we see its changes.
 *
 * The import is dynamic so that merely importing `@tonekit/embeddings` does not load onnxruntime-node.
 */
export function withTransformers<T>(
  settings: TransformersEnvSettings,
  load: (transformers: Transformers) => Promise<T>,
): Promise<T> {
  const run = async (): Promise<T> => {
    const transformers = await import('@huggingface/transformers');
    const { env } = transformers;
    const previous = {
      allowLocalModels: env.allowLocalModels,
      allowRemoteModels: env.allowRemoteModels,
      cacheDir: env.cacheDir,
    };
    env.allowLocalModels = true;
    env.allowRemoteModels = settings.allowRemote;
    if (settings.cacheDir !== undefined) env.cacheDir = settings.cacheDir;
    try {
      return await load(transformers);
    } finally {
      Object.assign(env, previous);
    }
  };
  const result = loads.then(run, run);
  loads = result.catch(() => undefined);
  return result;
}

/** Where transformers.js looks for a Hub model before downloading it (read-only use of `env`). */
export async function transformersDefaultPaths(): Promise<{
  cacheDir: string | null;
  localModelPath: string;
  remoteHost: string;
  remotePathTemplate: string;
}> {
  const { env } = await import('@huggingface/transformers');
  return {
    cacheDir: env.cacheDir,
    localModelPath: env.localModelPath,
    remoteHost: env.remoteHost,
    remotePathTemplate: env.remotePathTemplate,
  };
}
