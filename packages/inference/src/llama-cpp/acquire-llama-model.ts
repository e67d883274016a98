import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError, ModelLoadError } from '@tonekit/core';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.js';

type NodeLlamaCpp = typeof import('node-llama-cpp');

/** `auto` uses CUDA, Vulkan or Metal when available; `cpu` (or `false`) forces the CPU. */
export type LlamaCppGpu = 'auto' | 'cpu' | false | 'cuda' | 'vulkan' | 'metal';

/** A LoRA adapter in GGUF format, applied on top of the base weights with `scale` (default 1). */
export interface LlamaCppLoraAdapter {
  path: string;
  scale?: number;
}

export interface LlamaModelSettings {
  modelPath: string;
  gpu?: LlamaCppGpu;
  gpuLayers?: number | 'auto' | 'max';
}

/** A shared hold on a loaded model; the weights stay in memory until every lease is released. */
export interface LlamaModelLease {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly nodeLlamaCpp: NodeLlamaCpp;
  /** Gives the lease back. Idempotent; the last release disposes the model, then the backend. */
  release(): Promise<void>;
}

interface Shared<T> {
  value: Promise<T>;
  leases: number;
}

// One backend per GPU choice and one model per (file, GPU choice, offloaded layers), reference-counted:
// a chat model and several logit sources on one base GGUF (each with its own LoRA adapters, which live
// in the context) hold its weights once.
const backends = new Map<string, Shared<Llama>>();
const models = new Map<string, Shared<LlamaModel>>();

/** Rejects remote model references and missing files before anything native loads. */
export async function checkLocalGgufFiles(
  modelPath: string,
  loraAdapters: readonly LlamaCppLoraAdapter[] = [],
): Promise<void> {
  if (/^(hf|https?):/.test(modelPath)) {
    throw new InvalidArgumentError({
      argument: 'modelPath',
      value: modelPath,
      message: `must be a local .gguf file, got ${modelPath}. Download it first, e.g. \`npx node-llama-cpp pull --dir ./models ${modelPath}\`.`,
    });
  }
  for (const file of [modelPath, ...loraAdapters.map((adapter) => adapter.path)]) {
    try {
      await access(file);
    } catch (error) {
      throw new ModelLoadError({ message: `No such GGUF file: ${file}`, path: file, cause: error });
    }
  }
}

/**
 * Loads a GGUF model with node-llama-cpp (imported on first use), or shares the one already loaded
 * with the same settings. Errors are `ModelLoadError`s naming `modelId`.
 */
export async function acquireLlamaModel(
  settings: LlamaModelSettings,
  modelId: string,
): Promise<LlamaModelLease> {
  const nodeLlamaCpp = await loadNodeLlamaCpp();
  const gpu = settings.gpu === 'cpu' ? false : (settings.gpu ?? 'auto');
  const backendKey = JSON.stringify([gpu]);
  const modelKey = JSON.stringify([path.resolve(settings.modelPath), gpu, settings.gpuLayers ?? null]);

  const backend = share(backends, backendKey, () =>
    nodeLlamaCpp.getLlama({ gpu, build: 'never', logLevel: nodeLlamaCpp.LlamaLogLevel.error }),
  );
  const releaseBackend = once(() => unshare(backends, backendKey, backend, (llama) => llama.dispose()));
  let llama: Llama;
  try {
    llama = await backend.value;
  } catch (error) {
    await releaseBackend();
    throw toModelLoadError(error, settings.modelPath, modelId);
  }
  const shared = share(models, modelKey, () =>
    llama.loadModel({
      modelPath: settings.modelPath,
      ...(settings.gpuLayers === undefined ? {} : { gpuLayers: settings.gpuLayers }),
    }),
  );
  const releaseModel = once(() => unshare(models, modelKey, shared, (model) => model.dispose()));
  let model: LlamaModel;
  try {
    model = await shared.value;
  } catch (error) {
    await releaseModel();
    await releaseBackend();
    throw toModelLoadError(error, settings.modelPath, modelId);
  }
  return {
    llama,
    model,
    nodeLlamaCpp,
    release: once(async () => {
      await releaseModel();
      await releaseBackend();
    }),
  };
}

function share<T>(registry: Map<string, Shared<T>>, key: string, create: () => Promise<T>): Shared<T> {
  let entry = registry.get(key);
  if (entry === undefined) {
    entry = { value: create(), leases: 0 };
    // A failed load is not cached: the next caller tries again.
    entry.value.catch(() => {
      if (registry.get(key) === entry) registry.delete(key);
    });
    registry.set(key, entry);
  }
  entry.leases++;
  return entry;
}

async function unshare<T>(
  registry: Map<string, Shared<T>>,
  key: string,
  entry: Shared<T>,
  dispose: (value: T) => Promise<void>,
): Promise<void> {
  entry.leases--;
  if (entry.leases > 0) return;
  // Removed before disposing, so a caller arriving meanwhile loads afresh instead of getting a dying model.
  if (registry.get(key) === entry) registry.delete(key);
  const value = await entry.value.catch(() => undefined);
  if (value !== undefined) await dispose(value);
}

function once(run: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= run();
    return result;
  };
}

function toModelLoadError(error: unknown, modelPath: string, modelId: string): ModelLoadError {
  if (ModelLoadError.isInstance(error)) return error;
  return new ModelLoadError({
    message: `llama.cpp could not load ${modelId}: ${error instanceof Error ? error.message : String(error)}`,
    path: modelPath,
    cause: error,
  });
}
