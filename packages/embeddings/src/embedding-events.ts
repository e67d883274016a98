import type { ProgressEvent } from '@tonekit/core';
import type { EmbeddingPooling, PoolingSource } from './sentence-transformers-pooling.js';

/** A model file is being read or downloaded (mirrors transformers.js's progress callback). */
export interface ModelLoadProgressEvent extends ProgressEvent {
  type: 'model-load-progress';
  /** Hub id or folder being loaded. */
  model: string;
  file: string;
  status: 'initiate' | 'download' | 'progress' | 'done';
  /** Bytes, when downloading. */
  loaded?: number;
  total?: number;
  /** 0–100, when downloading. */
  progress?: number;
}

/** The embedder is ready. */
export interface ModelLoadedEvent extends ProgressEvent {
  type: 'model-loaded';
  modelId: string;
  /** The local folder, when loaded from one. */
  path: string | undefined;
  dimensions: number;
  pooling: EmbeddingPooling;
  poolingSource: PoolingSource;
  /** sentence-transformers modules after pooling that this embedder does not apply (e.g. `Dense`). */
  ignoredModules: string[];
  durationMs: number;
}

/** Events of `createTransformersEmbedder`. */
export type TransformersEmbedderEvent = ModelLoadProgressEvent | ModelLoadedEvent;

/** Emitted by `embedMany`: once with `done: 0`, then after every batch. */
export interface EmbedProgressEvent extends ProgressEvent {
  type: 'embed-progress';
  /** Values embedded so far. */
  done: number;
  total: number;
}
