type Transformers = typeof import('@huggingface/transformers');

let loads: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with transformers.js imported and its process-wide `env` set to read local folders only
 * (`allowLocalModels` on, `allowRemoteModels` off), then restores the previous values.
 *
 * Why: transformers.js reads `env` while a model loads and not every code path honors the per-call
 * `local_files_only`, so loads started here run one after another, each with these settings in `env`
 * (the per-call option is passed as well). @tonekit/embeddings does the same for its own loads; code
 * that changes `env` at the same moment sees our values for that moment.
 *
 * The import is dynamic so that importing @tonekit/inference never loads onnxruntime-node.
 */
export function withTransformers<T>(load: (transformers: Transformers) => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    const transformers = await import('@huggingface/transformers');
    const { env } = transformers;
    const previous = { allowLocalModels: env.allowLocalModels, allowRemoteModels: env.allowRemoteModels };
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
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
