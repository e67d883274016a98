import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RetryError } from '@tonekit/core';
import { type FakeHuggingFaceHub, startFakeHuggingFaceHub } from '@tonekit/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createHubClient,
  downloadHubDataset,
  HubApiError,
  type HubClientSettings,
  listHubShards,
} from '../src/hub/index.js';

const repoId = 'ChristophSchuhmann/wikipedia-en-chunks';
const uri = `hf://datasets/${repoId}`;
const shard = (seed: number, size: number) =>
  Buffer.from(Array.from({ length: size }, (_, index) => (index * seed) % 256));
const files = {
  'README.md': '# Wikipedia chunks\n',
  'data/train-00000-of-00003.parquet': shard(3, 3000),
  'data/train-00001-of-00003.parquet': shard(5, 2000),
  'data/train-00002-of-00003.parquet': shard(7, 1000),
  'data/validation-00000-of-00001.parquet': shard(11, 500),
  'extra/notes.jsonl': '{"a":1}\n',
};

let hub: FakeHuggingFaceHub;
let cacheDir: string;
beforeEach(async () => {
  hub = await startFakeHuggingFaceHub({
    datasets: {
      [repoId]: { files },
      'tonekit/gated': { files: { 'data/train.jsonl': '{"q":"hi"}\n' }, gated: { tokens: ['hf_allowed'] } },
    },
    pageSize: 2,
  });
  cacheDir = await mkdtemp(path.join(tmpdir(), 'tonekit-hub-client-'));
});
afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const fastRetries = { initialDelayMs: 1, jitter: false } as const;
const client = (settings: HubClientSettings = {}) =>
  createHubClient({ endpoint: hub.url, retry: fastRetries, ...settings });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('listHubShards', () => {
  it('resolves the revision, follows tree pagination and returns sorted shards with sizes', async () => {
    const listing = await listHubShards(uri, { client: client() });
    const { sha } = hub.getDataset(repoId)!;
    expect(listing.repoId).toBe(repoId);
    expect(listing.revision).toBe('main');
    expect(listing.commitSha).toBe(sha);
    expect(listing.shards).toEqual([
      {
        pathInRepo: 'data/train-00000-of-00003.parquet',
        size: 3000,
        etag: expect.stringMatching(/^[0-9a-f]{64}$/),
        lfs: true,
      },
      {
        pathInRepo: 'data/train-00001-of-00003.parquet',
        size: 2000,
        etag: expect.stringMatching(/^[0-9a-f]{64}$/),
        lfs: true,
      },
      {
        pathInRepo: 'data/train-00002-of-00003.parquet',
        size: 1000,
        etag: expect.stringMatching(/^[0-9a-f]{64}$/),
        lfs: true,
      },
      {
        pathInRepo: 'data/validation-00000-of-00001.parquet',
        size: 500,
        etag: expect.stringMatching(/^[0-9a-f]{64}$/),
        lfs: true,
      },
      { pathInRepo: 'extra/notes.jsonl', size: 8, etag: expect.stringMatching(/^[0-9a-f]{40}$/), lfs: false },
    ]);
    const trees = hub.requests.filter((request) => request.endpoint === 'tree');
    // 8 entries (2 folders, 6 files) in pages of 2, listed at the resolved commit, not at "main".
    expect(trees).toHaveLength(4);
    expect(trees.every((request) => request.revision === sha)).toBe(true);
    expect(trees.slice(1).every((request) => request.url.includes('cursor='))).toBe(true);
    expect(hub.requests[0]).toMatchObject({ endpoint: 'dataset-info', revision: 'main' });
  });

  it('narrows by split and by glob, listing only the folder the glob starts in', async () => {
    const train = await listHubShards(uri, { client: client(), split: 'train' });
    expect(train.shards.map((entry) => entry.pathInRepo)).toEqual([
      'data/train-00000-of-00003.parquet',
      'data/train-00001-of-00003.parquet',
      'data/train-00002-of-00003.parquet',
    ]);
    hub.requests.length = 0;
    const validation = await listHubShards(`${uri}/data/validation-*.parquet`, { client: client() });
    expect(validation.shards.map((entry) => entry.pathInRepo)).toEqual([
      'data/validation-00000-of-00001.parquet',
    ]);
    expect(
      hub.requests.filter((request) => request.endpoint === 'tree').map((request) => request.path),
    ).toEqual(['data', 'data']);
    const none = await listHubShards(`${uri}/missing/*.parquet`, { client: client() });
    expect(none.shards).toEqual([]);
  });

  it('retries 429 after the Retry-After the Hub asked for', async () => {
    const waits: number[] = [];
    const retries: number[] = [];
    hub.setFault({ kind: 'status', status: 429, retryAfter: '2', on: 'dataset-info' });
    const listing = await listHubShards(uri, {
      client: client({ retry: { ...fastRetries, sleep: async (ms) => void waits.push(ms) } }),
      onRetry: ({ attempt }) => retries.push(attempt),
    });
    expect(listing.shards).toHaveLength(5);
    expect(waits).toEqual([2000]);
    expect(retries).toEqual([1]);
    expect(hub.requests.slice(0, 2).map((request) => request.status)).toEqual([429, 200]);
  });

  it('retries 5xx on a tree page and gives up after maxRetries with a RetryError', async () => {
    hub.setFault({ kind: 'status', status: 503, on: 'tree', times: 1 });
    expect((await listHubShards(uri, { client: client() })).shards).toHaveLength(5);

    hub.setFault({ kind: 'status', status: 500, on: 'tree', times: Number.POSITIVE_INFINITY });
    const error = await rejection(listHubShards(uri, { client: client({ maxRetries: 2 }) }));
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).attempts).toBe(3);
    expect(HubApiError.isInstance((error as RetryError).lastError)).toBe(true);
    expect(((error as RetryError).lastError as HubApiError).status).toBe(500);
  });

  it('says when a dataset does not exist, with or without a token', async () => {
    const anonymous = await rejection(listHubShards('hf://datasets/nobody/nothing', { client: client() }));
    expect(HubApiError.isInstance(anonymous)).toBe(true);
    expect(anonymous).toMatchObject({ status: 401, errorCode: 'RepoNotFound', isRetryable: false });
    expect(anonymous.message).toMatch(
      /Dataset nobody\/nothing was not found.*if it is private, pass a Hugging Face access token/,
    );

    const withToken = await rejection(
      listHubShards('hf://datasets/nobody/nothing', { client: client({ token: 'hf_x' }) }),
    );
    expect(withToken).toMatchObject({ status: 404, errorCode: 'RepoNotFound' });
    expect(withToken.message).toMatch(/check that your token can read it/);
  });

  it('says when a revision does not exist', async () => {
    const error = await rejection(listHubShards(`${uri}@no-such-branch`, { client: client() }));
    expect(error).toMatchObject({ status: 404, errorCode: 'RevisionNotFound' });
    expect(error.message).toContain('Revision "no-such-branch" does not exist in dataset');
  });

  it('reports an unreachable Hub as a retryable failure', async () => {
    const closed = await startFakeHuggingFaceHub({ datasets: {} });
    await closed.close();
    const error = await rejection(
      listHubShards(uri, { client: createHubClient({ endpoint: closed.url, maxRetries: 0 }) }),
    );
    expect(error).toMatchObject({ name: 'HubApiError', isRetryable: true, status: undefined });
    expect(error.message).toMatch(/The connection to http:\/\/127\.0\.0\.1:\d+\/api\/datasets\/.* failed/);
  });
});

describe('gated datasets and tokens', () => {
  it('tells an anonymous caller to accept the conditions and pass a token', async () => {
    const error = await rejection(
      downloadHubDataset('hf://datasets/tonekit/gated', { client: client(), cacheDir }),
    );
    expect(error).toMatchObject({ status: 401, errorCode: 'GatedRepo', isRetryable: false });
    expect(error.message).toContain('Dataset tonekit/gated is gated (HTTP 401): accept its conditions on');
    expect(error.message).toContain('HF_TOKEN');
  });

  it('tells a caller whose token has no access to request it', async () => {
    const error = await rejection(
      downloadHubDataset('hf://datasets/tonekit/gated', { client: client({ token: 'hf_other' }), cacheDir }),
    );
    expect(error).toMatchObject({ status: 403, errorCode: 'GatedRepo' });
    expect(error.message).toMatch(/your token has no access to it yet \(HTTP 403\): request access on http/);
  });

  it('sends the token to the Hub only, never to the CDN, with its user agent', async () => {
    const gated = await downloadHubDataset('hf://datasets/tonekit/gated', {
      client: client({ token: 'hf_allowed', userAgent: 'tonekit-test/1' }),
      cacheDir,
    });
    expect(gated.files.map((file) => file.pathInRepo)).toEqual(['data/train.jsonl']);
    expect(hub.requests.every((request) => request.headers['user-agent'] === 'tonekit-test/1')).toBe(true);

    hub.requests.length = 0;
    await downloadHubDataset(`${uri}/data/train-00000-of-00003.parquet`, {
      client: client({ token: 'hf_allowed' }),
      cacheDir,
    });
    const hubRequests = hub.requests.filter((request) => request.server === 'hub');
    const cdnRequests = hub.requests.filter((request) => request.server === 'cdn');
    // The tree of data/ takes two pages of 2 entries.
    expect(hubRequests.map((request) => request.endpoint)).toEqual([
      'dataset-info',
      'tree',
      'tree',
      'resolve',
    ]);
    expect(hubRequests.every((request) => request.headers.authorization === 'Bearer hf_allowed')).toBe(true);
    expect(cdnRequests).toHaveLength(1);
    expect(cdnRequests[0]?.headers.authorization).toBeUndefined();
    expect(
      hub.requests.every((request) => request.headers['user-agent']?.startsWith('tonekit-dataset; node/')),
    ).toBe(true);
  });

  it('uses the injected fetch for every request', async () => {
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    await listHubShards(uri, { client: client({ fetch: recordingFetch }) });
    expect(seen).toHaveLength(hub.requests.length);
    expect(seen.every((url) => url.startsWith(hub.url))).toBe(true);
  });
});
