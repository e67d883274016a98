/**
 * Progress of `downloadHubDataset`: plain JSON data, for a CLI progress bar or an API event stream.
 * `file` is always the path inside the repository.
 */
export type HubDownloadEvent =
  | {
      /** The revision is resolved and the shards are known (online), or were found in the cache (offline). */
      type: 'hub-listing';
      repoId: string;
      revision: string;
      commitSha: string;
      fileCount: number;
      totalBytes: number;
      offline: boolean;
    }
  | {
      /** The file was already complete in the cache; no request was made for it. */
      type: 'hub-cache-hit';
      repoId: string;
      file: string;
      localPath: string;
      size: number;
    }
  | {
      /** Bytes of the file on disk so far, resumed bytes included; sent at most every 100 ms per file and at the end. */
      type: 'hub-download-progress';
      repoId: string;
      file: string;
      bytes: number;
      totalBytes: number;
    }
  | {
      /** The file was downloaded, verified and linked into the snapshot. */
      type: 'hub-file-complete';
      repoId: string;
      file: string;
      localPath: string;
      size: number;
      /** Bytes kept from an earlier, interrupted attempt (0 when it downloaded from the start). */
      resumedFromBytes: number;
    }
  | {
      /** A request failed retryably; the next attempt starts after `delayMs`. */
      type: 'hub-retry';
      repoId: string;
      /** Absent for listing requests. */
      file?: string;
      attempt: number;
      delayMs: number;
      message: string;
    };
