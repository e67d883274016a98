import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { getHubCachePaths } from './get-hub-cache-paths.js';
import { HubCacheMissError } from './hub-cache-miss-error.js';
import { type HubDatasetLocation, isCommitSha } from './parse-hub-dataset-uri.js';
import type { HubFileSelector } from './select-hub-files.js';

export interface CachedHubFile {
  pathInRepo: string;
  localPath: string;
  size: number;
}

/**
 * Offline resolution, with no network at all: `refs/<revision>` gives the commit (a sha revision is
 * used as it is), and the files of `snapshots/<sha>/` that match the selection are the dataset.
 * Whatever is missing is reported as a `HubCacheMissError` saying how to fill the cache.
 */
export async function readHubCache(
  { repoId, revision }: HubDatasetLocation,
  cacheDir: string,
  selector: HubFileSelector,
): Promise<{ commitSha: string; snapshotDir: string; files: CachedHubFile[] }> {
  const paths = getHubCachePaths(cacheDir, repoId);
  const miss = (what: string, missing: string[], cause?: unknown) =>
    new HubCacheMissError({
      message:
        `Offline mode: ${what} for dataset ${repoId}@${revision} in the Hugging Face cache at ${cacheDir}. ` +
        'Offline mode reads only the cache. Download the dataset once online (the same call without `offline`, ' +
        `or with huggingface_hub: \`hf download ${repoId} --repo-type dataset --revision ${revision} --cache-dir ${cacheDir}\`), ` +
        'or use local Parquet/JSONL files as the source instead of an hf:// URI.',
      repoId,
      revision,
      cacheDir,
      missing,
      cause,
    });

  let commitSha = revision;
  if (!isCommitSha(revision)) {
    const refPath = path.join(paths.refsDir, ...revision.split('/'));
    try {
      commitSha = (await readFile(refPath, 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw miss(
        `there is no record of revision "${revision}" (refs/${revision})`,
        [`refs/${revision}`],
        error,
      );
    }
    if (!isCommitSha(commitSha)) {
      throw miss(`refs/${revision} does not hold a commit sha`, [`refs/${revision}`]);
    }
  }

  const snapshotDir = path.join(paths.snapshotsDir, commitSha);
  const relativePaths = await listSnapshot(snapshotDir);
  if (relativePaths === undefined) {
    throw miss(`there is no snapshot of commit ${commitSha}`, [`snapshots/${commitSha}`]);
  }
  const selected = relativePaths.filter((relativePath) => selector.matches(relativePath)).sort();
  if (selected.length === 0) {
    throw miss(
      `the snapshot of commit ${commitSha} has no files matching ${selector.description || 'the selection'}`,
      [`snapshots/${commitSha}`],
    );
  }
  const files: CachedHubFile[] = [];
  const missingBlobs: string[] = [];
  for (const pathInRepo of selected) {
    const localPath = path.join(snapshotDir, ...pathInRepo.split('/'));
    try {
      const info = await stat(localPath);
      if (info.isFile()) files.push({ pathInRepo, localPath, size: info.size });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missingBlobs.push(`snapshots/${commitSha}/${pathInRepo}`);
    }
  }
  if (missingBlobs.length > 0) {
    throw miss(
      `${missingBlobs.length} file(s) point to blobs that are gone (${missingBlobs.slice(0, 3).join(', ')}${missingBlobs.length > 3 ? ', ...' : ''})`,
      missingBlobs,
    );
  }
  return { commitSha, snapshotDir, files };
}

/** Paths of the files and symlinks under a snapshot, relative and `/`-separated; undefined when it does not exist. */
async function listSnapshot(snapshotDir: string): Promise<string[] | undefined> {
  const found: string[] = [];
  const walk = async (directory: string, prefix: string): Promise<boolean> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
    for (const entry of entries) {
      // Our own half-made links (`.<name>.<random>.tmp`) are not files of the dataset.
      if (/^\..+\.[0-9a-f]{12}\.tmp$/.test(entry.name)) continue;
      const relative = `${prefix}${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(directory, entry.name), `${relative}/`);
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(relative);
    }
    return true;
  };
  return (await walk(snapshotDir, '')) ? found : undefined;
}
