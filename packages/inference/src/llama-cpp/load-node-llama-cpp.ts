import { ModelLoadError } from '@tonekit/core';

type NodeLlamaCpp = typeof import('node-llama-cpp');

let loading: Promise<NodeLlamaCpp> | undefined;

/**
 * Imports node-llama-cpp on first use. The static import graph of @tonekit/inference never reaches
 * it, so users of the OpenAI-compatible models never load the native addon (nor pay its start-up).
 */
export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= import('node-llama-cpp').catch((error: unknown) => {
    loading = undefined;
    throw new ModelLoadError({
      message:
        'node-llama-cpp could not be loaded; it ships prebuilt binaries for Linux, macOS and Windows ' +
        '(x64/arm64). Reinstall with `npm install node-llama-cpp` or see https://node-llama-cpp.withcat.ai.',
      cause: error,
    });
  });
  return loading;
}
