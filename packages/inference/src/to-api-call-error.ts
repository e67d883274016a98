import { ApiCallError, CancelledError, parseRetryAfter } from '@tonekit/core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * Turns whatever the SDK threw into the error tonekit callers handle: `CancelledError` when our signal
 * fired, otherwise `ApiCallError` with the status, request id, response body and `Retry-After`.
 *
 * The SDK parses error bodies and keeps only the inner `error` object, so `responseBody` is that object
 * re-serialized as `{"error": ...}` (or the raw text when the body was not JSON).
 */
export function toApiCallError(error: unknown, url: string, abortSignal?: AbortSignal): Error {
  if (CancelledError.isInstance(error) || ApiCallError.isInstance(error)) return error;
  if (abortSignal?.aborted) return CancelledError.fromSignal(abortSignal);
  if (error instanceof APIUserAbortError) return new CancelledError({ cause: error });
  if (error instanceof APIConnectionTimeoutError) {
    return new ApiCallError({
      message: `Request to ${url} timed out.`,
      url,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ApiCallError({
      message: `Could not reach ${url}: ${error.message}`,
      url,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    const body =
      error.error === undefined || error.error === null ? undefined : JSON.stringify({ error: error.error });
    return new ApiCallError({
      message: `${url} answered: ${error.message}`,
      url,
      status,
      requestId: error.requestID ?? undefined,
      responseBody: body,
      retryAfterMs: error.headers === undefined ? undefined : parseRetryAfter(error.headers),
      cause: error,
    });
  }
  // A 200 whose body does not parse is most often a connection cut mid-body: worth another try.
  if (error instanceof SyntaxError) {
    return new ApiCallError({
      message: `${url} sent a malformed response: ${error.message}`,
      url,
      isRetryable: true,
      cause: error,
    });
  }
  return new ApiCallError({
    message: `Request to ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
    url,
    isRetryable: false,
    cause: error,
  });
}
