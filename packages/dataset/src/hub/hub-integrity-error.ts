import { hasErrorMarker, setErrorMarker, TonekitError } from '@tonekit/core';

const marker = Symbol.for('tonekit.error.HubIntegrityError');

/** Which check failed: the byte count, the content hash, or the Hub's own description of the file. */
export type HubIntegrityCheck = 'size' | 'sha256' | 'git-sha1' | 'etag' | 'commit';

export interface HubIntegrityErrorOptions {
  message: string;
  repoId: string;
  pathInRepo: string;
  check: HubIntegrityCheck;
  expected: string;
  actual: string;
  cause?: unknown;
}

/**
 * A downloaded file is not what the Hub's listing promised (wrong size or hash). The partial download is
 * deleted and nothing is promoted into the cache; running again downloads the file from scratch.
 */
export class HubIntegrityError extends TonekitError {
  readonly repoId: string;
  readonly pathInRepo: string;
  readonly check: HubIntegrityCheck;
  readonly expected: string;
  readonly actual: string;

  constructor({ message, repoId, pathInRepo, check, expected, actual, cause }: HubIntegrityErrorOptions) {
    super({ message, cause });
    this.name = 'HubIntegrityError';
    setErrorMarker(this, marker);
    this.repoId = repoId;
    this.pathInRepo = pathInRepo;
    this.check = check;
    this.expected = expected;
    this.actual = actual;
  }

  static override isInstance(value: unknown): value is HubIntegrityError {
    return hasErrorMarker(value, marker);
  }
}
