import {
  CancelledError,
  InvalidArgumentError,
  type RetryInfo,
  type RetryWithBackoffOptions,
  retryWithBackoff,
  TonekitError,
} from '@tonekit/core';
import { HubApiError } from './hub-api-error.js';
import { type HubRequestContext, toHubApiError } from './to-hub-api-error.js';

/** How retries wait; see core's `retryWithBackoff` (tests inject `sleep` to skip the waits). */
export type HubRetryTuning = Pick<
  RetryWithBackoffOptions,
  'initialDelayMs' | 'maxDelayMs' | 'backoffFactor' | 'jitter' | 'maxRetryAfterMs' | 'random' | 'sleep'
>;

export interface HubClientSettings {
  /** Defaults to `https://huggingface.co`; a mirror or a loopback fake in tests. */
  endpoint?: string;
  /**
   * A Hugging Face access token, sent as `Authorization: Bearer` to the endpoint only (never to the CDN
   * that large files redirect to). Needed for gated and private datasets. The library never reads
   * `HF_TOKEN` itself: the app does and passes it here.
   */
  token?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Defaults to `tonekit-dataset; node/<version>`. */
  userAgent?: string;
  /** Retries after the first attempt on 408/429/5xx, dropped connections and stalls. Defaults to 3. */
  maxRetries?: number;
  retry?: HubRetryTuning;
  /**
   * A request fails (retryably) when no response headers, or no body bytes, arrive for this long.
   * Defaults to 30000; `Infinity` turns it off.
   */
  timeoutMs?: number;
}

/** `GET /api/datasets/{repoId}/revision/{revision}`, reduced to what loading needs. */
export interface HubDatasetInfo {
  repoId: string;
  /** The 40-hex commit the revision points to now. */
  commitSha: string;
  /** `auto` or `manual` for datasets whose files need accepted conditions and a token. */
  gated: false | 'auto' | 'manual';
  private: boolean;
  disabled: boolean;
  /** The repository's file paths (`siblings`), when the Hub listed them. */
  files: string[] | undefined;
}

/** One file of `GET /api/datasets/{repoId}/tree/{revision}/{path}`. */
export interface HubRepoFile {
  path: string;
  size: number;
  /** The git blob sha1. */
  oid: string;
  /** Present for files stored with git LFS (or Xet): the content's sha256 and size. */
  lfs: { sha256: string; size: number } | undefined;
  /** What the resolve endpoint reports as the file's etag and huggingface_hub names its blob by: the LFS sha256, else the git blob sha1. */
  etag: string;
}

/** An open download; read `chunks` to the end or call `cancel()`. */
export interface HubFileResponse {
  /** The URL that serves the bytes, after redirects (a CDN for LFS files). */
  url: string;
  /** 206 when the requested range was honored, 200 when the whole file comes. */
  status: 200 | 206;
  /** Offset in the file of the first byte of `chunks`. */
  start: number;
  /** The whole file's size, when a header said it. */
  size: number | undefined;
  /** `X-Linked-Etag` (LFS) or the Hub's `ETag`, without quotes and `W/`. */
  etag: string | undefined;
  /** `X-Repo-Commit`. */
  commitSha: string | undefined;
  /** The body; a stall or dropped connection rejects with a retryable `HubApiError`, an abort with `CancelledError`. */
  chunks: AsyncIterable<Uint8Array>;
  cancel(): Promise<void>;
}

export interface HubCallOptions {
  abortSignal?: AbortSignal;
  /** Told before each retry wait, for progress events and logs. */
  onRetry?: (info: RetryInfo) => void;
}

/** A small client for the Hub endpoints dataset loading needs. Create it with `createHubClient`. */
export interface HubClient {
  readonly endpoint: string;
  readonly hasToken: boolean;
  /** The retry policy of this client, for callers that retry whole operations built on `openDatasetFile`. */
  readonly retryOptions: Readonly<HubRetryTuning & { maxRetries: number }>;
  /** Resolves a revision to its commit sha and reads the dataset's flags. Retries. */
  getDatasetInfo(options: { repoId: string; revision?: string } & HubCallOptions): Promise<HubDatasetInfo>;
  /** Lists files (not folders) under `path`, following `Link: rel="next"` pages. Retries each page. */
  listDatasetFiles(
    options: { repoId: string; revision: string; path?: string; recursive?: boolean } & HubCallOptions,
  ): Promise<HubRepoFile[]>;
  /**
   * `GET /datasets/{repoId}/resolve/{revision}/{path}`, following redirects itself so that the Hub's
   * `X-Linked-Etag` / `X-Repo-Commit` headers are seen and the token stays on the Hub's origin. With
   * `start`, asks for `Range: bytes=<start>-`. Does not retry: the caller resumes from what it kept.
   */
  openDatasetFile(options: {
    repoId: string;
    revision: string;
    path: string;
    start?: number;
    abortSignal?: AbortSignal;
  }): Promise<HubFileResponse>;
  /** The resolve URL of a file. */
  getFileUrl(repoId: string, revision: string, path: string): string;
}

const defaultEndpoint = 'https://huggingface.co';
const maxRedirects = 10;
const maxPages = 100_000;

/** Creates a Hugging Face Hub client. */
export function createHubClient(settings: HubClientSettings = {}): HubClient {
  const {
    token,
    fetch: fetchImpl = globalThis.fetch,
    userAgent = `tonekit-dataset; node/${globalThis.process?.versions?.node ?? 'unknown'}`,
    maxRetries = 3,
    retry = {},
    timeoutMs = 30_000,
  } = settings;
  const endpoint = normalizeEndpoint(settings.endpoint ?? defaultEndpoint);
  const endpointOrigin = new URL(endpoint).origin;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new InvalidArgumentError({
      argument: 'maxRetries',
      value: maxRetries,
      message: 'expected a non-negative integer.',
    });
  }
  if (!(timeoutMs > 0)) {
    throw new InvalidArgumentError({
      argument: 'timeoutMs',
      value: timeoutMs,
      message: 'expected a positive number of milliseconds or Infinity.',
    });
  }
  if (token !== undefined && (typeof token !== 'string' || token.trim() === '')) {
    throw new InvalidArgumentError({
      argument: 'token',
      value: '<redacted>',
      message: 'expected a non-empty string or undefined.',
    });
  }
  if (typeof fetchImpl !== 'function') {
    throw new InvalidArgumentError({
      argument: 'fetch',
      value: fetchImpl,
      message: 'no fetch implementation: pass one.',
    });
  }
  const retryOptions = Object.freeze({ ...retry, maxRetries });
  const hasToken = token !== undefined;

  const headersFor = (url: string, extra: Record<string, string>): Record<string, string> => {
    const headers: Record<string, string> = { 'user-agent': userAgent, ...extra };
    // Large files redirect to a CDN on another origin; the token is for the Hub only.
    if (token !== undefined && new URL(url).origin === endpointOrigin)
      headers.authorization = `Bearer ${token}`;
    return headers;
  };

  const withRetries = <T>(
    fn: (abortSignal?: AbortSignal) => Promise<T>,
    { abortSignal, onRetry }: HubCallOptions,
  ) => retryWithBackoff((_attempt, signal) => fn(signal), { ...retryOptions, abortSignal, onRetry });

  const getJson = async (url: string, context: HubRequestContext, abortSignal?: AbortSignal) => {
    const watchdog = createWatchdog(timeoutMs, abortSignal);
    try {
      watchdog.arm();
      const response = await fetchImpl(url, {
        headers: headersFor(url, { accept: 'application/json' }),
        signal: watchdog.signal,
      }).catch((error: unknown) => {
        throw toTransportError(error, url, context.repoId, abortSignal, watchdog, timeoutMs);
      });
      if (!response.ok) throw await toHubApiError(response, { ...context, url });
      const text = await response.text().catch((error: unknown) => {
        throw toTransportError(error, url, context.repoId, abortSignal, watchdog, timeoutMs);
      });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new HubApiError({
          message: `The Hub answered ${url} with something that is not JSON (a proxy or captive portal?): ${text.slice(0, 200)}`,
          url,
          status: response.status,
          isRetryable: false,
          responseBody: text.slice(0, 16 * 1024),
          repoId: context.repoId,
          cause: error,
        });
      }
      return { json, headers: response.headers, url: response.url || url };
    } finally {
      watchdog.disarm();
    }
  };

  const getFileUrl = (repoId: string, revision: string, path: string) =>
    `${endpoint}/datasets/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;

  return {
    endpoint,
    hasToken,
    retryOptions,
    getFileUrl,

    async getDatasetInfo({ repoId, revision = 'main', ...callOptions }) {
      const url = `${endpoint}/api/datasets/${repoId}/revision/${encodeURIComponent(revision)}`;
      const context: HubRequestContext = { url, endpoint, repoId, revision, hasToken };
      const { json } = await withRetries((signal) => getJson(url, context, signal), callOptions);
      const info = json as Record<string, unknown> | null;
      if (
        typeof info !== 'object' ||
        info === null ||
        typeof info.sha !== 'string' ||
        !/^[0-9a-f]{40}$/.test(info.sha)
      ) {
        throw malformed(url, repoId, 'dataset info without a 40-hex "sha"');
      }
      const gated = info.gated === 'auto' || info.gated === 'manual' ? info.gated : false;
      const siblings = Array.isArray(info.siblings) ? info.siblings : undefined;
      return {
        repoId,
        commitSha: info.sha,
        gated,
        private: info.private === true,
        disabled: info.disabled === true,
        files: siblings
          ?.map((sibling) => (sibling as { rfilename?: unknown })?.rfilename)
          .filter((name): name is string => typeof name === 'string'),
      };
    },

    async listDatasetFiles({ repoId, revision, path, recursive = true, ...callOptions }) {
      const query = recursive ? '?recursive=true' : '';
      let url: string | undefined =
        `${endpoint}/api/datasets/${repoId}/tree/${encodeURIComponent(revision)}${path ? `/${encodePath(path)}` : ''}${query}`;
      const context: HubRequestContext = { url, endpoint, repoId, revision, path: path ?? '', hasToken };
      const files: HubRepoFile[] = [];
      const seen = new Set<string>();
      while (url !== undefined) {
        if (seen.has(url) || seen.size >= maxPages)
          throw malformed(url, repoId, 'a tree listing whose pages loop');
        seen.add(url);
        const pageUrl: string = url;
        const page = await withRetries(
          (signal) => getJson(pageUrl, { ...context, url: pageUrl }, signal),
          callOptions,
        );
        if (!Array.isArray(page.json))
          throw malformed(pageUrl, repoId, 'a tree listing that is not an array');
        for (const entry of page.json) {
          const file = readTreeEntry(entry);
          if (file === 'malformed')
            throw malformed(
              pageUrl,
              repoId,
              `a tree entry without path, size or oid: ${JSON.stringify(entry)}`,
            );
          if (file !== undefined) files.push(file);
        }
        url = readNextLink(page.headers.get('link'), page.url);
      }
      return files;
    },

    async openDatasetFile({ repoId, revision, path, start = 0, abortSignal }) {
      if (!(Number.isSafeInteger(start) && start >= 0)) {
        throw new InvalidArgumentError({
          argument: 'start',
          value: start,
          message: 'expected a non-negative integer.',
        });
      }
      const firstUrl = getFileUrl(repoId, revision, path);
      const context: HubRequestContext = { url: firstUrl, endpoint, repoId, revision, path, hasToken };
      const watchdog = createWatchdog(timeoutMs, abortSignal);
      let linkedEtag: string | undefined;
      let hubEtag: string | undefined;
      let commitSha: string | undefined;
      let linkedSize: number | undefined;
      let url = firstUrl;
      try {
        for (let hop = 0; ; hop++) {
          const fromHub = new URL(url).origin === endpointOrigin;
          // identity: a compressed body would break both Range offsets and the size check.
          const extra: Record<string, string> = { 'accept-encoding': 'identity' };
          if (start > 0) extra.range = `bytes=${start}-`;
          watchdog.arm();
          const response = await fetchImpl(url, {
            headers: headersFor(url, extra),
            redirect: 'manual',
            signal: watchdog.signal,
          }).catch((error: unknown) => {
            throw toTransportError(error, url, repoId, abortSignal, watchdog, timeoutMs);
          });
          if (fromHub) {
            linkedEtag ??= normalizeEtag(response.headers.get('x-linked-etag'));
            commitSha ??= response.headers.get('x-repo-commit') ?? undefined;
            linkedSize ??= readSize(response.headers.get('x-linked-size'));
            hubEtag = normalizeEtag(response.headers.get('etag'));
          }
          const location = response.headers.get('location');
          if (response.status >= 300 && response.status < 400 && location !== null) {
            await response.body?.cancel().catch(() => {});
            if (hop >= maxRedirects) throw malformed(url, repoId, `more than ${maxRedirects} redirects`);
            url = new URL(location, url).href;
            continue;
          }
          if (response.status !== 200 && response.status !== 206) {
            watchdog.disarm();
            throw await toHubApiError(response, { ...context, url });
          }
          const range =
            response.status === 206 ? readContentRange(response.headers.get('content-range')) : undefined;
          if (response.status === 206 && range === undefined) {
            await response.body?.cancel().catch(() => {});
            throw new HubApiError({
              message: `${url} answered 206 without a readable Content-Range header.`,
              url,
              status: 206,
              isRetryable: false,
              repoId,
            });
          }
          const contentLength = readSize(response.headers.get('content-length'));
          const body = response.body;
          // The caller may work a while before reading (hashing a resumed prefix): time only the reads.
          watchdog.disarm();
          return {
            url,
            status: response.status,
            start: range?.start ?? 0,
            size: range?.total ?? (response.status === 200 ? contentLength : undefined) ?? linkedSize,
            // On the Hub's own response (small files) ETag is the git blob sha1; a CDN's ETag is its own.
            etag: linkedEtag ?? (fromHub ? hubEtag : undefined),
            commitSha,
            chunks: readChunks(body, url, repoId, abortSignal, watchdog, timeoutMs),
            cancel: async () => {
              watchdog.disarm();
              await body?.cancel().catch(() => {});
            },
          };
        }
      } catch (error) {
        watchdog.disarm();
        throw error;
      }
    },
  };
}

interface Watchdog {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  arm(): void;
  disarm(): void;
}

/** Aborts the request when nothing arrives for `timeoutMs`; `arm` again on every sign of life. */
function createWatchdog(timeoutMs: number, abortSignal: AbortSignal | undefined): Watchdog {
  const controller = new AbortController();
  const signal = abortSignal ? AbortSignal.any([abortSignal, controller.signal]) : controller.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  return {
    signal,
    get timedOut() {
      return timedOut;
    },
    arm() {
      if (timer !== undefined) clearTimeout(timer);
      if (!Number.isFinite(timeoutMs)) return;
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error(`no data for ${timeoutMs} ms`));
      }, timeoutMs);
    },
    disarm() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

async function* readChunks(
  body: ReadableStream<Uint8Array> | null,
  url: string,
  repoId: string,
  abortSignal: AbortSignal | undefined,
  watchdog: Watchdog,
  timeoutMs: number,
): AsyncGenerator<Uint8Array> {
  if (body === null) {
    watchdog.disarm();
    return;
  }
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      watchdog.arm();
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await reader.read();
      } catch (error) {
        throw toTransportError(
          error,
          url,
          repoId,
          abortSignal,
          watchdog,
          timeoutMs,
          'while receiving the body',
        );
      } finally {
        // A slow consumer (a disk write) is not a stalled connection.
        watchdog.disarm();
      }
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    watchdog.disarm();
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function toTransportError(
  error: unknown,
  url: string,
  repoId: string,
  abortSignal: AbortSignal | undefined,
  watchdog: Watchdog,
  timeoutMs: number,
  phase = '',
): Error {
  if (abortSignal?.aborted) return CancelledError.fromSignal(abortSignal);
  if (watchdog.timedOut) {
    return new HubApiError({
      message: `No data from ${url} for ${timeoutMs} ms${phase ? ` ${phase}` : ''}; the connection stalled.`,
      url,
      isRetryable: true,
      repoId,
      cause: error,
    });
  }
  if (TonekitError.isInstance(error)) return error;
  return new HubApiError({
    message: `The connection to ${url} failed${phase ? ` ${phase}` : ''}: ${describe(error)}`,
    url,
    isRetryable: true,
    repoId,
    cause: error,
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function malformed(url: string, repoId: string, what: string): HubApiError {
  return new HubApiError({
    message: `Unexpected answer from the Hub at ${url}: ${what}.`,
    url,
    isRetryable: false,
    repoId,
  });
}

function readTreeEntry(entry: unknown): HubRepoFile | undefined | 'malformed' {
  if (typeof entry !== 'object' || entry === null) return 'malformed';
  const record = entry as Record<string, unknown>;
  if (record.type !== 'file') return record.type === 'directory' ? undefined : 'malformed';
  const { path, size, oid, lfs } = record;
  if (typeof path !== 'string' || typeof oid !== 'string' || typeof size !== 'number') return 'malformed';
  let lfsInfo: HubRepoFile['lfs'];
  if (typeof lfs === 'object' && lfs !== null) {
    const { oid: sha256, size: lfsSize } = lfs as Record<string, unknown>;
    if (typeof sha256 !== 'string' || typeof lfsSize !== 'number') return 'malformed';
    lfsInfo = { sha256, size: lfsSize };
  }
  return { path, size: lfsInfo?.size ?? size, oid, lfs: lfsInfo, etag: lfsInfo?.sha256 ?? oid };
}

/** The `rel="next"` target of a Link header (RFC 8288), resolved against the page's URL. */
export function readNextLink(header: string | null, baseUrl: string): string | undefined {
  if (!header) return undefined;
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]!);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) return new URL(match[1]!, baseUrl).href;
  }
  return undefined;
}

function normalizeEtag(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  return value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function readSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

function readContentRange(
  value: string | null,
): { start: number; end: number; total: number | undefined } | undefined {
  const match = value === null ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (!match) return undefined;
  return {
    start: Number(match[1]),
    end: Number(match[2]),
    total: match[3] === '*' ? undefined : Number(match[3]),
  };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'endpoint',
      value: endpoint,
      message: 'expected an http(s) URL such as https://huggingface.co.',
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError({
      argument: 'endpoint',
      value: endpoint,
      message: 'expected an http(s) URL such as https://huggingface.co.',
    });
  }
  return endpoint.replace(/\/+$/, '');
}
