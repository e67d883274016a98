import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ApiCallError, CancelledError, InvalidArgumentError } from '@tonekit/core';
import { DatasetFormatError } from '@tonekit/dataset';

/** Options of the MT-Bench loaders, which read a local file or an http(s) URL. */
export interface LoadMtBenchOptions {
  /** Used for http(s) sources. Defaults to `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  abortSignal?: AbortSignal;
}

/** One object of a JSON Lines source, with its 1-based line number for error messages. */
export interface JsonlRecord {
  line: number;
  value: Record<string, unknown>;
}

/**
 * Reads a small JSON Lines document (MT-Bench files are under 100 kB) from a path, a `file:` URL or an
 * http(s) URL. Blank lines are skipped; a line that is not a JSON object rejects with a
 * DatasetFormatError naming the source and the line.
 */
export async function readJsonlSource(
  source: string | URL,
  { fetch = globalThis.fetch, abortSignal }: LoadMtBenchOptions = {},
): Promise<{ name: string; records: JsonlRecord[] }> {
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  const url = toUrl(source);
  let name: string;
  let text: string;
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) {
    name = url.href;
    text = await fetchText(url.href, fetch, abortSignal);
  } else {
    name = url === undefined ? String(source) : fileURLToPath(url);
    try {
      text = await readFile(name, { encoding: 'utf8', ...(abortSignal ? { signal: abortSignal } : {}) });
    } catch (error) {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      throw new DatasetFormatError({
        file: name,
        message: `Could not read ${name}: ${(error as Error).message}`,
        cause: error,
      });
    }
  }
  const records: JsonlRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const content = line === 1 && raw.startsWith('\ufeff') ? raw.slice(1) : raw;
    if (content.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      throw new DatasetFormatError({
        file: name,
        line,
        message: `${name}:${line}: not valid JSON (${(error as Error).message}).`,
        cause: error,
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetFormatError({ file: name, line, message: `${name}:${line}: expected a JSON object.` });
    }
    records.push({ line, value: value as Record<string, unknown> });
  }
  return { name, records };
}

function toUrl(source: string | URL): URL | undefined {
  if (source instanceof URL) return source;
  if (typeof source !== 'string' || source === '') {
    throw new InvalidArgumentError({
      argument: 'source',
      value: source,
      message: 'expected a file path or a URL.',
    });
  }
  return /^(https?|file):\/\//i.test(source) ? new URL(source) : undefined;
}

async function fetchText(
  url: string,
  fetch: typeof globalThis.fetch,
  abortSignal: AbortSignal | undefined,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, abortSignal ? { signal: abortSignal } : {});
  } catch (error) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    throw new ApiCallError({
      message: `Could not fetch ${url}: ${(error as Error).message}`,
      url,
      isRetryable: true,
      cause: error,
    });
  }
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    throw new ApiCallError({
      message: `Reading ${url} failed: ${(error as Error).message}`,
      url,
      status: response.status,
      isRetryable: true,
      cause: error,
    });
  }
  if (!response.ok) {
    throw new ApiCallError({
      message: `Fetching ${url} failed with HTTP ${response.status}.`,
      url,
      status: response.status,
      responseBody: body.slice(0, 2000),
    });
  }
  return body;
}
