import { readFileSync } from 'node:fs';

/**
 * Reads the version from apps/cli/package.json at run time rather than importing it, so the build
 * output does not embed a stale copy and `rootDir: src` holds; `../package.json` is the same file
 * from both `src/` (tests) and `dist/` (the installed binary).
 */
export function readPackageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}
