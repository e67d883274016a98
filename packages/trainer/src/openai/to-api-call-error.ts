import { ApiCallError, CancelledError, parseRetryAfter } from '@tonekit/core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * Turns what the openai SDK threw (after its own retries) into the errors tonekit callers handle:
 * `CancelledError` when our signal fired, otherwise `ApiCallError` with status, request id, the error
 * body and `Retry-After`. `what` names the call in the message (`creating the fine-tuning job`).
 */
export function toApiCallError(error: unknown, what: string, url: string, signal?: AbortSignal): Error {
  if (CancelledError.isInstance(error) || ApiCallError.isInstance(error)) return error;
  if (signal?.aborted) return CancelledError.fromSignal(signal);
  if (error instanceof APIUserAbortError) return new CancelledError({ cause: error });
  if (error instanceof APIConnectionTimeoutError)
    return new ApiCallError({ message: `OpenAI timed out ${what}.`, url, isRetryable: true, cause: error });
  if (error instanceof APIConnectionError)
    return new ApiCallError({
      message: `Could not reach ${url} ${what}: ${error.message}`,
      url,
      isRetryable: true,
      cause: error,
    });
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : undefined;
    return new ApiCallError({
      message: `OpenAI answered ${status ?? 'an error'} ${what}: ${error.message}`,
      url,
      status,
      requestId: error.requestID ?? undefined,
      responseBody: error.error == null ? undefined : JSON.stringify({ error: error.error }),
      retryAfterMs: error.headers === undefined ? undefined : parseRetryAfter(error.headers),
      cause: error,
    });
  }
  // A 200 whose body does not parse is most often a connection cut mid-body: worth another try.
  if (error instanceof SyntaxError)
    return new ApiCallError({
      message: `OpenAI sent a malformed response ${what}: ${error.message}`,
      url,
      isRetryable: true,
      cause: error,
    });
  return new ApiCallError({
    message: `Failed ${what}: ${error instanceof Error ? error.message : String(error)}`,
    url,
    isRetryable: false,
    cause: error,
  });
}
