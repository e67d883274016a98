export {
  createTransformersEmbedder,
  DEFAULT_EMBEDDING_MODEL,
  type TransformersDtype,
  type TransformersEmbedder,
  type TransformersEmbedderSettings,
} from './create-transformers-embedder.js';
export {
  createTransformersTokenEmbedder,
  type TransformersTokenEmbedder,
  type TransformersTokenEmbedderSettings,
} from './create-transformers-token-embedder.js';
export * from './dedup/index.js';
export { type EmbedManyOptions, embedMany } from './embed-many.js';
export type {
  EmbedProgressEvent,
  ModelLoadedEvent,
  ModelLoadProgressEvent,
  TransformersEmbedderEvent,
} from './embedding-events.js';
export type { EmbeddingPooling, PoolingSource } from './sentence-transformers-pooling.js';
