import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * This package's version, for manifests. Read from package.json at run time because both src/ and
 * dist/ sit one level below it, whereas a JSON import would fall outside the build's rootDir.
 */
export function packageVersion(): string {
  if (cached === undefined) {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cached = manifest.version;
  }
  return cached;
}

export const packageName = '@tonekit/dataset';
