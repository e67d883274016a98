import { readFile } from 'node:fs/promises';

/**
 * `{[name]: version}` from a package's own package.json, for the `packages` field of run manifests.
 * Each package passes the URL of its package.json relative to the calling module
 * (`new URL('../package.json', import.meta.url)`), which resolves the same from src/ and dist/ because
 * both sit at the same depth. An unreadable file gives `{}`: a manifest without versions beats a failed run.
 */
export async function readPackageIdentity(packageJsonUrl: URL): Promise<Record<string, string>> {
  try {
    const { name, version } = JSON.parse(await readFile(packageJsonUrl, 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return typeof name === 'string' && typeof version === 'string' ? { [name]: version } : {};
  } catch {
    return {};
  }
}
