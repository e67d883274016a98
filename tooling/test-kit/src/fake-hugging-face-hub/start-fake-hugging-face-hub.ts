import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { asyncDispose } from '@tonekit/core';
import { closeServer, listenOnLoopback } from '../loopback-server.js';
import {
  buildFakeHubDataset,
  type FakeHubFile,
  type FakeHubRepository,
  type FakeHuggingFaceHubDataset,
} from './build-fake-hub-dataset.js';
import type { FakeHubEndpoint, FakeHubFault } from './fake-hub-fault.js';

export interface FakeHuggingFaceHubSettings {
  /** Dataset repositories by id (`owner/name`). */
  datasets: Record<string, FakeHuggingFaceHubDataset>;
  /** Faults active from the start, applied in order; see `setFault`. */
  faults?: readonly FakeHubFault[];
  /** Tree entries per page before a `Link: rel="next"` header. Defaults to 1000, as on the Hub. */
  pageSize?: number;
  /** Requests served before every further one gets 503, so a runaway client cannot spin forever. Defaults to 10000. */
  maxRequests?: number;
}

/** One request as the fake saw it. */
export interface FakeHubRequest {
  /** `hub` for the API and resolve routes, `cdn` for LFS downloads the Hub redirected to. */
  server: 'hub' | 'cdn';
  method: string;
  /** Path and query as received. */
  url: string;
  endpoint: FakeHubEndpoint | 'unknown';
  repoId?: string;
  revision?: string;
  /** The file (resolve, cdn) or folder (tree) inside the repository. */
  path?: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /** Set once the response head is sent. */
  status?: number;
  /** The injected fault, if one applied. */
  fault?: FakeHubFault['kind'];
}

export interface FakeHuggingFaceHub {
  /** The Hub endpoint, `http://127.0.0.1:<port>`: pass it as the client's `endpoint`. */
  readonly url: string;
  /** The origin LFS downloads are redirected to (another port, so another origin, as a real CDN is). */
  readonly cdnUrl: string;
  /** Every request, oldest first. */
  readonly requests: FakeHubRequest[];
  /** Replaces the active faults (`null` clears them). */
  setFault(fault: FakeHubFault | readonly FakeHubFault[] | null): void;
  /** Adds, replaces (a new commit) or removes (`undefined`) a dataset. */
  setDataset(repoId: string, dataset: FakeHuggingFaceHubDataset | undefined): void;
  /** A dataset as served, with each file's oid, sha256 and etag, for expected values in tests. */
  getDataset(repoId: string): FakeHubRepository | undefined;
  /** Stops both servers, cutting open connections and pending slow bodies. */
  close(): Promise<void>;
  [asyncDispose](): Promise<void>;
}

interface ActiveFault {
  fault: FakeHubFault;
  remaining: number;
}

/**
 * Starts a loopback fake of the Hugging Face Hub endpoints that dataset loading uses, on 127.0.0.1 with
 * ephemeral ports:
 *
 * - `GET /api/datasets/{repo}` and `/api/datasets/{repo}/revision/{rev}`: info with `sha`, `gated`, `siblings`.
 * - `GET /api/datasets/{repo}/tree/{rev}/{path}?recursive=true`: entries `{type, oid, size, path, lfs?}`,
 *   paginated with `Link: <...&cursor=...>; rel="next"`.
 * - `GET|HEAD /datasets/{repo}/resolve/{rev}/{path}`: small files with `ETag` (git blob sha1) and
 *   `X-Repo-Commit`; LFS files as a 302 to the CDN origin with `X-Linked-Etag` (sha256), `X-Linked-Size`.
 *   Both honor `Range: bytes=a-b` (206 + `Content-Range`, 416 when unsatisfiable).
 * - Errors as the Hub sends them: `X-Error-Code` `RepoNotFound` (401 anonymous, 404 with a token),
 *   `RevisionNotFound`, `EntryNotFound`, `GatedRepo` (401 without a token, 403 with one not allowed).
 *
 * Faults (`setFault`) inject error statuses with `Retry-After`, connections dropped mid-body, slow
 * bodies and corrupted bytes.
 */
export async function startFakeHuggingFaceHub(
  settings: FakeHuggingFaceHubSettings,
): Promise<FakeHuggingFaceHub> {
  const { pageSize = 1000, maxRequests = 10_000 } = settings;
  if (!(Number.isInteger(pageSize) && pageSize >= 1))
    throw new Error(`pageSize must be a positive integer, got ${pageSize}.`);
  const repositories = new Map<string, FakeHubRepository>();
  for (const [repoId, dataset] of Object.entries(settings.datasets)) {
    repositories.set(repoId, buildFakeHubDataset(repoId, dataset));
  }
  let faults: ActiveFault[] = [];
  const setFault = (fault: FakeHubFault | readonly FakeHubFault[] | null) => {
    const list =
      fault === null
        ? []
        : Array.isArray(fault)
          ? (fault as readonly FakeHubFault[])
          : [fault as FakeHubFault];
    faults = list.map((entry) => ({ fault: entry, remaining: entry.times ?? 1 }));
  };
  setFault(settings.faults ?? null);

  const requests: FakeHubRequest[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let hubUrl = '';
  let cdnUrl = '';

  const takeFault = (
    endpoint: FakeHubEndpoint,
    repoId: string | undefined,
    path: string | undefined,
    kinds: 'status' | 'body',
  ): FakeHubFault | undefined => {
    for (const active of faults) {
      const { fault } = active;
      if (active.remaining <= 0) continue;
      if (fault.repoId !== undefined && fault.repoId !== repoId) continue;
      if (fault.path !== undefined && fault.path !== path) continue;
      if (
        kinds === 'status'
          ? fault.kind !== 'status' || (fault.on !== undefined && fault.on !== endpoint)
          : fault.kind === 'status'
      ) {
        continue;
      }
      active.remaining--;
      return fault;
    }
    return undefined;
  };

  const handle = (server: 'hub' | 'cdn') => (request: IncomingMessage, response: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const log: FakeHubRequest = {
      server,
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      endpoint: 'unknown',
      headers,
    };
    const head = (status: number, responseHeaders: OutgoingHttpHeaders = {}) => {
      log.status = status;
      response.writeHead(status, responseHeaders);
    };
    const context: RouteContext = {
      request,
      response,
      log,
      head,
      takeFault,
      repositories,
      pageSize,
      timers,
      hubUrl,
      cdnUrl,
    };
    if (requests.length >= maxRequests) {
      head(503, { 'content-type': 'text/plain' });
      response.end(`Fake Hub request limit (${maxRequests}) reached.`);
      return;
    }
    requests.push(log);
    // The fake never reads request bodies (every route is GET/HEAD); drain so keep-alive stays usable.
    request.resume();
    try {
      if (server === 'hub') routeHub(context);
      else routeCdn(context);
    } catch (error) {
      if (!response.headersSent) head(500, { 'content-type': 'text/plain' });
      response.end(`Fake Hub bug: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const hubServer = createServer(handle('hub'));
  const cdnServer = createServer(handle('cdn'));
  hubUrl = await listenOnLoopback(hubServer);
  cdnUrl = await listenOnLoopback(cdnServer);

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([closeServer(hubServer), closeServer(cdnServer)]);
    })();
    return closed;
  };

  return {
    url: hubUrl,
    cdnUrl,
    requests,
    setFault,
    setDataset(repoId, dataset) {
      if (dataset === undefined) repositories.delete(repoId);
      else repositories.set(repoId, buildFakeHubDataset(repoId, dataset));
    },
    getDataset: (repoId) => repositories.get(repoId),
    close,
    [asyncDispose]: close,
  };
}

interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  log: FakeHubRequest;
  head(status: number, headers?: OutgoingHttpHeaders): void;
  takeFault(
    endpoint: FakeHubEndpoint,
    repoId: string | undefined,
    path: string | undefined,
    kinds: 'status' | 'body',
  ): FakeHubFault | undefined;
  repositories: Map<string, FakeHubRepository>;
  pageSize: number;
  timers: Set<ReturnType<typeof setTimeout>>;
  hubUrl: string;
  cdnUrl: string;
}

function routeHub(context: RouteContext): void {
  const { request, log } = context;
  const url = new URL(request.url ?? '/', 'http://fake');
  const segments = decodeSegments(url.pathname);
  if (segments === undefined) {
    sendError(context, 400, { message: 'Malformed URL encoding.' });
    return;
  }
  let endpoint: FakeHubEndpoint | undefined;
  let repoId: string | undefined;
  let revision: string | undefined;
  let path: string | undefined;
  if (segments[0] === 'api' && segments[1] === 'datasets' && segments.length >= 4) {
    // /api/datasets/{owner}/{name}[/revision/{rev...} | /tree/{rev}/{path...}]
    const [, , owner, name, action, ...rest] = segments;
    repoId = `${owner}/${name}`;
    if (action === undefined) {
      endpoint = 'dataset-info';
    } else if (action === 'revision' && rest.length > 0) {
      endpoint = 'dataset-info';
      revision = rest.join('/');
    } else if (action === 'tree' && rest.length > 0) {
      endpoint = 'tree';
      revision = rest[0];
      path = rest
        .slice(1)
        .filter((segment) => segment !== '')
        .join('/');
    }
  } else if (segments[0] === 'datasets' && segments[3] === 'resolve' && segments.length >= 6) {
    // /datasets/{owner}/{name}/resolve/{rev}/{path...}
    const [, owner, name, , rev, ...rest] = segments;
    repoId = `${owner}/${name}`;
    endpoint = 'resolve';
    revision = rev;
    path = rest.join('/');
  }
  if (endpoint === undefined || repoId === undefined) {
    sendError(context, 404, { message: `No fake Hub route for ${url.pathname}.` });
    return;
  }
  Object.assign(log, {
    endpoint,
    repoId,
    ...(revision === undefined ? {} : { revision }),
    ...(path === undefined ? {} : { path }),
  });

  const statusFault = context.takeFault(endpoint, repoId, path, 'status');
  if (statusFault?.kind === 'status') {
    log.fault = 'status';
    sendError(context, statusFault.status, {
      code: statusFault.errorCode,
      message: statusFault.message ?? `Injected fault: HTTP ${statusFault.status}.`,
      retryAfter: statusFault.retryAfter,
    });
    return;
  }
  if (request.method !== 'GET' && !(request.method === 'HEAD' && endpoint === 'resolve')) {
    sendError(context, 405, { message: `${request.method} is not supported here.` });
    return;
  }

  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const repository = context.repositories.get(repoId);
  if (repository === undefined) {
    // Like the Hub: anonymous callers get 401 so private repositories cannot be told from missing ones.
    sendError(context, token === undefined ? 401 : 404, {
      code: 'RepoNotFound',
      message: 'Repository not found',
    });
    return;
  }
  const effectiveRevision = revision ?? repository.refs[0] ?? repository.sha;
  if (effectiveRevision !== repository.sha && !repository.refs.includes(effectiveRevision)) {
    sendError(context, 404, {
      code: 'RevisionNotFound',
      message: `Invalid rev id: ${effectiveRevision}`,
    });
    return;
  }
  if (endpoint === 'dataset-info') {
    sendInfo(context, repository);
    return;
  }
  if (endpoint === 'tree') {
    sendTree(context, repository, effectiveRevision, path ?? '', url);
    return;
  }
  sendResolve(context, repository, path!, token);
}

function sendInfo(context: RouteContext, repository: FakeHubRepository): void {
  const date = '2024-01-01T00:00:00.000Z';
  sendJson(context, 200, {
    _id: repository.sha.slice(0, 24),
    id: repository.repoId,
    author: repository.repoId.split('/')[0],
    sha: repository.sha,
    lastModified: date,
    createdAt: date,
    private: false,
    gated: repository.gated === false ? false : 'manual',
    disabled: false,
    tags: [],
    downloads: 0,
    likes: 0,
    siblings: repository.files.map((file) => ({ rfilename: file.path })),
    usedStorage: repository.files.reduce((sum, file) => sum + file.size, 0),
  });
}

function sendTree(
  context: RouteContext,
  repository: FakeHubRepository,
  revision: string,
  folder: string,
  url: URL,
): void {
  const recursive = url.searchParams.get('recursive') === 'true';
  const prefix = folder === '' ? '' : `${folder}/`;
  const below = repository.files.filter((file) => file.path.startsWith(prefix));
  if (folder !== '' && below.length === 0) {
    sendError(context, 404, {
      code: 'EntryNotFound',
      message: `Entry not found: ${folder} does not exist on "${revision}"`,
    });
    return;
  }
  const entries = new Map<string, unknown>();
  for (const file of below) {
    const relative = file.path.slice(prefix.length).split('/');
    // Folders on the way to the file: all of them when recursive, the first level otherwise.
    const folderDepth = recursive ? relative.length - 1 : Math.min(1, relative.length - 1);
    for (let depth = 1; depth <= folderDepth; depth++) {
      const folderPath = prefix + relative.slice(0, depth).join('/');
      if (!entries.has(folderPath)) {
        entries.set(folderPath, {
          type: 'directory',
          oid: createHash('sha1').update(`tree ${folderPath}`).digest('hex'),
          size: 0,
          path: folderPath,
        });
      }
    }
    if (recursive || relative.length === 1) entries.set(file.path, treeEntry(file));
  }
  const sorted = [...entries.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => entry);
  const cursor = url.searchParams.get('cursor');
  const offset = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= sorted.length)) {
    sendError(context, 400, { message: `Invalid cursor: ${cursor}` });
    return;
  }
  const page = sorted.slice(offset, offset + context.pageSize);
  const headers: OutgoingHttpHeaders = {};
  if (offset + context.pageSize < sorted.length) {
    const next = new URL(url.pathname + url.search, context.hubUrl);
    next.searchParams.set(
      'cursor',
      Buffer.from(String(offset + context.pageSize), 'utf8').toString('base64url'),
    );
    headers.link = `<${next.href}>; rel="next"`;
  }
  sendJson(context, 200, page, headers);
}

function treeEntry(file: FakeHubFile): unknown {
  return {
    type: 'file',
    oid: file.oid,
    size: file.size,
    path: file.path,
    ...(file.lfs ? { lfs: { oid: file.sha256, size: file.size, pointerSize: 134 } } : {}),
  };
}

function sendResolve(
  context: RouteContext,
  repository: FakeHubRepository,
  path: string,
  token: string | undefined,
): void {
  const file = repository.files.find((candidate) => candidate.path === path);
  if (file === undefined) {
    sendError(context, 404, { code: 'EntryNotFound', message: 'Entry not found' });
    return;
  }
  if (repository.gated !== false) {
    const { tokens } = repository.gated;
    if (token === undefined) {
      sendError(context, 401, {
        code: 'GatedRepo',
        message: `Access to dataset ${repository.repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      });
      return;
    }
    if (tokens !== undefined && !tokens.includes(token)) {
      sendError(context, 403, {
        code: 'GatedRepo',
        message: `Access to dataset ${repository.repoId} is restricted and you are not in the authorized list. Visit https://huggingface.co/datasets/${repository.repoId} to ask for access.`,
      });
      return;
    }
  }
  const common = { 'x-repo-commit': repository.sha };
  if (file.lfs) {
    const location = new URL(`/blobs/${file.sha256}`, context.cdnUrl);
    location.searchParams.set('repo', repository.repoId);
    location.searchParams.set('filename', file.path);
    const body = `Found. Redirecting to ${location.href}`;
    context.head(302, {
      ...common,
      location: location.href,
      etag: `"${file.sha256}"`,
      'x-linked-etag': `"${file.sha256}"`,
      'x-linked-size': String(file.size),
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
    });
    context.response.end(context.request.method === 'HEAD' ? undefined : body);
    return;
  }
  serveBytes(context, file, repository.repoId, 'resolve', {
    ...common,
    etag: `"${file.oid}"`,
    'content-type': 'application/octet-stream',
  });
}

function routeCdn(context: RouteContext): void {
  const url = new URL(context.request.url ?? '/', 'http://fake');
  const sha256 = /^\/blobs\/([0-9a-f]{64})$/.exec(url.pathname)?.[1];
  const repoId = url.searchParams.get('repo') ?? undefined;
  const path = url.searchParams.get('filename') ?? undefined;
  Object.assign(context.log, {
    endpoint: 'cdn',
    ...(repoId === undefined ? {} : { repoId }),
    ...(path === undefined ? {} : { path }),
  });
  const statusFault = context.takeFault('cdn', repoId, path, 'status');
  if (statusFault?.kind === 'status') {
    context.log.fault = 'status';
    sendError(context, statusFault.status, {
      code: statusFault.errorCode,
      message: statusFault.message ?? `Injected fault: HTTP ${statusFault.status}.`,
      retryAfter: statusFault.retryAfter,
    });
    return;
  }
  let file: FakeHubFile | undefined;
  for (const repository of context.repositories.values()) {
    file ??= repository.files.find((candidate) => candidate.sha256 === sha256 && candidate.lfs);
  }
  if (file === undefined) {
    context.head(404, { 'content-type': 'application/xml' });
    context.response.end('<Error><Code>NoSuchKey</Code></Error>');
    return;
  }
  // A CDN's ETag is its own (an S3 MD5 here), not the Hub's sha256: clients must take the Hub's headers.
  serveBytes(context, file, repoId, 'cdn', {
    etag: `"${createHash('md5').update(file.content).digest('hex')}"`,
    'content-type': 'application/octet-stream',
  });
}

function serveBytes(
  context: RouteContext,
  file: FakeHubFile,
  repoId: string | undefined,
  endpoint: FakeHubEndpoint,
  headers: OutgoingHttpHeaders,
): void {
  const { request, response, head, log } = context;
  const size = file.size;
  let status = 200;
  let start = 0;
  let end = size - 1;
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range?.trim() ?? '');
  if (range && (range[1] !== '' || range[2] !== '')) {
    if (range[1] === '') {
      start = Math.max(0, size - Number(range[2]));
    } else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(Number(range[2]), size - 1);
    }
    if (start >= size || start > end) {
      head(416, { 'content-range': `bytes */${size}`, 'content-length': '0' });
      response.end();
      return;
    }
    status = 206;
  }
  const fault = context.takeFault(endpoint, repoId, file.path, 'body');
  let content = file.content;
  if (fault?.kind === 'corrupt-byte' && size > 0) {
    content = Buffer.from(file.content);
    const offset = Math.min(size - 1, Math.max(0, fault.offset ?? Math.floor(size / 2)));
    content[offset] = content[offset]! ^ 0xff;
  }
  const body = content.subarray(start, end + 1);
  if (fault !== undefined) log.fault = fault.kind;
  head(status, {
    ...headers,
    'accept-ranges': 'bytes',
    'content-length': String(body.length),
    ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  if (fault?.kind === 'drop-mid-body') {
    const part = body.subarray(0, Math.max(0, fault.afterBytes));
    const cut = () => {
      const timer = setTimeout(() => {
        context.timers.delete(timer);
        response.destroy();
      }, fault.delayMs ?? 0);
      context.timers.add(timer);
    };
    if (part.length > 0) response.write(part, cut);
    else {
      response.flushHeaders();
      cut();
    }
    return;
  }
  if (fault?.kind === 'slow-body') {
    const chunkBytes = Math.max(1, fault.chunkBytes ?? 1024);
    let offset = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sendNext = () => {
      if (timer !== undefined) context.timers.delete(timer);
      if (response.destroyed) return;
      const chunk = body.subarray(offset, offset + chunkBytes);
      offset += chunk.length;
      if (offset >= body.length) {
        response.end(chunk);
        return;
      }
      response.write(chunk);
      timer = setTimeout(sendNext, fault.delayMs);
      context.timers.add(timer);
    };
    response.on('close', () => {
      if (timer !== undefined) {
        clearTimeout(timer);
        context.timers.delete(timer);
      }
    });
    sendNext();
    return;
  }
  response.end(body);
}

function sendJson(
  context: RouteContext,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify(value);
  context.head(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  context.response.end(context.request.method === 'HEAD' ? undefined : body);
}

function sendError(
  context: RouteContext,
  status: number,
  {
    code,
    message,
    retryAfter,
  }: { code?: string | undefined; message: string; retryAfter?: string | undefined },
): void {
  const headers: OutgoingHttpHeaders = { 'x-error-message': message };
  if (code !== undefined) headers['x-error-code'] = code;
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  sendJson(context, status, { error: message }, headers);
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
