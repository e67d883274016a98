import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { type RetryInfo, retryWithBackoff } from '@tonekit/core';
import type { HubClient, HubFileResponse } from './create-hub-client.js';
import { HubApiError } from './hub-api-error.js';
import { HubIntegrityError } from './hub-integrity-error.js';

export interface DownloadHubBlobOptions {
  client: HubClient;
  repoId: string;
  commitSha: string;
  pathInRepo: string;
  /** From the listing: the blob's name and, when it is a hash, the checksum to verify. */
  etag: string;
  size: number;
  /** `blobs/<etag>`; bytes go to `<blobPath>.incomplete` first. */
  blobPath: string;
  abortSignal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Downloads one blob into the cache the way huggingface_hub does: into `<etag>.incomplete`, resuming with
 * `Range: bytes=<have>-` after an interruption (in this call's retries or an earlier run), then verifying
 * size and hash and renaming into place, so `blobs/<etag>` only ever holds a complete, verified file.
 *
 * @returns how many bytes the successful attempt kept from before it.
 */
export async function downloadHubBlob(
  options: DownloadHubBlobOptions,
): Promise<{ resumedFromBytes: number }> {
  const { client, abortSignal, onRetry } = options;
  return retryWithBackoff((_attempt, signal) => attemptDownload(options, signal), {
    ...client.retryOptions,
    abortSignal,
    onRetry,
  });
}

async function attemptDownload(options: DownloadHubBlobOptions, abortSignal: AbortSignal | undefined) {
  const { repoId, pathInRepo, etag, size, blobPath, onProgress } = options;
  const incompletePath = `${blobPath}.incomplete`;
  let start = (await fileSize(incompletePath)) ?? 0;
  if (start > size) {
    await rm(incompletePath, { force: true });
    start = 0;
  }
  const digest = createDigest(etag, size);

  if (start < size) {
    const response = await openFrom(options, start, incompletePath, abortSignal);
    try {
      await checkResponse(response, options, start, incompletePath);
    } catch (error) {
      await response.cancel();
      throw error;
    }
    start = response.start;
    if (start > 0 && digest) await hashFilePrefix(incompletePath, start, digest.hash);
    const handle = await open(incompletePath, start === 0 ? 'w' : 'a');
    let bytes = start;
    try {
      for await (const chunk of response.chunks) {
        if (bytes + chunk.byteLength > size) {
          await handle.close().catch(() => {});
          await rm(incompletePath, { force: true });
          throw integrityError(options, 'size', `${size} bytes`, `more than ${size} bytes`);
        }
        await handle.write(chunk);
        digest?.hash.update(chunk);
        bytes += chunk.byteLength;
        onProgress?.(bytes);
      }
    } finally {
      await handle.close().catch(() => {});
    }
    if (bytes < size) {
      throw new HubApiError({
        message: `The download of ${pathInRepo} from ${repoId} ended after ${bytes} of ${size} bytes.`,
        url: response.url,
        isRetryable: true,
        repoId,
      });
    }
  } else {
    if (size === 0) await (await open(incompletePath, 'w')).close();
    if (digest) await hashFilePrefix(incompletePath, size, digest.hash);
    onProgress?.(size);
  }

  const written = (await fileSize(incompletePath)) ?? 0;
  if (written !== size) {
    await rm(incompletePath, { force: true });
    throw integrityError(options, 'size', `${size} bytes`, `${written} bytes`);
  }
  if (digest) {
    const actual = digest.hash.digest('hex');
    if (actual !== etag) {
      // A corrupt partial file would poison every later resume: start over next time.
      await rm(incompletePath, { force: true });
      throw integrityError(options, digest.kind, etag, actual);
    }
  }
  await rename(incompletePath, blobPath);
  return { resumedFromBytes: start };
}

async function openFrom(
  { client, repoId, commitSha, pathInRepo }: DownloadHubBlobOptions,
  start: number,
  incompletePath: string,
  abortSignal: AbortSignal | undefined,
): Promise<HubFileResponse> {
  try {
    return await client.openDatasetFile({
      repoId,
      revision: commitSha,
      path: pathInRepo,
      start,
      abortSignal,
    });
  } catch (error) {
    if (start > 0 && HubApiError.isInstance(error) && error.status === 416) {
      // The server cannot continue from what we kept: throw it away and start over on the next attempt.
      await rm(incompletePath, { force: true });
      throw new HubApiError({
        message: `The server refused to resume ${pathInRepo} at byte ${start} (HTTP 416); starting over.`,
        url: error.url,
        status: 416,
        isRetryable: true,
        repoId,
        cause: error,
      });
    }
    throw error;
  }
}

async function checkResponse(
  response: HubFileResponse,
  options: DownloadHubBlobOptions,
  requestedStart: number,
  incompletePath: string,
): Promise<void> {
  const { repoId, commitSha, etag, size } = options;
  // A hex etag is a content hash; anything else (a mirror's own tag) says nothing about the content.
  if (
    response.etag !== undefined &&
    /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(response.etag) &&
    response.etag !== etag
  ) {
    throw integrityError(options, 'etag', etag, response.etag);
  }
  if (response.commitSha !== undefined && response.commitSha !== commitSha) {
    throw integrityError(options, 'commit', commitSha, response.commitSha);
  }
  if (response.size !== undefined && response.size !== size) {
    throw integrityError(options, 'size', `${size} bytes`, `${response.size} bytes`);
  }
  if (response.status === 206 && response.start !== requestedStart) {
    // Only a range starting exactly where our partial file ends can be appended to it.
    await rm(incompletePath, { force: true });
    throw new HubApiError({
      message: `${response.url} sent bytes from ${response.start} when asked for ${requestedStart}; starting over.`,
      url: response.url,
      status: 206,
      isRetryable: true,
      repoId,
    });
  }
}

function integrityError(
  { repoId, pathInRepo }: DownloadHubBlobOptions,
  check: HubIntegrityError['check'],
  expected: string,
  actual: string,
): HubIntegrityError {
  const what = {
    size: 'size',
    sha256: 'sha256',
    'git-sha1': 'git blob sha1',
    etag: 'etag',
    commit: 'commit',
  }[check];
  return new HubIntegrityError({
    message:
      `${pathInRepo} from dataset ${repoId} failed verification: expected ${what} ${expected}, got ${actual}. ` +
      'The partial download was discarded and nothing was added to the cache; run again to download it afresh.',
    repoId,
    pathInRepo,
    check,
    expected,
    actual,
  });
}

function createDigest(etag: string, size: number): { kind: 'sha256' | 'git-sha1'; hash: Hash } | undefined {
  if (/^[0-9a-f]{64}$/.test(etag)) return { kind: 'sha256', hash: createHash('sha256') };
  if (/^[0-9a-f]{40}$/.test(etag)) {
    // A git blob id is sha1("blob <size>\0" + content).
    const hash = createHash('sha1');
    hash.update(`blob ${size}\0`);
    return { kind: 'git-sha1', hash };
  }
  return undefined;
}

async function hashFilePrefix(path: string, length: number, hash: Hash): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 }))
    hash.update(chunk as Buffer);
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
