import { createHash } from 'node:crypto';

/** A dataset repository served by the fake Hub. */
export interface FakeHuggingFaceHubDataset {
  /** The commit every ref points to. Defaults to a sha1 of the files, so it changes when they do. */
  sha?: string;
  /** Branch and tag names that resolve to `sha`. Defaults to `['main']`. */
  refs?: readonly string[];
  /** Repository files by path (`data/train-00000-of-00001.parquet`). Strings are UTF-8. */
  files: Record<string, string | Uint8Array>;
  /**
   * Whether downloads need a token: `true` accepts any token, `{ tokens }` only those listed (others get
   * 403). Listing and info stay public, as on the Hub.
   */
  gated?: boolean | { tokens: readonly string[] };
  /** Which files are stored with git LFS (served through a redirect to the fake CDN). Defaults to `.parquet`, `.arrow` and anything over 10 MB. */
  lfs?: (path: string, size: number) => boolean;
}

/** A file as the fake Hub describes it, with the ids the real Hub would give it. */
export interface FakeHubFile {
  path: string;
  content: Buffer;
  size: number;
  /** The git blob sha1, `sha1("blob <size>\0" + content)`. */
  oid: string;
  sha256: string;
  lfs: boolean;
  /** What the resolve endpoint reports and huggingface_hub names the blob by: `sha256` for LFS files, else `oid`. */
  etag: string;
}

export interface FakeHubRepository {
  repoId: string;
  sha: string;
  refs: readonly string[];
  /** Sorted by path. */
  files: FakeHubFile[];
  gated: false | { tokens: readonly string[] | undefined };
}

const defaultLfs = (path: string, size: number) =>
  /\.(parquet|arrow)$/i.test(path) || size > 10 * 1024 * 1024;

export function buildFakeHubDataset(repoId: string, dataset: FakeHuggingFaceHubDataset): FakeHubRepository {
  const isLfs = dataset.lfs ?? defaultLfs;
  const files = Object.entries(dataset.files)
    .map(([path, value]): FakeHubFile => {
      const content = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      const oid = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
      const sha256 = createHash('sha256').update(content).digest('hex');
      const lfs = isLfs(path, content.length);
      return { path, content, size: content.length, oid, sha256, lfs, etag: lfs ? sha256 : oid };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sha =
    dataset.sha ??
    createHash('sha1')
      .update(JSON.stringify([repoId, files.map((file) => [file.path, file.oid])]))
      .digest('hex');
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw new Error(`Fake Hub dataset ${repoId}: sha must be 40 hex digits, got "${sha}".`);
  const gated =
    dataset.gated === undefined || dataset.gated === false
      ? false
      : { tokens: dataset.gated === true ? undefined : dataset.gated.tokens };
  return { repoId, sha, refs: dataset.refs ?? ['main'], files, gated };
}
