export {
  createHubClient,
  type HubCallOptions,
  type HubClient,
  type HubClientSettings,
  type HubDatasetInfo,
  type HubFileResponse,
  type HubRepoFile,
  type HubRetryTuning,
} from './create-hub-client.js';
export {
  type DownloadHubDatasetOptions,
  downloadHubDataset,
  type HubDatasetDownload,
  type HubDatasetFile,
} from './download-hub-dataset.js';
export { formatHubDatasetUri } from './format-hub-dataset-uri.js';
export { getHubCachePaths, type HubCachePaths } from './get-hub-cache-paths.js';
export { HubApiError, type HubApiErrorOptions, type HubErrorCode } from './hub-api-error.js';
export { HubCacheMissError, type HubCacheMissErrorOptions } from './hub-cache-miss-error.js';
export type { HubDownloadEvent } from './hub-download-event.js';
export {
  type HubIntegrityCheck,
  HubIntegrityError,
  type HubIntegrityErrorOptions,
} from './hub-integrity-error.js';
export {
  type HubShard,
  type HubShardListing,
  type ListHubShardsOptions,
  listHubShards,
} from './list-hub-shards.js';
export { type HubDatasetLocation, parseHubDatasetUri } from './parse-hub-dataset-uri.js';
export { type HubCacheEnvironment, resolveHubCacheDir } from './resolve-hub-cache-dir.js';
export { defaultHubShardExtensions, type HubFileSelection } from './select-hub-files.js';
