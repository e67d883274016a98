/** Anything headers can be read from: a Fetch `Headers` object or Node's lower-cased header record. */
export type RetryAfterHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | number | undefined>;

const deltaSecondsPattern = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * How long a server asked us to wait, in milliseconds, or `undefined` when it did not say (or said
 * something unreadable).
 *
 * Given a string, reads a `Retry-After` value: delta-seconds (`"120"`, and the `"1.5"` some servers send)
 * or an HTTP-date, measured from `now` (a date in the past gives 0). Given headers, prefers the
 * non-standard `retry-after-ms` (OpenAI, Anthropic), which is more precise, then `retry-after`.
 */
export function parseRetryAfter(
  value: string | RetryAfterHeaders | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return parseRetryAfterValue(value, now);
  const milliseconds = parseMilliseconds(readHeader(value, 'retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds;
  const retryAfter = readHeader(value, 'retry-after');
  return retryAfter === undefined ? undefined : parseRetryAfterValue(retryAfter, now);
}

function parseRetryAfterValue(value: string, now: number): number | undefined {
  if (deltaSecondsPattern.test(value)) return Number(value) * 1000;
  // Date.parse accepts many formats besides the HTTP-date ones; a header value is expected to contain a
  // weekday or month name, which keeps bare numbers such as "-5" from being read as years.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseMilliseconds(value: string | undefined): number | undefined {
  if (value === undefined || !deltaSecondsPattern.test(value)) return undefined;
  return Number(value);
}

function readHeader(headers: RetryAfterHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | number | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const raw = key === undefined ? undefined : record[key];
  if (raw === undefined) return undefined;
  return Array.isArray(raw) ? raw[0] : String(raw);
}
