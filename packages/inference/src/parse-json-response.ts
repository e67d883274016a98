import { InvalidArgumentError } from '@tonekit/core';

/**
 * Reads the JSON value out of a model's answer, tolerating the wrappings models add even when asked for
 * bare JSON, and nothing else:
 *
 * 1. The whole text, trimmed, when it parses.
 * 2. The content of the first Markdown code fence (```json … ``` or ``` … ```), when it parses.
 * 3. The span from the first `{` or `[` to the last matching `}` or `]`, which drops prose before and
 *    after the value ("Here is the JSON: {...} Hope this helps").
 *
 * It does not repair invalid JSON (trailing commas, single quotes, comments, truncated objects): a
 * repaired answer may not be the one the model meant, and a truncated one (finish reason `length`) should
 * be regenerated, not guessed at. Throws `InvalidArgumentError` (argument `text`) when nothing parses,
 * with the last `JSON.parse` error as `cause`.
 */
export function parseJsonResponse(text: string): unknown {
  const candidates: string[] = [text.trim()];
  const fence = /```[a-zA-Z0-9_-]*[^\S\n]*\n?([\s\S]*?)```/.exec(text);
  if (fence?.[1] !== undefined) candidates.push(fence[1].trim());
  const start = text.search(/[{[]/);
  if (start !== -1) {
    const close = text[start] === '{' ? '}' : ']';
    const end = text.lastIndexOf(close);
    if (end > start) candidates.push(text.slice(start, end + 1));
  }
  let lastError: unknown;
  for (const candidate of candidates) {
    if (candidate === '') continue;
    try {
      return JSON.parse(candidate);
    } catch (error) {
      lastError = error;
    }
  }
  const preview = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  throw new InvalidArgumentError({
    argument: 'text',
    value: text,
    message: `no JSON value found in the model's answer: ${JSON.stringify(preview)}`,
    cause: lastError,
  });
}
