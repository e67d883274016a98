import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { asyncDispose } from '@tonekit/core';
import { closeServer, listenOnLoopback } from '../loopback-server.js';
import {
  completeChat,
  echoLastUserMessage,
  type FakeOpenAIChatHandler,
  type FakeOpenAIChatReply,
  type FakeOpenAIChatRequest,
  validateChatRequest,
} from './fake-openai-chat.js';
import type { FakeOpenAIEndpoint, FakeOpenAIFault } from './fake-openai-fault.js';
import {
  createFakeOpenAIFineTuningStore,
  type FakeOpenAIFile,
  type FakeOpenAIFineTuningJob,
  type FakeOpenAIFineTuningReply,
  type FakeOpenAIFineTuningSettings,
  type FakeOpenAIFineTuningStore,
} from './fake-openai-fine-tuning.js';
import { parseMultipartForm } from './parse-multipart-form.js';

export interface FakeOpenAIServerSettings {
  /** Answers chat completions; defaults to echoing the last user message. */
  chat?: FakeOpenAIChatHandler;
  /**
   * Model ids listed by `GET /v1/models`. Defaults to `['fake-chat-model']`; when given, chat requests
   * for another model get OpenAI's 404 `model_not_found`.
   */
  models?: readonly string[];
  /** Faults active from the start; see `setFault`. */
  faults?: FakeOpenAIFault | readonly FakeOpenAIFault[];
  /** Waits this long before handling every request. */
  latencyMs?: number;
  /** Requests served before every further one gets 503, so a runaway client cannot spin forever. Defaults to 10000. */
  maxRequests?: number;
  /** When set, requests whose `Authorization: Bearer` token differs get 401 `invalid_api_key`. */
  apiKey?: string;
  /** `false` answers `response_format: {type: 'json_schema'}` with 400, as endpoints without structured outputs do. Defaults to `true`. */
  supportsJsonSchema?: boolean;
  /** How long a `hang` fault holds a connection before destroying it, so a test that forgets a timeout still ends. Defaults to 30000. */
  hangTimeoutMs?: number;
  /** How fine-tuning jobs progress; see `FakeOpenAIFineTuningSettings`. */
  fineTuning?: FakeOpenAIFineTuningSettings;
}

/** One request as the fake saw it. */
export interface FakeOpenAIRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/chat/completions`. */
  path: string;
  endpoint: FakeOpenAIEndpoint | 'unknown';
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /**
   * The parsed JSON body; the raw text when it does not parse; `undefined` when empty. File uploads
   * (multipart) are summarized as `{purpose, file: {filename, bytes}}`; their bytes are in `files`.
   */
  body: unknown;
  /** Set once the response head is sent; absent for hung and dropped requests. */
  status?: number;
  /** The injected fault that decided the answer, if one did (`latency` is not recorded). */
  fault?: Exclude<FakeOpenAIFault['kind'], 'latency'>;
}

export interface FakeOpenAIServer {
  /** The API base URL, `http://127.0.0.1:<port>/v1`: pass it as the client's `baseURL`. */
  readonly url: string;
  /** Every request, oldest first. */
  readonly requests: FakeOpenAIRequest[];
  /** Replaces the active faults (`null` clears them). */
  setFault(fault: FakeOpenAIFault | readonly FakeOpenAIFault[] | null): void;
  /** Replaces the chat handler (`undefined` restores the echo). Call indexes keep counting. */
  setChatHandler(handler: FakeOpenAIChatHandler | undefined): void;
  /** Files uploaded with `POST /v1/files` (and results files of finished jobs), oldest first, with their bytes. */
  readonly files: readonly FakeOpenAIFile[];
  /** Fine-tuning jobs, oldest first, with their events and checkpoints. */
  readonly fineTuningJobs: readonly FakeOpenAIFineTuningJob[];
  /** Replaces the fine-tuning settings; jobs already created keep theirs. */
  setFineTuning(settings: FakeOpenAIFineTuningSettings | undefined): void;
  /** Stops the server, destroying open connections so hung requests end. */
  close(): Promise<void>;
  [asyncDispose](): Promise<void>;
}

interface ActiveFault {
  fault: FakeOpenAIFault;
  remaining: number;
}

interface ErrorBody {
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

const maxBodyBytes = 16 * 1024 * 1024;

/**
 * Starts a loopback fake of the OpenAI API on 127.0.0.1 with an ephemeral port:
 *
 * - `GET /v1/models`, `GET /v1/models/{id}`.
 * - `POST /v1/chat/completions`: answers from the `chat` handler in OpenAI's shape, honoring `stop`,
 *   `max_tokens` / `max_completion_tokens` (word truncation, `finish_reason: 'length'`), `n` (1 only),
 *   `response_format` (the handler's reply is passed through as-is), and `stream` (SSE chunks, one per
 *   word, the usage chunk with `stream_options.include_usage`, then `data: [DONE]`). Tokens are
 *   whitespace-separated words.
 * - Files and supervised fine-tuning: `POST /v1/files` (multipart, as the SDK uploads), `GET /v1/files/{id}`,
 *   `POST /v1/fine_tuning/jobs`, `GET /v1/fine_tuning/jobs` (with `metadata[k]=v` filters),
 *   `GET /v1/fine_tuning/jobs/{id}`, `POST /v1/fine_tuning/jobs/{id}/cancel`,
 *   `GET /v1/fine_tuning/jobs/{id}/events` and `/checkpoints` (newest first, `after` / `limit` cursors).
 *   Jobs progress deterministically, one tick per retrieval (see `FakeOpenAIFineTuningSettings`).
 * - Errors in OpenAI's shape, `{error: {message, type, param, code}}`, with an `x-request-id` on every answer.
 *
 * Faults (`setFault`) inject error statuses with `Retry-After` / `retry-after-ms`, hangs, malformed JSON,
 * truncated streams, dropped connections and latency.
 */
export async function startFakeOpenAIServer(
  settings: FakeOpenAIServerSettings = {},
): Promise<FakeOpenAIServer> {
  const {
    latencyMs = 0,
    maxRequests = 10_000,
    apiKey,
    supportsJsonSchema = true,
    hangTimeoutMs = 30_000,
  } = settings;
  const models = settings.models ?? ['fake-chat-model'];
  const restrictModels = settings.models !== undefined;
  let chatHandler = settings.chat ?? echoLastUserMessage;
  let chatCalls = 0;
  const fineTuning = createFakeOpenAIFineTuningStore(settings.fineTuning);
  let faults: ActiveFault[] = [];
  const setFault = (fault: FakeOpenAIFault | readonly FakeOpenAIFault[] | null) => {
    const list =
      fault === null
        ? []
        : Array.isArray(fault)
          ? (fault as readonly FakeOpenAIFault[])
          : [fault as FakeOpenAIFault];
    faults = list.map((entry) => ({ fault: entry, remaining: entry.times ?? Number.POSITIVE_INFINITY }));
  };
  setFault(settings.faults ?? null);

  const requests: FakeOpenAIRequest[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let responseCount = 0;
  let closing = false;

  const schedule = (ms: number, callback: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal.aborted) {
        resolve();
        return;
      }
      const timer = schedule(ms, resolve);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        },
        { once: true },
      );
    });

  const takeFaults = (endpoint: FakeOpenAIEndpoint | 'unknown', streaming: boolean, body: unknown) => {
    let delayMs = 0;
    let decisive: FakeOpenAIFault | undefined;
    for (const active of faults) {
      const { fault } = active;
      if (active.remaining <= 0) continue;
      if (fault.on !== undefined && fault.on !== endpoint) continue;
      if (fault.when !== undefined && !fault.when(body)) continue;
      if (fault.kind === 'latency') {
        active.remaining--;
        delayMs += fault.ms;
        continue;
      }
      if (decisive !== undefined) continue;
      if (fault.kind === 'truncated-stream' && !(endpoint === 'chat-completions' && streaming)) continue;
      active.remaining--;
      decisive = fault;
    }
    return { delayMs, fault: decisive };
  };

  const handleRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const url = new URL(path, 'http://fake');
    const pathname = url.pathname.replace(/\/+$/, '');
    const { endpoint, id: resourceId } = routeOf(method, pathname);
    const log: FakeOpenAIRequest = { method, path, endpoint, headers, body: undefined };
    const requestId = `req_fake_${responseCount++}`;
    const head = (status: number, responseHeaders: OutgoingHttpHeaders = {}) => {
      log.status = status;
      response.writeHead(status, { ...responseHeaders, 'x-request-id': requestId });
    };
    const sendJson = (status: number, value: unknown, extra: OutgoingHttpHeaders = {}) => {
      const body = JSON.stringify(value);
      head(status, {
        ...extra,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      response.end(body);
    };
    const sendError = (status: number, error: ErrorBody, extra: OutgoingHttpHeaders = {}) =>
      sendJson(
        status,
        {
          error: {
            message: error.message,
            type: error.type ?? defaultErrorType(status),
            param: error.param ?? null,
            code: error.code ?? null,
          },
        },
        extra,
      );

    if (requests.length >= maxRequests) {
      request.resume();
      sendError(503, { message: `Fake OpenAI server request limit (${maxRequests}) reached.` });
      return;
    }
    requests.push(log);
    const controller = new AbortController();
    response.on('close', () => controller.abort());
    const { signal } = controller;

    const bodyBytes = await readBody(request);
    if (bodyBytes === undefined) {
      sendError(413, { message: `Request body over ${maxBodyBytes} bytes.` });
      return;
    }
    const bodyText = bodyBytes.toString('utf8');
    const contentType = headers['content-type'] ?? '';
    let parsed: unknown;
    let parseFailed = false;
    if (/^multipart\/form-data/i.test(contentType)) {
      // Uploads are logged (and matched by faults' `when`) by their fields, not their bytes.
      const parts = parseMultipartForm(bodyBytes, contentType);
      const file = parts?.find((part) => part.name === 'file');
      parsed = {
        purpose: parts?.find((part) => part.name === 'purpose')?.data.toString('utf8'),
        file: file === undefined ? undefined : { filename: file.filename, bytes: file.data.length },
      };
    } else if (bodyText !== '') {
      try {
        parsed = JSON.parse(bodyText);
      } catch {
        parseFailed = true;
      }
    }
    log.body = parseFailed ? bodyText : parsed;
    const streaming =
      typeof parsed === 'object' && parsed !== null && (parsed as { stream?: unknown }).stream === true;

    const { delayMs, fault } = takeFaults(endpoint, streaming, parsed);
    await wait(latencyMs + delayMs, signal);
    if (response.destroyed || closing) return;

    if (apiKey !== undefined) {
      const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
      if (token !== apiKey) {
        sendError(401, {
          message:
            token === undefined
              ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
              : `Incorrect API key provided: ${redact(token)}.`,
          type: 'invalid_request_error',
          code: token === undefined ? null : 'invalid_api_key',
        });
        return;
      }
    }

    if (fault !== undefined && fault.kind !== 'latency' && fault.kind !== 'truncated-stream') {
      log.fault = fault.kind;
      switch (fault.kind) {
        case 'status': {
          const extra: OutgoingHttpHeaders = {};
          if (fault.retryAfterSeconds !== undefined) extra['retry-after'] = String(fault.retryAfterSeconds);
          if (fault.retryAfterMs !== undefined) extra['retry-after-ms'] = String(fault.retryAfterMs);
          sendError(
            fault.status,
            {
              message: fault.message ?? `Injected fault: HTTP ${fault.status}.`,
              ...(fault.type === undefined ? {} : { type: fault.type }),
              code:
                fault.code !== undefined ? fault.code : fault.status === 429 ? 'rate_limit_exceeded' : null,
            },
            extra,
          );
          return;
        }
        case 'hang': {
          const timer = schedule(hangTimeoutMs, () => response.destroy());
          response.on('close', () => {
            clearTimeout(timer);
            timers.delete(timer);
          });
          return;
        }
        case 'drop-connection':
          response.destroy();
          return;
        case 'malformed-json':
          if (streaming) {
            head(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
            response.end(
              'data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","choices":[{\n\ndata: [DONE]\n\n',
            );
          } else {
            const body =
              '{"id":"chatcmpl-fake","object":"chat.completion","choices":[{"index":0,"message":{"ro';
            head(200, {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
            });
            response.end(body);
          }
          return;
      }
    }

    if (endpoint === 'models') {
      const toModel = (id: string) => ({
        id,
        object: 'model',
        created: 1_700_000_000,
        owned_by: 'tonekit-fake',
      });
      if (pathname === '/v1/models') {
        sendJson(200, { object: 'list', data: models.map(toModel) });
        return;
      }
      const id = decodeURIComponent(pathname.slice('/v1/models/'.length));
      if (models.includes(id)) sendJson(200, toModel(id));
      else
        sendError(404, {
          message: `The model '${id}' does not exist`,
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        });
      return;
    }
    if (endpoint === 'unknown') {
      sendError(404, { message: `Invalid URL (${method} ${pathname || '/'})` });
      return;
    }
    if (endpoint !== 'chat-completions') {
      if (parseFailed) {
        sendError(400, {
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        });
        return;
      }
      const reply = answerFineTuning(fineTuning, endpoint, resourceId ?? '', {
        bytes: bodyBytes,
        contentType,
        json: parsed,
        query: url.searchParams,
      });
      if ('error' in reply) sendError(reply.status, reply.error);
      else sendJson(reply.status, reply.body);
      return;
    }

    // Chat completions.
    if (parseFailed) {
      sendError(400, {
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
      });
      return;
    }
    const invalid = validateChatRequest(parsed, supportsJsonSchema);
    if (invalid !== undefined) {
      sendError(400, { message: invalid.message, param: invalid.param });
      return;
    }
    const chatRequest = parsed as FakeOpenAIChatRequest;
    if (restrictModels && !models.includes(chatRequest.model)) {
      sendError(404, {
        message: `The model \`${chatRequest.model}\` does not exist or you do not have access to it.`,
        code: 'model_not_found',
      });
      return;
    }
    const callIndex = chatCalls++;
    let reply: FakeOpenAIChatReply;
    try {
      reply = await chatHandler(chatRequest, { callIndex, signal });
      if (typeof reply !== 'string' && typeof reply?.content !== 'string')
        throw new Error('expected a string or {content: string}');
    } catch (error) {
      if (response.destroyed) return;
      sendError(500, {
        message: `Fake OpenAI server: the chat handler failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return;
    }
    if (response.destroyed || closing) return;
    const completion = completeChat(chatRequest, reply);
    const base = {
      id: `chatcmpl-fake-${callIndex}`,
      created: Math.floor(Date.now() / 1000),
      model: chatRequest.model,
      system_fingerprint: 'fp_fake',
    };
    if (!streaming) {
      sendJson(200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: completion.content, refusal: null },
            logprobs: null,
            finish_reason: completion.finishReason,
          },
        ],
        usage: completion.usage,
      });
      return;
    }
    const includeUsage = chatRequest.stream_options?.include_usage === true;
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const pieces = completion.content.match(/\s*\S+|\s+$/g) ?? [];
    const chunks: unknown[] = [
      chunk({ role: 'assistant', content: '', refusal: null }, null),
      ...pieces.map((piece) => chunk({ content: piece }, null)),
    ];
    head(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (value: unknown) => response.write(`data: ${JSON.stringify(value)}\n\n`);
    if (fault?.kind === 'truncated-stream') {
      log.fault = 'truncated-stream';
      const keep = Math.max(0, Math.min(chunks.length, fault.afterChunks ?? Math.ceil(chunks.length / 2)));
      for (const value of chunks.slice(0, keep)) send(value);
      response.end();
      return;
    }
    for (const value of chunks) send(value);
    send(chunk({}, completion.finishReason));
    if (includeUsage)
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage: completion.usage });
    response.end('data: [DONE]\n\n');
  };

  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      const body = JSON.stringify({
        error: {
          message: `Fake OpenAI server bug: ${error instanceof Error ? error.message : String(error)}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      });
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  const origin = await listenOnLoopback(server);

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    })();
    return closed;
  };

  return {
    url: `${origin}/v1`,
    requests,
    setFault,
    setChatHandler(handler) {
      chatHandler = handler ?? echoLastUserMessage;
    },
    files: fineTuning.files,
    fineTuningJobs: fineTuning.jobs,
    setFineTuning: fineTuning.setSettings,
    close,
    [asyncDispose]: close,
  };
}

function defaultErrorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function redact(token: string): string {
  return token.length <= 8
    ? '*'.repeat(token.length)
    : `${token.slice(0, 3)}${'*'.repeat(8)}${token.slice(-4)}`;
}

function answerFineTuning(
  store: FakeOpenAIFineTuningStore,
  endpoint: Exclude<FakeOpenAIEndpoint, 'models' | 'chat-completions'>,
  id: string,
  body: { bytes: Buffer; contentType: string; json: unknown; query: URLSearchParams },
): FakeOpenAIFineTuningReply {
  switch (endpoint) {
    case 'files-create':
      return store.createFile(body.bytes, body.contentType);
    case 'files-retrieve':
      return store.retrieveFile(id);
    case 'fine-tuning-jobs-create':
      return store.createJob(body.json);
    case 'fine-tuning-jobs-list':
      return store.listJobs(body.query);
    case 'fine-tuning-jobs-retrieve':
      return store.retrieveJob(id);
    case 'fine-tuning-jobs-cancel':
      return store.cancelJob(id);
    case 'fine-tuning-jobs-events':
      return store.listEvents(id, body.query);
    case 'fine-tuning-jobs-checkpoints':
      return store.listCheckpoints(id, body.query);
  }
}

/** The route a request addresses, with the resource id in its path (file or job id) when there is one. */
function routeOf(
  method: string,
  pathname: string,
): { endpoint: FakeOpenAIEndpoint | 'unknown'; id?: string } {
  if (method === 'GET' && (pathname === '/v1/models' || pathname.startsWith('/v1/models/')))
    return { endpoint: 'models' };
  if (method === 'POST' && pathname === '/v1/chat/completions') return { endpoint: 'chat-completions' };
  if (pathname === '/v1/files') return { endpoint: method === 'POST' ? 'files-create' : 'unknown' };
  const file = /^\/v1\/files\/([^/]+)$/.exec(pathname);
  if (file !== null)
    return method === 'GET'
      ? { endpoint: 'files-retrieve', id: decodeURIComponent(file[1]!) }
      : { endpoint: 'unknown' };
  if (pathname === '/v1/fine_tuning/jobs')
    return {
      endpoint:
        method === 'POST'
          ? 'fine-tuning-jobs-create'
          : method === 'GET'
            ? 'fine-tuning-jobs-list'
            : 'unknown',
    };
  const job = /^\/v1\/fine_tuning\/jobs\/([^/]+)(?:\/(cancel|events|checkpoints))?$/.exec(pathname);
  if (job !== null) {
    const id = decodeURIComponent(job[1]!);
    const action = job[2];
    if (action === undefined && method === 'GET') return { endpoint: 'fine-tuning-jobs-retrieve', id };
    if (action === 'cancel' && method === 'POST') return { endpoint: 'fine-tuning-jobs-cancel', id };
    if (action === 'events' && method === 'GET') return { endpoint: 'fine-tuning-jobs-events', id };
    if (action === 'checkpoints' && method === 'GET') return { endpoint: 'fine-tuning-jobs-checkpoints', id };
  }
  return { endpoint: 'unknown' };
}

/** Resolves the body's bytes, `undefined` when it exceeds the limit, empty when the client went away. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', () => resolve(Buffer.alloc(0)));
    request.on('close', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
  });
}
