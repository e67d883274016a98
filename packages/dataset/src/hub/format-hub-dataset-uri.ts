import type { HubDatasetLocation } from './parse-hub-dataset-uri.js';

/** Writes a location back as `hf://datasets/<owner>/<name>[@<revision>][/<path>]`, the inverse of parsing. */
export function formatHubDatasetUri({ repoId, revision, pathInRepo }: HubDatasetLocation): string {
  const at =
    revision === 'main'
      ? ''
      : `@${/^refs\/(?:convert|pr)\/[^/]+$/.test(revision) ? revision : encodeURIComponent(revision)}`;
  return `hf://datasets/${repoId}${at}${pathInRepo ? `/${pathInRepo}` : ''}`;
}
