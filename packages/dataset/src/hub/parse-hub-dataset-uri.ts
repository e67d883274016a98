import { InvalidArgumentError } from '@tonekit/core';

/** Where a dataset lives on the Hub, and optionally which part of it. */
export interface HubDatasetLocation {
  /** `owner/name`, e.g. `ChristophSchuhmann/wikipedia-en-chunks`. */
  repoId: string;
  /** Branch, tag or 40-hex commit sha; `main` when the URI names none. */
  revision: string;
  /**
   * A file, a folder or a glob (`data/train-*.parquet`, `**\/*.jsonl`) inside the repository; absent
   * for the whole repository.
   */
  pathInRepo?: string;
}

const example = 'hf://datasets/ChristophSchuhmann/wikipedia-en-chunks';
// The owner and name are separated from the revision by `@` and from the path by `/`. Revisions with
// slashes are written URL-encoded (`@refs%2Fconvert%2Fparquet`), as huggingface_hub's HfFileSystem
// writes them; the two special ref families it accepts unencoded are accepted too.
const uriPattern =
  /^hf:\/\/datasets\/([^/@]*)\/([^/@]*)(?:@(refs\/(?:convert|pr)\/[^/]+|[^/]*))?(?:\/(.*))?$/s;
const repoPartPattern = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const maxRepoIdLength = 96;

/**
 * Reads `hf://datasets/<owner>/<name>[@<revision>][/<path-or-glob>]`.
 *
 * @throws InvalidArgumentError (argument `uri`) naming what is wrong: another scheme or repository type,
 * a missing owner, characters the Hub does not allow in ids, an unreadable revision, `..` in the path.
 */
export function parseHubDatasetUri(uri: string): HubDatasetLocation {
  const fail = (message: string): never => {
    throw new InvalidArgumentError({ argument: 'uri', value: uri, message });
  };
  if (typeof uri !== 'string') fail(`expected a string like "${example}", got ${typeof uri}.`);
  if (!uri.startsWith('hf://')) {
    fail(`expected a Hugging Face Hub dataset URI like "${example}", got "${uri}".`);
  }
  const kind = /^hf:\/\/(models|spaces|buckets)\//.exec(uri)?.[1];
  if (kind !== undefined) {
    fail(
      `only dataset repositories can be loaded ("hf://datasets/<owner>/<name>"), got a ${kind} URI "${uri}".`,
    );
  }
  if (!uri.startsWith('hf://datasets/')) {
    fail(
      `"${uri}" names no repository type; Hub URIs without one are model repositories. ` +
        `Write "hf://datasets/<owner>/<name>", e.g. "${example}".`,
    );
  }
  const match = uriPattern.exec(uri);
  if (match === null) {
    fail(
      `expected "hf://datasets/<owner>/<name>" with both an owner and a name (e.g. "${example}"), got "${uri}". ` +
        'Datasets without an owner were moved under one: use the id shown on the dataset page.',
    );
  }
  const [, owner = '', name = '', rawRevision, rawPath] = match!;
  const repoId = `${owner}/${name}`;
  checkRepoId(repoId, fail);

  let revision = 'main';
  if (rawRevision !== undefined) {
    if (rawRevision === '') fail(`"@" must be followed by a branch, tag or commit sha in "${uri}".`);
    try {
      revision = decodeURIComponent(rawRevision);
    } catch {
      fail(`the revision "${rawRevision}" is not valid URL encoding in "${uri}".`);
    }
    checkRevision(revision, fail);
  }

  const pathInRepo = rawPath?.replace(/\/+$/, '');
  if (pathInRepo !== undefined && pathInRepo !== '') {
    checkPathInRepo(pathInRepo, fail);
    return { repoId, revision, pathInRepo };
  }
  return { repoId, revision };
}

/** Throws unless `repoId` follows the Hub's rules (those of huggingface_hub's `validate_repo_id`). */
export function checkRepoId(repoId: string, fail: (message: string) => never): void {
  const parts = repoId.split('/');
  if (parts.length !== 2) fail(`a dataset id is "<owner>/<name>", got "${repoId}".`);
  for (const part of parts) {
    if (part === '') fail(`a dataset id is "<owner>/<name>" with neither part empty, got "${repoId}".`);
    if (!repoPartPattern.test(part)) {
      fail(
        `"${part}" in "${repoId}" may contain only letters, digits, "-", "_" and ".", and may not start or end with "-" or ".".`,
      );
    }
    if (part.includes('--') || part.includes('..')) fail(`"--" and ".." are not allowed in "${repoId}".`);
  }
  if (repoId.endsWith('.git')) fail(`a dataset id cannot end with ".git", got "${repoId}".`);
  if (repoId.length > maxRepoIdLength) {
    fail(`a dataset id has at most ${maxRepoIdLength} characters, got ${repoId.length} in "${repoId}".`);
  }
}

/** Throws unless `revision` is a plausible git ref that is also safe as a path under the cache's refs/. */
export function checkRevision(revision: string, fail: (message: string) => never): void {
  // The revision becomes a file path (`refs/<revision>`) in the cache, so it must not escape that folder.
  if (/[\u0000-\u001f\u007f\\]/.test(revision) || revision.startsWith('/') || revision.endsWith('/')) {
    fail(`"${revision}" is not a valid revision (branch, tag or commit sha).`);
  }
  if (revision.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    fail(`"${revision}" is not a valid revision: empty, "." and ".." path segments are not allowed.`);
  }
}

/** Throws when a path inside a repository could escape its folder once joined to a local directory. */
export function checkPathInRepo(pathInRepo: string, fail: (message: string) => never): void {
  if (pathInRepo.startsWith('/') || pathInRepo.includes('\\') || /[\u0000-\u001f]/.test(pathInRepo)) {
    fail(`"${pathInRepo}" is not a valid path inside a repository.`);
  }
  if (pathInRepo.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    fail(
      `"${pathInRepo}" is not a valid path inside a repository: empty, "." and ".." segments are not allowed.`,
    );
  }
}

const commitShaPattern = /^[0-9a-f]{40}$/;

/** Whether a revision is a full commit sha (which huggingface_hub never records under refs/). */
export function isCommitSha(revision: string): boolean {
  return commitShaPattern.test(revision);
}
