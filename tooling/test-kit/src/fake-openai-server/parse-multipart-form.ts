/** One part of a `multipart/form-data` body. */
export interface MultipartFormPart {
  /** The `name` of its `Content-Disposition`. */
  name: string;
  /** The `filename` of its `Content-Disposition`, for file fields. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Parses a `multipart/form-data` body (RFC 7578) as fetch implementations and the openai SDK send it:
 * CRLF line breaks, a `Content-Disposition: form-data; name="…"; filename="…"` header per part.
 * Returns `undefined` when the content type has no boundary or the body does not follow it, so the
 * caller can answer 400 as the real API does.
 */
export function parseMultipartForm(body: Buffer, contentType: string): MultipartFormPart[] | undefined {
  const boundaryMatch = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType) || boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartFormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return undefined;
  for (;;) {
    at += delimiter.length;
    // `--` after a delimiter closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) return undefined;
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd === -1) return undefined;
    const headers = parseHeaders(body.subarray(at, headerEnd).toString('utf8'));
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) return undefined;
    const disposition = headers['content-disposition'] ?? '';
    const name = parameter(disposition, 'name');
    if (name === undefined) return undefined;
    const filename = parameter(disposition, 'filename');
    parts.push({
      name,
      ...(filename === undefined ? {} : { filename }),
      ...(headers['content-type'] === undefined ? {} : { contentType: headers['content-type'] }),
      data: body.subarray(headerEnd + 4, next),
    });
    at = next + 2;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function parameter(header: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (match !== null) return match[1]!.replace(/\\(.)/g, '$1').replace(/%22/g, '"');
  return new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(header)?.[1];
}
