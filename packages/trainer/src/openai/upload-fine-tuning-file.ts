import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError, sleep } from '@tonekit/core';
import { NotFoundError, type OpenAI, toFile } from 'openai';
import type { UploadedFileState } from './openai-job-state.js';
import { toApiCallError } from './to-api-call-error.js';
import { withLinkedSignal } from './with-linked-signal.js';

export interface UploadFineTuningFileOptions {
  client: OpenAI;
  path: string;
  sha256: string;
  bytes: number;
  /** The upload of an earlier run: reused when its hash matches and OpenAI still has it. */
  previous?: UploadedFileState;
  pollIntervalMs: number;
  signal?: AbortSignal;
}

/**
 * Uploads a JSONL file with purpose `fine-tune` and waits until OpenAI has processed it (a job cannot
 * use a file still `uploaded`). A file uploaded before with the same SHA-256 is reused, not uploaded
 * again, unless OpenAI no longer has it (deleted or expired).
 *
 * @returns the file's state and whether it was reused.
 */
export async function uploadFineTuningFile(
  options: UploadFineTuningFileOptions,
): Promise<{ file: UploadedFileState; reused: boolean }> {
  const { client, path, sha256, bytes, previous, pollIntervalMs, signal } = options;
  const url = `${client.baseURL}/files`;
  if (previous !== undefined && previous.sha256 === sha256) {
    try {
      const existing = await client.files.retrieve(previous.fileId, { signal });
      if (existing.status !== 'error') {
        await waitUntilProcessed(client, existing.id, existing.status, pollIntervalMs, path, signal);
        return { file: previous, reused: true };
      }
    } catch (error) {
      if (!(error instanceof NotFoundError))
        throw toApiCallError(error, `retrieving file ${previous.fileId}`, url, signal);
    }
  }
  // OpenAI requires the .jsonl extension for fine-tuning files.
  const name = basename(path);
  const filename = name.toLowerCase().endsWith('.jsonl') ? name : `${name}.jsonl`;
  let created: OpenAI.Files.FileObject;
  try {
    // A Blob, unlike a stream, can be read again when the SDK retries the upload.
    const upload = await toFile(await openAsBlob(path), filename);
    created = await client.files.create({ file: upload, purpose: 'fine-tune' }, { signal });
  } catch (error) {
    throw toApiCallError(error, `uploading ${path}`, url, signal);
  }
  await waitUntilProcessed(client, created.id, created.status, pollIntervalMs, path, signal);
  return { file: { fileId: created.id, sha256, bytes, filename }, reused: false };
}

async function waitUntilProcessed(
  client: OpenAI,
  fileId: string,
  initialStatus: string,
  pollIntervalMs: number,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  let status = initialStatus;
  let details: string | undefined;
  while (status === 'uploaded') {
    await sleep(pollIntervalMs, signal);
    try {
      const file = await withLinkedSignal(signal, (linked) =>
        client.files.retrieve(fileId, { signal: linked }),
      );
      status = file.status;
      details = file.status_details ?? undefined;
    } catch (error) {
      throw toApiCallError(error, `retrieving file ${fileId}`, `${client.baseURL}/files/${fileId}`, signal);
    }
  }
  if (status === 'error')
    throw new InvalidArgumentError({
      argument: 'dataset',
      value: path,
      message: `OpenAI could not process ${path} (file ${fileId})${details === undefined ? '.' : `: ${details}`}`,
    });
}
