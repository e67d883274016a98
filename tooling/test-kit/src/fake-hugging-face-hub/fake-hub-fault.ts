/** The routes of the fake Hub, as named in its request log and in faults. */
export type FakeHubEndpoint = 'dataset-info' | 'tree' | 'resolve' | 'cdn';

/** Which requests a fault applies to, and how many times. */
export interface FakeHubFaultTarget {
  /** Only requests for this dataset. */
  repoId?: string;
  /** Only requests for this file (resolve and CDN downloads). */
  path?: string;
  /** How many matching requests get the fault; defaults to 1. `Infinity` keeps it until replaced. */
  times?: number;
}

/**
 * A misbehavior to inject. `status` answers an error instead of the route's response (`on` limits it to
 * one route; by default any route). The body faults apply to the responses that carry a file's bytes:
 * `resolve` for small files, `cdn` for LFS files.
 */
export type FakeHubFault = FakeHubFaultTarget &
  (
    | {
        kind: 'status';
        status: number;
        on?: FakeHubEndpoint;
        /** The `Retry-After` header, e.g. `'1'` (seconds) or an HTTP date. */
        retryAfter?: string;
        /** Sent as `X-Error-Code`. */
        errorCode?: string;
        /** Sent as `X-Error-Message` and in the JSON body. */
        message?: string;
      }
    | {
        /**
         * Sends the headers and `afterBytes` bytes of the body, waits `delayMs` (default 0), then destroys
         * the connection. Give a delay when a test needs the client to have read those bytes: a fetch body
         * stream that errors discards the chunks its reader has not taken yet.
         */
        kind: 'drop-mid-body';
        afterBytes: number;
        delayMs?: number;
      }
    | {
        /** Sends the body `chunkBytes` at a time (default 1024), waiting `delayMs` before each chunk after the first. */
        kind: 'slow-body';
        delayMs: number;
        chunkBytes?: number;
      }
    | {
        /** Flips the bits of the byte at `offset` in the file (default: its middle) in what is sent. */
        kind: 'corrupt-byte';
        offset?: number;
      }
  );
