import * as path from 'node:path';

/** Where one dataset repository lives in a huggingface_hub cache folder. */
export interface HubCachePaths {
  /** `<cacheDir>/datasets--<owner>--<name>` */
  repoDir: string;
  /** Files named by their etag: the sha256 for LFS files, the git blob sha1 for others. */
  blobsDir: string;
  /** One folder per commit sha, holding relative symlinks into `blobs/` under the files' repository paths. */
  snapshotsDir: string;
  /** `refs/<revision>` holds the commit sha that revision pointed to when last resolved. */
  refsDir: string;
}

/**
 * The standard huggingface_hub layout, so Python (`huggingface_hub`, `datasets`) and tonekit share
 * downloads: `datasets--owner--name/{blobs,snapshots,refs}`.
 */
export function getHubCachePaths(cacheDir: string, repoId: string): HubCachePaths {
  const repoDir = path.join(cacheDir, `datasets--${repoId.split('/').join('--')}`);
  return {
    repoDir,
    blobsDir: path.join(repoDir, 'blobs'),
    snapshotsDir: path.join(repoDir, 'snapshots'),
    refsDir: path.join(repoDir, 'refs'),
  };
}
