import { ApiCallError, type ApiCallErrorOptions, hasErrorMarker, setErrorMarker } from '@tonekit/core';

const marker = Symbol.for('tonekit.error.HubApiError');

/**
 * What the Hub said went wrong, from its `X-Error-Code` header (`RepoNotFound`, `RevisionNotFound`,
 * `EntryNotFound`, `GatedRepo`), or `DisabledRepo` and `InvalidCredentials` read from `X-Error-Message`.
 */
export type HubErrorCode =
  | 'RepoNotFound'
  | 'RevisionNotFound'
  | 'EntryNotFound'
  | 'GatedRepo'
  | 'DisabledRepo'
  | 'InvalidCredentials'
  | (string & {});

export interface HubApiErrorOptions extends ApiCallErrorOptions {
  errorCode?: HubErrorCode;
  repoId?: string;
}

/** A Hugging Face Hub request failed. An `ApiCallError`, so generic retry and status checks apply. */
export class HubApiError extends ApiCallError {
  readonly errorCode: HubErrorCode | undefined;
  readonly repoId: string | undefined;

  constructor({ errorCode, repoId, ...options }: HubApiErrorOptions) {
    super(options);
    this.name = 'HubApiError';
    setErrorMarker(this, marker);
    this.errorCode = errorCode;
    this.repoId = repoId;
  }

  static override isInstance(value: unknown): value is HubApiError {
    return hasErrorMarker(value, marker);
  }
}
