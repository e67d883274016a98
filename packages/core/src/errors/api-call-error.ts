import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.ApiCallError');

export interface ApiCallErrorOptions {
  message: string;
  url: string;
  /** HTTP status; absent when no response arrived (connection reset, DNS failure, timeout). */
  status?: number;
  /**
   * Whether trying again may succeed. Defaults to true for 408, 409, 429 and 5xx, false otherwise,
   * including when there is no status: adapters that know a failure was a dropped connection pass true.
   */
  isRetryable?: boolean;
  requestId?: string;
  /** The response body as text, kept for diagnosis. */
  responseBody?: string;
  /** How long the server asked us to wait (`Retry-After`, `retry-after-ms`); see `parseRetryAfter`. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** A call to a remote API (an LLM provider, a fine-tuning service) failed. */
export class ApiCallError extends TonekitError {
  readonly url: string;
  readonly status: number | undefined;
  readonly isRetryable: boolean;
  readonly requestId: string | undefined;
  readonly responseBody: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor({
    message,
    url,
    status,
    isRetryable = status != null && (status === 408 || status === 409 || status === 429 || status >= 500),
    requestId,
    responseBody,
    retryAfterMs,
    cause,
  }: ApiCallErrorOptions) {
    super({ message, cause });
    this.name = 'ApiCallError';
    setErrorMarker(this, marker);
    this.url = url;
    this.status = status;
    this.isRetryable = isRetryable;
    this.requestId = requestId;
    this.responseBody = responseBody;
    this.retryAfterMs = retryAfterMs;
  }

  static override isInstance(value: unknown): value is ApiCallError {
    return hasErrorMarker(value, marker);
  }
}
