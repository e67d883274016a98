import { createHash } from 'node:crypto';
import { type FakeHuggingFaceHub, startFakeHuggingFaceHub } from '@tonekit/test-kit';
import { afterEach, describe, expect, it } from 'vitest';

const repoId = 'tonekit/tiny-chunks';
const parquet = Buffer.from(Array.from({ length: 5000 }, (_, index) => index % 251));
const jsonl = '{"id":1,"text":"hello"}\n{"id":2,"text":"world"}\n';
const sha256 = (content: Uint8Array | string) => createHash('sha256').update(content).digest('hex');
const gitOid = (content: Buffer) =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');

let hub: FakeHuggingFaceHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function start(options: Partial<Parameters<typeof startFakeHuggingFaceHub>[0]> = {}) {
  hub = await startFakeHuggingFaceHub({
    datasets: {
      [repoId]: {
        sha: 'a'.repeat(40),
        refs: ['main', 'v1'],
        files: {
          'data/train-00000-of-00001.parquet': parquet,
          'data/validation.jsonl': jsonl,
          'README.md': '# tiny',
        },
      },
      'tonekit/gated': { files: { 'data.jsonl': jsonl }, gated: { tokens: ['hf_good'] } },
    },
    ...options,
  });
  return hub;
}

describe('startFakeHuggingFaceHub', () => {
  it('serves dataset info for a revision, on 127.0.0.1', async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/api/datasets/${repoId}/revision/v1`);
    expect(response.status).toBe(200);
    const info = (await response.json()) as Record<string, unknown>;
    expect(info).toMatchObject({ id: repoId, sha: 'a'.repeat(40), gated: false, private: false });
    expect(info.siblings).toEqual([
      { rfilename: 'README.md' },
      { rfilename: 'data/train-00000-of-00001.parquet' },
      { rfilename: 'data/validation.jsonl' },
    ]);
  });

  it('lists the tree with folders, LFS metadata and Link pagination', async () => {
    const { url } = await start({ pageSize: 2 });
    const pages: unknown[][] = [];
    let next: string | undefined = `${url}/api/datasets/${repoId}/tree/main?recursive=true`;
    while (next !== undefined) {
      const response = await fetch(next);
      pages.push((await response.json()) as unknown[]);
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    expect(pages.flat()).toEqual([
      { type: 'file', oid: gitOid(Buffer.from('# tiny')), size: 6, path: 'README.md' },
      { type: 'directory', oid: expect.stringMatching(/^[0-9a-f]{40}$/), size: 0, path: 'data' },
      {
        type: 'file',
        oid: gitOid(parquet),
        size: parquet.length,
        path: 'data/train-00000-of-00001.parquet',
        lfs: { oid: sha256(parquet), size: parquet.length, pointerSize: 134 },
      },
      {
        type: 'file',
        oid: gitOid(Buffer.from(jsonl)),
        size: Buffer.byteLength(jsonl),
        path: 'data/validation.jsonl',
      },
    ]);
    const folder = await fetch(`${url}/api/datasets/${repoId}/tree/main/data`);
    expect(((await folder.json()) as { path: string }[]).map((entry) => entry.path)).toEqual([
      'data/train-00000-of-00001.parquet',
      'data/validation.jsonl',
    ]);
    const missing = await fetch(`${url}/api/datasets/${repoId}/tree/main/nope`);
    expect([missing.status, missing.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
  });

  it('resolves small files with ETag and X-Repo-Commit, and honors Range with 206 and 416', async () => {
    const { url } = await start();
    const full = await fetch(`${url}/datasets/${repoId}/resolve/main/data/validation.jsonl`);
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${gitOid(Buffer.from(jsonl))}"`);
    expect(full.headers.get('x-repo-commit')).toBe('a'.repeat(40));
    expect(await full.text()).toBe(jsonl);

    const partial = await fetch(`${url}/datasets/${repoId}/resolve/main/data/validation.jsonl`, {
      headers: { range: 'bytes=10-' },
    });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 10-${jsonl.length - 1}/${jsonl.length}`);
    expect(await partial.text()).toBe(jsonl.slice(10));

    const beyond = await fetch(`${url}/datasets/${repoId}/resolve/main/data/validation.jsonl`, {
      headers: { range: `bytes=${jsonl.length}-` },
    });
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${jsonl.length}`]);
  });

  it('redirects LFS files to the CDN origin with X-Linked-Etag and X-Linked-Size', async () => {
    const fake = await start();
    const path = 'data/train-00000-of-00001.parquet';
    const redirect = await fetch(`${fake.url}/datasets/${repoId}/resolve/main/${path}`, {
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('x-linked-etag')).toBe(`"${sha256(parquet)}"`);
    expect(redirect.headers.get('x-linked-size')).toBe(String(parquet.length));
    const location = redirect.headers.get('location')!;
    expect(location.startsWith(fake.cdnUrl)).toBe(true);
    expect(fake.cdnUrl).not.toBe(fake.url);

    const download = await fetch(location, { headers: { range: 'bytes=4000-' } });
    expect(download.status).toBe(206);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(parquet.subarray(4000));
    expect(
      fake.requests.map(({ server, endpoint, path: requested, status }) => [
        server,
        endpoint,
        requested,
        status,
      ]),
    ).toEqual([
      ['hub', 'resolve', path, 302],
      ['cdn', 'cdn', path, 206],
    ]);
    expect(fake.requests[1]?.headers.range).toBe('bytes=4000-');
  });

  it('answers unknown repositories, revisions and files like the Hub', async () => {
    const { url } = await start();
    const anonymous = await fetch(`${url}/api/datasets/nobody/nothing/revision/main`);
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
    const withToken = await fetch(`${url}/api/datasets/nobody/nothing/revision/main`, {
      headers: { authorization: 'Bearer hf_any' },
    });
    expect([withToken.status, withToken.headers.get('x-error-code')]).toEqual([404, 'RepoNotFound']);
    const revision = await fetch(`${url}/api/datasets/${repoId}/revision/nope`);
    expect([revision.status, revision.headers.get('x-error-code')]).toEqual([404, 'RevisionNotFound']);
    const file = await fetch(`${url}/datasets/${repoId}/resolve/main/nope.parquet`);
    expect([file.status, file.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
  });

  it('gates downloads: 401 without a token, 403 with a token not allowed, 200 with an allowed one', async () => {
    const { url } = await start();
    const info = await fetch(`${url}/api/datasets/tonekit/gated`);
    expect(((await info.json()) as { gated: unknown }).gated).toBe('manual');
    const resolve = (token?: string) =>
      fetch(`${url}/datasets/tonekit/gated/resolve/main/data.jsonl`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    const anonymous = await resolve();
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'GatedRepo']);
    const denied = await resolve('hf_bad');
    expect([denied.status, denied.headers.get('x-error-code')]).toEqual([403, 'GatedRepo']);
    const allowed = await resolve('hf_good');
    expect([allowed.status, await allowed.text()]).toEqual([200, jsonl]);
  });

  it('injects statuses with Retry-After a limited number of times', async () => {
    const fake = await start();
    fake.setFault({ kind: 'status', status: 429, retryAfter: '2', on: 'dataset-info', times: 2 });
    const statuses: (number | string | null)[][] = [];
    for (let index = 0; index < 3; index++) {
      const response = await fetch(`${fake.url}/api/datasets/${repoId}`);
      statuses.push([response.status, response.headers.get('retry-after')]);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([
      [429, '2'],
      [429, '2'],
      [200, null],
    ]);
    expect(fake.requests.map((request) => request.fault)).toEqual(['status', 'status', undefined]);
  });

  it('drops the connection mid-body, slows bodies down and corrupts bytes on demand', async () => {
    const fake = await start();
    const path = 'data/train-00000-of-00001.parquet';
    const cdnLocation = async () =>
      (
        await fetch(`${fake.url}/datasets/${repoId}/resolve/main/${path}`, { redirect: 'manual' })
      ).headers.get('location')!;

    fake.setFault({ kind: 'drop-mid-body', afterBytes: 1000, path });
    const dropped = await fetch(await cdnLocation());
    expect(dropped.status).toBe(200);
    await expect(dropped.arrayBuffer()).rejects.toThrow();

    fake.setFault({ kind: 'slow-body', delayMs: 30, chunkBytes: 2000 });
    const startedAt = Date.now();
    const slow = await fetch(await cdnLocation());
    expect(Buffer.from(await slow.arrayBuffer())).toEqual(parquet);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(50);

    fake.setFault({ kind: 'corrupt-byte', offset: 7 });
    const corrupt = Buffer.from(await (await fetch(await cdnLocation())).arrayBuffer());
    expect(corrupt.length).toBe(parquet.length);
    expect(corrupt[7]).toBe(parquet[7]! ^ 0xff);
    expect(Buffer.concat([corrupt.subarray(0, 7), corrupt.subarray(8)])).toEqual(
      Buffer.concat([parquet.subarray(0, 7), parquet.subarray(8)]),
    );

    const clean = Buffer.from(await (await fetch(await cdnLocation())).arrayBuffer());
    expect(clean).toEqual(parquet);
  });

  it('replaces datasets (a new commit) and closes with slow bodies still pending', async () => {
    const fake = await start();
    const before = fake.getDataset(repoId)!.sha;
    fake.setDataset(repoId, { files: { 'data/train.jsonl': jsonl } });
    const after = fake.getDataset(repoId)!;
    expect(after.sha).not.toBe(before);
    expect(after.files.map((file) => [file.path, file.lfs, file.etag])).toEqual([
      ['data/train.jsonl', false, gitOid(Buffer.from(jsonl))],
    ]);

    fake.setFault({ kind: 'slow-body', delayMs: 60_000, chunkBytes: 1 });
    const response = await fetch(`${fake.url}/datasets/${repoId}/resolve/main/data/train.jsonl`);
    const body = response.arrayBuffer();
    await fake.close();
    await expect(body).rejects.toThrow();
    await expect(fetch(`${fake.url}/api/datasets/${repoId}`)).rejects.toThrow();
  });
});
