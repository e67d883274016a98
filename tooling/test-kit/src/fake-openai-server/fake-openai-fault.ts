/** The routes of the fake OpenAI server, as named in its request log and in faults. */
export type FakeOpenAIEndpoint =
  | 'models'
  | 'chat-completions'
  /** `POST /v1/files` */
  | 'files-create'
  /** `GET /v1/files/{id}` */
  | 'files-retrieve'
  /** `POST /v1/fine_tuning/jobs` */
  | 'fine-tuning-jobs-create'
  /** `GET /v1/fine_tuning/jobs` */
  | 'fine-tuning-jobs-list'
  /** `GET /v1/fine_tuning/jobs/{id}` */
  | 'fine-tuning-jobs-retrieve'
  /** `POST /v1/fine_tuning/jobs/{id}/cancel` */
  | 'fine-tuning-jobs-cancel'
  /** `GET /v1/fine_tuning/jobs/{id}/events` */
  | 'fine-tuning-jobs-events'
  /** `GET /v1/fine_tuning/jobs/{id}/checkpoints` */
  | 'fine-tuning-jobs-checkpoints';

/** Which requests a fault applies to, and how many times. */
export interface FakeOpenAIFaultTarget {
  /** Only requests to this route; by default any route. */
  on?: FakeOpenAIEndpoint;
  /** How many matching requests get the fault; by default every one until the fault is replaced or cleared. */
  times?: number;
  /**
   * Only requests whose parsed JSON body satisfies this (undefined for GET requests and unparsable
   * bodies; for file uploads, `{purpose, file: {filename, bytes}}`), so a scripted test can fail the
   * calls about one document and no other.
   */
  when?: (body: unknown) => boolean;
}

/**
 * A misbehavior to inject. Several can be active at once (`setFault([...])`): every matching `latency`
 * fault delays the request, then the first matching fault of another kind decides the answer.
 */
export type FakeOpenAIFault = FakeOpenAIFaultTarget &
  (
    | {
        /** Answers this status with an OpenAI-style error body `{error: {message, type, param, code}}`. */
        kind: 'status';
        status: number;
        message?: string;
        /** Defaults by status: `requests` for 429, `server_error` for 5xx, else `invalid_request_error`. */
        type?: string;
        /** Defaults to `rate_limit_exceeded` for 429, else `null`. */
        code?: string | null;
        /** Sent as `Retry-After` (whole seconds, as OpenAI sends it). */
        retryAfterSeconds?: number;
        /** Sent as `retry-after-ms`, which openai-node prefers over `Retry-After`. */
        retryAfterMs?: number;
      }
    | {
        /**
         * Reads the request and never answers, until the client gives up, `close()` is called, or the
         * server's `hangTimeoutMs` safety limit destroys the connection.
         */
        kind: 'hang';
      }
    | {
        /** Answers 200 with a JSON content type and a body cut off mid-object (for streams: a broken `data:` line, then `[DONE]`). */
        kind: 'malformed-json';
      }
    | {
        /**
         * Streaming chat only: sends the first `afterChunks` chunks (default: half of them) and ends the
         * response cleanly, without the finish chunk, the usage chunk or `data: [DONE]`.
         */
        kind: 'truncated-stream';
        afterChunks?: number;
      }
    | {
        /** Destroys the connection without answering, so the client's fetch rejects. */
        kind: 'drop-connection';
      }
    | {
        /** Waits `ms` before handling the request; combines with the other faults. */
        kind: 'latency';
        ms: number;
      }
  );
