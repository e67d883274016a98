import { parseRetryAfter } from '@tonekit/core';
import { HubApiError, type HubErrorCode } from './hub-api-error.js';

/** What the request was about, so the message can say it in the user's terms. */
export interface HubRequestContext {
  url: string;
  endpoint: string;
  repoId: string;
  revision?: string;
  path?: string;
  hasToken: boolean;
}

const maxErrorBodyBytes = 16 * 1024;

/** Turns a failed Hub response into a `HubApiError` whose message says what to do about it. */
export async function toHubApiError(response: Response, context: HubRequestContext): Promise<HubApiError> {
  const responseBody = await readBoundedText(response, maxErrorBodyBytes);
  const hubMessage = response.headers.get('x-error-message') ?? undefined;
  const errorCode = readErrorCode(response.status, response.headers.get('x-error-code'), hubMessage, context);
  return new HubApiError({
    message: describeFailure(response, errorCode, hubMessage, context),
    url: context.url,
    status: response.status,
    requestId: response.headers.get('x-request-id') ?? undefined,
    responseBody,
    retryAfterMs: parseRetryAfter(response.headers),
    errorCode,
    repoId: context.repoId,
  });
}

function readErrorCode(
  status: number,
  header: string | null,
  hubMessage: string | undefined,
  { hasToken }: HubRequestContext,
): HubErrorCode | undefined {
  if (header) return header;
  if (hubMessage === 'Access to this resource is disabled.') return 'DisabledRepo';
  if (status === 401 && hubMessage === 'Invalid credentials in Authorization header')
    return 'InvalidCredentials';
  // The Hub answers 401 without a code for repositories an anonymous caller may not see, so that private
  // repositories cannot be told from missing ones; huggingface_hub reads that as "not found" too.
  if (status === 401 && !hasToken) return 'RepoNotFound';
  return undefined;
}

function describeFailure(
  response: Response,
  errorCode: HubErrorCode | undefined,
  hubMessage: string | undefined,
  { url, endpoint, repoId, revision, path, hasToken }: HubRequestContext,
): string {
  const status = response.status;
  const page = `${endpoint}/datasets/${repoId}`;
  const tokenHint =
    'pass a Hugging Face access token with read access (the `token` option of createHubClient; the tonekit CLI reads HF_TOKEN)';
  switch (errorCode) {
    case 'GatedRepo':
      return hasToken
        ? `Dataset ${repoId} is gated and your token has no access to it yet (HTTP ${status}): request access on ${page} (the authors may review requests), then try again.`
        : `Dataset ${repoId} is gated (HTTP ${status}): accept its conditions on ${page}, then ${tokenHint}.`;
    case 'RepoNotFound':
      return (
        `Dataset ${repoId} was not found on ${endpoint} (HTTP ${status}). Check the id ("<owner>/<name>" as in ${endpoint}/datasets/<owner>/<name>)` +
        (hasToken
          ? '; if it is private, check that your token can read it.'
          : `; if it is private, ${tokenHint}.`)
      );
    case 'RevisionNotFound':
      return `Revision "${revision}" does not exist in dataset ${repoId}: no branch, tag or commit has that name (HTTP ${status}).`;
    case 'EntryNotFound':
      return `"${path}" does not exist in dataset ${repoId} at revision "${revision}" (HTTP ${status}).`;
    case 'DisabledRepo':
      return `Dataset ${repoId} has been disabled on the Hub and cannot be downloaded (HTTP ${status}).`;
    case 'InvalidCredentials':
      return `The Hub rejected the access token (HTTP 401: invalid credentials). Create a read token at ${endpoint}/settings/tokens and pass it as \`token\`.`;
  }
  const detail = hubMessage ? `: ${hubMessage}` : response.statusText ? ` ${response.statusText}` : '';
  if (status === 401 || status === 403) {
    return `The Hub refused access to dataset ${repoId} (HTTP ${status}${detail}); ${hasToken ? 'check that your token can read it' : tokenHint}. URL: ${url}`;
  }
  if (status === 429)
    return `The Hub rate-limited the request for dataset ${repoId} (HTTP 429${detail}). URL: ${url}`;
  return `Hub request for dataset ${repoId} failed with HTTP ${status}${detail}. URL: ${url}`;
}

/** Reads at most `maxBytes` of a body as text and releases the rest, so a huge error page costs nothing. */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  if (response.body === null) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks off is still worth showing up to where it broke.
  } finally {
    reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
  return text === '' ? undefined : text;
}
