import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { type FakeHuggingFaceHub, startFakeHuggingFaceHub } from '@tonekit/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createHubClient,
  downloadHubDataset,
  getHubCachePaths,
  HubCacheMissError,
  type HubClientSettings,
  type HubDownloadEvent,
  HubIntegrityError,
} from '../src/hub/index.js';

const repoId = 'ChristophSchuhmann/wikipedia-en-chunks';
const uri = `hf://datasets/${repoId}`;
const shard = (seed: number, size: number) =>
  Buffer.from(Array.from({ length: size }, (_, index) => (index * seed + 1) % 256));
const files: Record<string, Buffer | string> = {
  'README.md': '# Wikipedia chunks\n',
  'data/train-00000-of-00002.parquet': shard(3, 3000),
  'data/train-00001-of-00002.parquet': shard(5, 2000),
  'data/validation-00000-of-00001.parquet': shard(7, 1000),
  'data/extra.jsonl': '{"id":"a","text":"one"}\n{"id":"b","text":"two"}\n',
};
const bigShard = 'data/train-00000-of-00002.parquet';
const shardPaths = Object.keys(files)
  .filter((name) => name !== 'README.md')
  .sort();

let hub: FakeHuggingFaceHub;
let cacheDir: string;
beforeEach(async () => {
  hub = await startFakeHuggingFaceHub({ datasets: { [repoId]: { files } } });
  cacheDir = await mkdtemp(path.join(tmpdir(), 'tonekit-hub-download-'));
});
afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const fastRetries = { initialDelayMs: 1, jitter: false } as const;
const client = (settings: HubClientSettings = {}) =>
  createHubClient({ endpoint: hub.url, retry: fastRetries, ...settings });
const repoPaths = () => getHubCachePaths(cacheDir, repoId);
const etagOf = (pathInRepo: string) =>
  hub.getDataset(repoId)!.files.find((file) => file.path === pathInRepo)!.etag;
const resolveRequests = () => hub.requests.filter((request) => request.endpoint === 'resolve');
const bodyRequests = (pathInRepo: string) =>
  hub.requests.filter(
    (request) =>
      request.path === pathInRepo &&
      (request.endpoint === 'cdn' || (request.endpoint === 'resolve' && request.status !== 302)),
  );

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

async function exists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch {
    return false;
  }
}

describe('downloadHubDataset', () => {
  it('downloads into the standard huggingface_hub cache layout', async () => {
    const events: HubDownloadEvent[] = [];
    const result = await downloadHubDataset(uri, {
      client: client(),
      cacheDir,
      onEvent: (event) => events.push(event),
    });
    const { sha } = hub.getDataset(repoId)!;
    const { repoDir, blobsDir, snapshotsDir, refsDir } = repoPaths();
    expect(repoDir).toBe(path.join(cacheDir, 'datasets--ChristophSchuhmann--wikipedia-en-chunks'));
    expect(result).toMatchObject({
      repoId,
      revision: 'main',
      commitSha: sha,
      snapshotDir: path.join(snapshotsDir, sha),
    });
    expect(result.files.map((file) => [file.pathInRepo, file.size])).toEqual(
      shardPaths.map((name) => [name, Buffer.byteLength(files[name]!)]),
    );

    for (const file of result.files) {
      expect(file.localPath).toBe(path.join(snapshotsDir, sha, ...file.pathInRepo.split('/')));
      expect(await readFile(file.localPath)).toEqual(Buffer.from(files[file.pathInRepo]!));
      // A relative symlink into blobs/, named by the etag: sha256 for LFS shards, git blob sha1 otherwise.
      expect((await lstat(file.localPath)).isSymbolicLink()).toBe(true);
      expect(await readlink(file.localPath)).toBe(`../../../blobs/${etagOf(file.pathInRepo)}`);
    }
    expect(etagOf(bigShard)).toBe(createHash('sha256').update(files[bigShard]!).digest('hex'));
    expect(etagOf('data/extra.jsonl')).toMatch(/^[0-9a-f]{40}$/);
    expect((await readdir(blobsDir)).sort()).toEqual(shardPaths.map(etagOf).sort());
    expect(await readFile(path.join(refsDir, 'main'), 'utf8')).toBe(sha);
    expect(await exists(path.join(snapshotsDir, sha, 'README.md'))).toBe(false);

    expect(events[0]).toEqual({
      type: 'hub-listing',
      repoId,
      revision: 'main',
      commitSha: sha,
      fileCount: 4,
      totalBytes: 3000 + 2000 + 1000 + Buffer.byteLength(files['data/extra.jsonl']!),
      offline: false,
    });
    const completed = events.filter((event) => event.type === 'hub-file-complete');
    expect(completed.map((event) => event.file).sort()).toEqual(shardPaths);
    expect(completed.every((event) => event.resumedFromBytes === 0)).toBe(true);
    const lastProgress = events
      .filter((event) => event.type === 'hub-download-progress' && event.file === bigShard)
      .at(-1);
    expect(lastProgress).toMatchObject({ bytes: 3000, totalBytes: 3000 });
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('serves a second run from the cache without a single resolve request', async () => {
    const first = await downloadHubDataset(uri, { client: client(), cacheDir });
    hub.requests.length = 0;
    const events: HubDownloadEvent[] = [];
    const second = await downloadHubDataset(uri, {
      client: client(),
      cacheDir,
      onEvent: (event) => events.push(event),
    });
    expect(second).toEqual(first);
    expect(resolveRequests()).toEqual([]);
    expect(hub.requests.map((request) => request.endpoint)).toEqual(['dataset-info', 'tree']);
    expect(
      events
        .filter((event) => event.type === 'hub-cache-hit')
        .map((event) => event.file)
        .sort(),
    ).toEqual(shardPaths);
  });

  it('reuses blobs across commits and downloads only what changed', async () => {
    await downloadHubDataset(uri, { client: client(), cacheDir });
    const oldSha = hub.getDataset(repoId)!.sha;
    const added = shard(13, 700);
    hub.setDataset(repoId, { files: { ...files, 'data/train-00002-of-00002.parquet': added } });
    hub.requests.length = 0;
    const result = await downloadHubDataset(uri, { client: client(), cacheDir });
    expect(result.commitSha).not.toBe(oldSha);
    expect(resolveRequests().map((request) => request.path)).toEqual(['data/train-00002-of-00002.parquet']);
    expect(await readFile(path.join(repoPaths().refsDir, 'main'), 'utf8')).toBe(result.commitSha);
    expect(
      await readFile(
        result.files.find((file) => file.pathInRepo.endsWith('00002-of-00002.parquet'))!.localPath,
      ),
    ).toEqual(added);
    // The old snapshot stays for whoever pinned that commit.
    expect(await exists(path.join(repoPaths().snapshotsDir, oldSha, bigShard))).toBe(true);
  });

  it('downloads identical files once and links both paths to the one blob', async () => {
    const same = shard(17, 900);
    hub.setDataset(repoId, { files: { 'a/part.parquet': same, 'b/part.parquet': same } });
    const result = await downloadHubDataset(uri, { client: client(), cacheDir });
    expect(result.files.map((file) => file.pathInRepo)).toEqual(['a/part.parquet', 'b/part.parquet']);
    expect(hub.requests.filter((request) => request.endpoint === 'cdn')).toHaveLength(1);
    for (const file of result.files) expect(await readFile(file.localPath)).toEqual(same);
  });

  it('resumes after a connection drops mid-body with a Range request, byte for byte', async () => {
    // The delay lets the client take the 1200 bytes before the cut (an errored stream drops unread chunks).
    hub.setFault({ kind: 'drop-mid-body', afterBytes: 1200, delayMs: 50, path: bigShard });
    const events: HubDownloadEvent[] = [];
    const result = await downloadHubDataset(uri, {
      client: client(),
      cacheDir,
      onEvent: (event) => events.push(event),
    });
    const transfers = bodyRequests(bigShard);
    expect(transfers.map((request) => [request.status, request.headers.range, request.fault])).toEqual([
      [200, undefined, 'drop-mid-body'],
      [206, 'bytes=1200-', undefined],
    ]);
    const file = result.files.find((entry) => entry.pathInRepo === bigShard)!;
    expect(await readFile(file.localPath)).toEqual(files[bigShard]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'hub-retry', file: bigShard, attempt: 1 }));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'hub-file-complete', file: bigShard, resumedFromBytes: 1200 }),
    );
    expect(await exists(path.join(repoPaths().blobsDir, `${etagOf(bigShard)}.incomplete`))).toBe(false);
  });

  it('retries a stalled body after timeoutMs and resumes where it stalled', async () => {
    hub.setFault({ kind: 'slow-body', delayMs: 10_000, chunkBytes: 1000, path: bigShard });
    const result = await downloadHubDataset(uri, { client: client({ timeoutMs: 400 }), cacheDir });
    expect(bodyRequests(bigShard).map((request) => request.headers.range)).toEqual([
      undefined,
      'bytes=1000-',
    ]);
    expect(await readFile(result.files.find((entry) => entry.pathInRepo === bigShard)!.localPath)).toEqual(
      files[bigShard],
    );
  });

  it('restarts from zero when a server ignores Range and sends the whole file', async () => {
    const { blobsDir } = repoPaths();
    await mkdir(blobsDir, { recursive: true });
    await writeFile(path.join(blobsDir, `${etagOf(bigShard)}.incomplete`), Buffer.alloc(500, 0xee));
    const rangeless: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('range');
      return fetch(input, { ...init, headers });
    };
    const result = await downloadHubDataset(uri, { client: client({ fetch: rangeless }), cacheDir });
    expect(await readFile(result.files.find((entry) => entry.pathInRepo === bigShard)!.localPath)).toEqual(
      files[bigShard],
    );
  });

  it('retries a 429 on resolve after its Retry-After', async () => {
    const waits: number[] = [];
    hub.setFault({ kind: 'status', status: 429, retryAfter: '1', on: 'resolve', path: 'data/extra.jsonl' });
    const events: HubDownloadEvent[] = [];
    await downloadHubDataset(uri, {
      client: client({ retry: { ...fastRetries, sleep: async (ms) => void waits.push(ms) } }),
      cacheDir,
      onEvent: (event) => events.push(event),
    });
    expect(waits).toEqual([1000]);
    expect(
      resolveRequests()
        .filter((request) => request.path === 'data/extra.jsonl')
        .map((request) => request.status),
    ).toEqual([429, 200]);
    expect(events).toContainEqual({
      type: 'hub-retry',
      repoId,
      file: 'data/extra.jsonl',
      attempt: 1,
      delayMs: 1000,
      message: expect.stringContaining('HTTP 429'),
    });
  });

  it('stops on abort, keeps the partial file for a resume and promotes nothing', async () => {
    hub.setFault({ kind: 'slow-body', delayMs: 50, chunkBytes: 600, path: bigShard });
    const controller = new AbortController();
    const error = await rejection(
      downloadHubDataset(`${uri}/${bigShard}`, {
        client: client(),
        cacheDir,
        abortSignal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'hub-download-progress') controller.abort(new Error('user pressed Ctrl-C'));
        },
      }),
    );
    expect(CancelledError.isInstance(error)).toBe(true);
    const { blobsDir, snapshotsDir, refsDir } = repoPaths();
    const blob = path.join(blobsDir, etagOf(bigShard));
    expect(await exists(blob)).toBe(false);
    expect(await exists(path.join(snapshotsDir, hub.getDataset(repoId)!.sha, bigShard))).toBe(false);
    expect(await exists(path.join(refsDir, 'main'))).toBe(false);
    const kept = (await stat(`${blob}.incomplete`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(3000);

    hub.setFault(null);
    hub.requests.length = 0;
    const events: HubDownloadEvent[] = [];
    const result = await downloadHubDataset(`${uri}/${bigShard}`, {
      client: client(),
      cacheDir,
      onEvent: (event) => events.push(event),
    });
    expect(bodyRequests(bigShard).map((request) => request.headers.range)).toEqual([`bytes=${kept}-`]);
    expect(await readFile(result.files[0]!.localPath)).toEqual(files[bigShard]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'hub-file-complete', resumedFromBytes: kept }),
    );
  });

  it('rejects a corrupted LFS shard by its sha256 and promotes nothing', async () => {
    hub.setFault({ kind: 'corrupt-byte', offset: 1234, path: bigShard });
    const error = await rejection(downloadHubDataset(uri, { client: client(), cacheDir }));
    expect(HubIntegrityError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ check: 'sha256', pathInRepo: bigShard, expected: etagOf(bigShard) });
    expect(error.message).toContain('failed verification');
    const { blobsDir, snapshotsDir, refsDir } = repoPaths();
    expect(await exists(path.join(blobsDir, etagOf(bigShard)))).toBe(false);
    expect(await exists(path.join(blobsDir, `${etagOf(bigShard)}.incomplete`))).toBe(false);
    expect(await exists(path.join(snapshotsDir, hub.getDataset(repoId)!.sha, bigShard))).toBe(false);
    expect(await exists(path.join(refsDir, 'main'))).toBe(false);

    // The next run starts that file afresh and succeeds.
    const result = await downloadHubDataset(uri, { client: client(), cacheDir });
    expect(await readFile(result.files.find((entry) => entry.pathInRepo === bigShard)!.localPath)).toEqual(
      files[bigShard],
    );
  });

  it('rejects a corrupted small file by its git blob sha1', async () => {
    hub.setFault({ kind: 'corrupt-byte', path: 'data/extra.jsonl' });
    const error = await rejection(downloadHubDataset(uri, { client: client(), cacheDir }));
    expect(error).toMatchObject({
      name: 'HubIntegrityError',
      check: 'git-sha1',
      pathInRepo: 'data/extra.jsonl',
    });
  });

  it('explains a selection that matches nothing', async () => {
    const error = await rejection(
      downloadHubDataset(uri, { client: client(), cacheDir, extensions: ['.csv'] }),
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(
      /matches extensions \.csv\. There are 5 file\(s\) there, ending in \.jsonl, \.md, \.parquet/,
    );
  });

  it('requires cacheDir and a positive concurrency', async () => {
    const noCache = await rejection(downloadHubDataset(uri, { client: client() } as never));
    expect(noCache).toMatchObject({ name: 'InvalidArgumentError', argument: 'cacheDir' });
    expect(noCache.message).toContain('HF_HUB_CACHE');
    const badConcurrency = await rejection(
      downloadHubDataset(uri, { client: client(), cacheDir, concurrency: 0 }),
    );
    expect(badConcurrency).toMatchObject({ argument: 'concurrency' });
  });
});

describe('offline mode', () => {
  const throwingFetch: typeof fetch = () => {
    throw new Error('offline mode must not call fetch');
  };

  it('answers from a warm cache without calling fetch', async () => {
    const online = await downloadHubDataset(uri, { client: client(), cacheDir });
    const events: HubDownloadEvent[] = [];
    const offline = await downloadHubDataset(uri, {
      client: createHubClient({ endpoint: hub.url, fetch: throwingFetch }),
      cacheDir,
      offline: true,
      onEvent: (event) => events.push(event),
    });
    expect(offline).toEqual(online);
    expect(events[0]).toMatchObject({
      type: 'hub-listing',
      offline: true,
      fileCount: 4,
      commitSha: online.commitSha,
    });
    expect(events.slice(1).every((event) => event.type === 'hub-cache-hit')).toBe(true);

    const train = await downloadHubDataset(uri, { cacheDir, offline: true, split: 'train' });
    expect(train.files.map((file) => file.pathInRepo)).toEqual([
      bigShard,
      'data/train-00001-of-00002.parquet',
    ]);
    const pinned = await downloadHubDataset(`${uri}@${online.commitSha}/data/*.jsonl`, {
      cacheDir,
      offline: true,
    });
    expect(pinned.files.map((file) => file.pathInRepo)).toEqual(['data/extra.jsonl']);
  });

  it('says what is missing and how to fill a cold cache', async () => {
    const cold = await rejection(
      downloadHubDataset(uri, { client: createHubClient({ fetch: throwingFetch }), cacheDir, offline: true }),
    );
    expect(HubCacheMissError.isInstance(cold)).toBe(true);
    expect(cold).toMatchObject({ repoId, revision: 'main', cacheDir, missing: ['refs/main'] });
    expect(cold.message).toContain('there is no record of revision "main"');
    expect(cold.message).toContain('without `offline`');
    expect(cold.message).toContain(
      `hf download ${repoId} --repo-type dataset --revision main --cache-dir ${cacheDir}`,
    );
    expect(cold.message).toContain('local Parquet/JSONL files');

    const sha = 'f'.repeat(40);
    const unknownCommit = await rejection(downloadHubDataset(`${uri}@${sha}`, { cacheDir, offline: true }));
    expect(unknownCommit).toMatchObject({ name: 'HubCacheMissError', missing: [`snapshots/${sha}`] });
  });

  it('reports files whose blobs were deleted, and selections the snapshot lacks', async () => {
    await downloadHubDataset(uri, { client: client(), cacheDir });
    const nothing = await rejection(downloadHubDataset(uri, { cacheDir, offline: true, split: 'test' }));
    expect(nothing).toMatchObject({ name: 'HubCacheMissError' });
    expect(nothing.message).toContain('has no files matching split "test"');

    await rm(path.join(repoPaths().blobsDir, etagOf(bigShard)));
    const broken = await rejection(downloadHubDataset(uri, { cacheDir, offline: true }));
    expect(broken).toMatchObject({ name: 'HubCacheMissError' });
    expect((broken as HubCacheMissError).missing).toEqual([
      `snapshots/${hub.getDataset(repoId)!.sha}/${bigShard}`,
    ]);
  });
});
