import { hasErrorMarker, setErrorMarker, TonekitError } from '@tonekit/core';

const marker = Symbol.for('tonekit.error.HubCacheMissError');

export interface HubCacheMissErrorOptions {
  message: string;
  repoId: string;
  revision: string;
  cacheDir: string;
  /** Cache entries that were looked for and not found, relative to the repository's cache folder. */
  missing: string[];
  cause?: unknown;
}

/** Offline mode needed something from the Hugging Face cache that is not there. */
export class HubCacheMissError extends TonekitError {
  readonly repoId: string;
  readonly revision: string;
  readonly cacheDir: string;
  readonly missing: readonly string[];

  constructor({ message, repoId, revision, cacheDir, missing, cause }: HubCacheMissErrorOptions) {
    super({ message, cause });
    this.name = 'HubCacheMissError';
    setErrorMarker(this, marker);
    this.repoId = repoId;
    this.revision = revision;
    this.cacheDir = cacheDir;
    this.missing = [...missing];
  }

  static override isInstance(value: unknown): value is HubCacheMissError {
    return hasErrorMarker(value, marker);
  }
}
