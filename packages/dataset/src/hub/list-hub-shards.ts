import type { RetryInfo } from '@tonekit/core';
import { createHubClient, type HubClient, type HubRepoFile } from './create-hub-client.js';
import { HubApiError } from './hub-api-error.js';
import { type HubDatasetLocation, parseHubDatasetUri } from './parse-hub-dataset-uri.js';
import { createHubFileSelector, type HubFileSelection } from './select-hub-files.js';

/** A data file of a Hub dataset. */
export interface HubShard {
  pathInRepo: string;
  size: number;
  /** The name of its blob in the huggingface_hub cache: the LFS sha256, else the git blob sha1. */
  etag: string;
  lfs: boolean;
}

/** The shards of one dataset at one commit. */
export interface HubShardListing {
  repoId: string;
  /** The revision asked for (`main` unless the URI named one). */
  revision: string;
  /** The commit it resolved to; every shard was listed at this commit. */
  commitSha: string;
  /** Sorted by path (code-unit order, as Python's `sorted`), so `train-00000-of-00004` comes first. */
  shards: HubShard[];
}

export interface ListHubShardsOptions extends Omit<HubFileSelection, 'pathInRepo'> {
  /** Defaults to a client for https://huggingface.co without a token. */
  client?: HubClient;
  abortSignal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Lists the data files of a Hub dataset: resolves the revision to a commit, lists the tree at that commit
 * (only below the URI's path, when it has one) and keeps the files that match the path or glob, the split
 * and the extensions. An empty `shards` array means nothing matched.
 */
export async function listHubShards(
  uri: string | HubDatasetLocation,
  options: ListHubShardsOptions = {},
): Promise<HubShardListing> {
  return (await findHubShards(uri, options)).listing;
}

/** `listHubShards`, also returning every file the selection was chosen from (to explain an empty one). */
export async function findHubShards(
  uri: string | HubDatasetLocation,
  { client = createHubClient(), abortSignal, onRetry, ...selection }: ListHubShardsOptions,
): Promise<{ listing: HubShardListing; candidates: HubRepoFile[]; description: string }> {
  const location = typeof uri === 'string' ? parseHubDatasetUri(uri) : uri;
  const selector = createHubFileSelector({ ...selection, pathInRepo: location.pathInRepo });
  const { repoId, revision } = location;
  const info = await client.getDatasetInfo({ repoId, revision, abortSignal, onRetry });
  const candidates = await listFilesOrNone(
    client,
    repoId,
    info.commitSha,
    selector.listPath,
    abortSignal,
    onRetry,
  );
  const shards = candidates
    .filter((file) => selector.matches(file.path))
    .map(({ path, size, etag, lfs }) => ({ pathInRepo: path, size, etag, lfs: lfs !== undefined }))
    .sort((a, b) => (a.pathInRepo < b.pathInRepo ? -1 : a.pathInRepo > b.pathInRepo ? 1 : 0));
  return {
    listing: { repoId, revision, commitSha: info.commitSha, shards },
    candidates,
    description: selector.description,
  };
}

async function listFilesOrNone(
  client: HubClient,
  repoId: string,
  commitSha: string,
  path: string | undefined,
  abortSignal: AbortSignal | undefined,
  onRetry: ((info: RetryInfo) => void) | undefined,
): Promise<HubRepoFile[]> {
  try {
    return await client.listDatasetFiles({ repoId, revision: commitSha, path, abortSignal, onRetry });
  } catch (error) {
    // The folder a glob starts in does not exist: nothing can match, which is an empty result, not a failure.
    if (path !== undefined && HubApiError.isInstance(error) && error.errorCode === 'EntryNotFound') return [];
    throw error;
  }
}
