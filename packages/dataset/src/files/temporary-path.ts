import { randomBytes } from 'node:crypto';

/**
 * A sibling of `path` to write into before renaming: same directory, so the final rename is atomic
 * (never across file systems), and a recognizable suffix, so leftovers of a crash are easy to spot.
 */
export function temporaryPath(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString('hex')}`;
}
