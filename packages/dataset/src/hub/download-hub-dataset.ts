import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  CancelledError,
  createConcurrencyLimiter,
  InvalidArgumentError,
  type OnEvent,
  type RetryInfo,
  TonekitError,
} from '@tonekit/core';
import { createHubClient, type HubClient } from './create-hub-client.js';
import { downloadHubBlob } from './download-hub-blob.js';
import { formatHubDatasetUri } from './format-hub-dataset-uri.js';
import { getHubCachePaths } from './get-hub-cache-paths.js';
import { HubApiError } from './hub-api-error.js';
import type { HubDownloadEvent } from './hub-download-event.js';
import { linkSnapshotFile } from './link-snapshot-file.js';
import { findHubShards, type HubShard } from './list-hub-shards.js';
import {
  checkPathInRepo,
  type HubDatasetLocation,
  isCommitSha,
  parseHubDatasetUri,
} from './parse-hub-dataset-uri.js';
import { readHubCache } from './read-hub-cache.js';
import { createHubFileSelector, type HubFileSelection } from './select-hub-files.js';

export interface DownloadHubDatasetOptions extends Omit<HubFileSelection, 'pathInRepo'> {
  /**
   * The huggingface_hub cache folder. Required: libraries do not read the environment. Apps resolve it
   * like huggingface_hub (`HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`; see
   * `resolveHubCacheDir`) so Python and tonekit share downloads.
   */
  cacheDir: string;
  /** Defaults to a client for https://huggingface.co without a token. Unused offline. */
  client?: HubClient;
  /** Use only the cache and never touch the network. Defaults to false. */
  offline?: boolean;
  /** Files downloaded at the same time. Defaults to 4. */
  concurrency?: number;
  onEvent?: OnEvent<HubDownloadEvent>;
  abortSignal?: AbortSignal;
}

/** A shard as a local file. */
export interface HubDatasetFile {
  pathInRepo: string;
  /** `snapshots/<commitSha>/<pathInRepo>` in the cache: a symlink to the blob (or a copy where symlinks are unavailable). */
  localPath: string;
  size: number;
}

export interface HubDatasetDownload {
  repoId: string;
  revision: string;
  commitSha: string;
  snapshotDir: string;
  /** Sorted by `pathInRepo`. */
  files: HubDatasetFile[];
}

const progressIntervalMs = 100;
const safeEtagPattern = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Makes the shards of a Hub dataset local files, in the standard huggingface_hub cache:
 * `<cacheDir>/datasets--<owner>--<name>/blobs/<etag>`, `snapshots/<commitSha>/<path>` (relative symlinks
 * to the blobs) and `refs/<revision>` (the commit sha, written once every shard is in place).
 *
 * Online, the revision is resolved and listed (two small API calls); files already complete in the cache
 * are cache hits and cost no request; the others are downloaded `concurrency` at a time, resumably
 * (`<etag>.incomplete` + `Range`), verified (size, and sha256 or git blob sha1) and renamed into place.
 * The first failure cancels the other downloads; partial files stay for the next run to resume.
 *
 * Offline, only the cache is read: `refs/<revision>` → `snapshots/<sha>`; `fetch` is never called. A
 * missing piece is a `HubCacheMissError` that says how to fill the cache.
 */
export async function downloadHubDataset(
  uri: string | HubDatasetLocation,
  options: DownloadHubDatasetOptions,
): Promise<HubDatasetDownload> {
  const {
    cacheDir,
    offline = false,
    concurrency = 4,
    onEvent,
    abortSignal,
    extensions,
    split,
  } = options ?? {};
  if (typeof cacheDir !== 'string' || cacheDir === '') {
    throw new InvalidArgumentError({
      argument: 'cacheDir',
      value: cacheDir,
      message:
        'the Hugging Face cache folder is required. Apps resolve it as huggingface_hub does (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub; see resolveHubCacheDir).',
    });
  }
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new InvalidArgumentError({
      argument: 'concurrency',
      value: concurrency,
      message: 'expected a positive integer.',
    });
  }
  const location = typeof uri === 'string' ? parseHubDatasetUri(uri) : uri;
  const { repoId, revision } = location;
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);

  if (offline) {
    const selector = createHubFileSelector({ extensions, split, pathInRepo: location.pathInRepo });
    const cached = await readHubCache(location, cacheDir, selector);
    onEvent?.({
      type: 'hub-listing',
      repoId,
      revision,
      commitSha: cached.commitSha,
      fileCount: cached.files.length,
      totalBytes: cached.files.reduce((sum, file) => sum + file.size, 0),
      offline: true,
    });
    for (const file of cached.files) {
      onEvent?.({
        type: 'hub-cache-hit',
        repoId,
        file: file.pathInRepo,
        localPath: file.localPath,
        size: file.size,
      });
    }
    return {
      repoId,
      revision,
      commitSha: cached.commitSha,
      snapshotDir: cached.snapshotDir,
      files: cached.files,
    };
  }

  const client = options.client ?? createHubClient();
  const retryListener =
    (file?: string) =>
    ({ attempt, delayMs, error }: RetryInfo) =>
      onEvent?.({
        type: 'hub-retry',
        repoId,
        ...(file === undefined ? {} : { file }),
        attempt,
        delayMs,
        message: error instanceof Error ? error.message : String(error),
      });

  const { listing, candidates, description } = await findHubShards(location, {
    client,
    extensions,
    split,
    abortSignal,
    onRetry: retryListener(),
  });
  const { commitSha, shards } = listing;
  if (shards.length === 0) {
    const endings = [
      ...new Set(candidates.map((file) => /(\.[^./]+)$/.exec(file.path)?.[1] ?? '(none)')),
    ].sort();
    throw new InvalidArgumentError({
      argument: 'uri',
      value: formatHubDatasetUri(location),
      message:
        `no file of dataset ${repoId} at ${revision} (commit ${commitSha}) matches ${description || 'the selection'}. ` +
        (candidates.length === 0
          ? 'There are no files there at all.'
          : `There are ${candidates.length} file(s) there, ending in ${endings.join(', ')}: adjust the path, split or extensions.`),
    });
  }
  for (const shard of shards) {
    // Paths and etags come from the server and become local paths: they must not escape the cache.
    checkPathInRepo(shard.pathInRepo, (message) => {
      throw new HubApiError({
        message: `The Hub listed an unsafe file path: ${message}`,
        url: client.endpoint,
        isRetryable: false,
        repoId,
      });
    });
    if (!safeEtagPattern.test(shard.etag)) {
      throw new HubApiError({
        message: `The Hub listed ${shard.pathInRepo} with an etag that cannot name a file: "${shard.etag}".`,
        url: client.endpoint,
        isRetryable: false,
        repoId,
      });
    }
  }
  onEvent?.({
    type: 'hub-listing',
    repoId,
    revision,
    commitSha,
    fileCount: shards.length,
    totalBytes: shards.reduce((sum, shard) => sum + shard.size, 0),
    offline: false,
  });

  const paths = getHubCachePaths(cacheDir, repoId);
  const snapshotDir = path.join(paths.snapshotsDir, commitSha);
  await mkdir(paths.blobsDir, { recursive: true });
  await mkdir(snapshotDir, { recursive: true });
  const localPathOf = (shard: HubShard) => path.join(snapshotDir, ...shard.pathInRepo.split('/'));

  // Identical files share one blob: download each blob once, then link every path to it.
  const byEtag = new Map<string, HubShard[]>();
  for (const shard of shards) byEtag.set(shard.etag, [...(byEtag.get(shard.etag) ?? []), shard]);

  const stopOthers = new AbortController();
  const signal = abortSignal ? AbortSignal.any([abortSignal, stopOthers.signal]) : stopOthers.signal;
  const limiter = createConcurrencyLimiter(concurrency);
  let firstError: { error: unknown } | undefined;

  const fetchGroup = async (etag: string, group: HubShard[]) => {
    const size = group[0]!.size;
    const pending: HubShard[] = [];
    for (const shard of group) {
      if (await isCompleteFile(localPathOf(shard), size)) {
        onEvent?.({
          type: 'hub-cache-hit',
          repoId,
          file: shard.pathInRepo,
          localPath: localPathOf(shard),
          size,
        });
      } else {
        pending.push(shard);
      }
    }
    if (pending.length === 0) return;
    const blobPath = path.join(paths.blobsDir, etag);
    let resumedFromBytes: number | undefined;
    if (!(await isCompleteFile(blobPath, size))) {
      const file = pending[0]!.pathInRepo;
      let lastProgressAt = Number.NEGATIVE_INFINITY;
      ({ resumedFromBytes } = await downloadHubBlob({
        client,
        repoId,
        commitSha,
        pathInRepo: file,
        etag,
        size,
        blobPath,
        abortSignal: signal,
        onRetry: retryListener(file),
        onProgress: (bytes) => {
          const now = Date.now();
          if (bytes < size && now - lastProgressAt < progressIntervalMs) return;
          lastProgressAt = now;
          onEvent?.({ type: 'hub-download-progress', repoId, file, bytes, totalBytes: size });
        },
      }));
    }
    for (const shard of pending) {
      const localPath = localPathOf(shard);
      await linkSnapshotFile(blobPath, localPath);
      onEvent?.(
        resumedFromBytes === undefined
          ? { type: 'hub-cache-hit', repoId, file: shard.pathInRepo, localPath, size }
          : { type: 'hub-file-complete', repoId, file: shard.pathInRepo, localPath, size, resumedFromBytes },
      );
    }
  };

  const results = await Promise.allSettled(
    [...byEtag].map(([etag, group]) =>
      limiter.run(
        () =>
          fetchGroup(etag, group).catch((error: unknown) => {
            if (firstError === undefined && !signal.aborted) {
              firstError = { error };
              stopOthers.abort(
                new TonekitError({ message: 'Another file of the dataset failed to download.' }),
              );
            }
            throw error;
          }),
        { abortSignal: signal },
      ),
    ),
  );
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  if (firstError !== undefined) throw firstError.error;
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;

  if (!isCommitSha(revision)) await writeRef(path.join(paths.refsDir, ...revision.split('/')), commitSha);
  return {
    repoId,
    revision,
    commitSha,
    snapshotDir,
    files: shards.map((shard) => ({
      pathInRepo: shard.pathInRepo,
      localPath: localPathOf(shard),
      size: shard.size,
    })),
  };
}

async function isCompleteFile(filePath: string, size: number): Promise<boolean> {
  try {
    const info = await stat(filePath);
    return info.isFile() && info.size === size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** `refs/<revision>` holds the bare sha, no newline, exactly as huggingface_hub writes it. */
async function writeRef(refPath: string, commitSha: string): Promise<void> {
  await mkdir(path.dirname(refPath), { recursive: true });
  const temporaryPath = `${refPath}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporaryPath, commitSha);
    await rename(temporaryPath, refPath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
