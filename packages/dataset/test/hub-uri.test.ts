import * as path from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../src/files/glob-to-reg-exp.js';
import {
  formatHubDatasetUri,
  getHubCachePaths,
  parseHubDatasetUri,
  resolveHubCacheDir,
} from '../src/hub/index.js';
import { createHubFileSelector } from '../src/hub/select-hub-files.js';

describe('parseHubDatasetUri', () => {
  it('reads the paper source with the default revision', () => {
    expect(parseHubDatasetUri('hf://datasets/ChristophSchuhmann/wikipedia-en-chunks')).toEqual({
      repoId: 'ChristophSchuhmann/wikipedia-en-chunks',
      revision: 'main',
    });
  });

  it('reads revisions, paths and globs', () => {
    expect(parseHubDatasetUri('hf://datasets/owner/name@v1.0')).toEqual({
      repoId: 'owner/name',
      revision: 'v1.0',
    });
    expect(
      parseHubDatasetUri('hf://datasets/owner/name@0123456789abcdef0123456789abcdef01234567/data/*.parquet'),
    ).toEqual({
      repoId: 'owner/name',
      revision: '0123456789abcdef0123456789abcdef01234567',
      pathInRepo: 'data/*.parquet',
    });
    expect(parseHubDatasetUri('hf://datasets/owner/name/data/')).toEqual({
      repoId: 'owner/name',
      revision: 'main',
      pathInRepo: 'data',
    });
    // Revisions with slashes: URL-encoded, or the two special ref families written plainly (as HfFileSystem does).
    expect(parseHubDatasetUri('hf://datasets/owner/name@refs%2Fconvert%2Fparquet/default/train')).toEqual({
      repoId: 'owner/name',
      revision: 'refs/convert/parquet',
      pathInRepo: 'default/train',
    });
    expect(parseHubDatasetUri('hf://datasets/owner/name@refs/pr/3')).toEqual({
      repoId: 'owner/name',
      revision: 'refs/pr/3',
    });
  });

  it.each([
    ['https://huggingface.co/datasets/owner/name', /hf:\/\/datasets/],
    ['hf://models/owner/name', /only dataset repositories/],
    ['hf://owner/name', /names no repository type/],
    ['hf://datasets/squad', /both an owner and a name/],
    ['hf://datasets//name', /neither part empty/],
    ['hf://datasets/own er/name', /only letters, digits/],
    ['hf://datasets/-owner/name', /may not start or end/],
    ['hf://datasets/owner/na--me', /"--" and ".."/],
    ['hf://datasets/owner/name.git', /\.git/],
    [`hf://datasets/owner/${'n'.repeat(100)}`, /at most 96/],
    ['hf://datasets/owner/name@', /must be followed/],
    ['hf://datasets/owner/name@%E0%A4%A', /URL encoding/],
    ['hf://datasets/owner/name@..%2F..%2Fetc', /not a valid revision/],
    ['hf://datasets/owner/name/../../etc/passwd', /"\.\." segments/],
  ])('rejects %s', (uri, message) => {
    let caught: unknown;
    try {
      parseHubDatasetUri(uri);
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect((caught as InvalidArgumentError).argument).toBe('uri');
    expect((caught as Error).message).toMatch(message);
  });

  it('formats locations back into URIs', () => {
    for (const uri of [
      'hf://datasets/owner/name',
      'hf://datasets/owner/name@v2/data/train-*.parquet',
      'hf://datasets/owner/name@refs/convert/parquet/default',
      'hf://datasets/owner/name@feature%2Fx',
    ]) {
      expect(formatHubDatasetUri(parseHubDatasetUri(uri))).toBe(uri);
    }
  });
});

describe('file selection', () => {
  const paths = [
    'README.md',
    'data/train-00000-of-00002.parquet',
    'data/train-00001-of-00002.parquet',
    'data/validation-00000-of-00001.parquet',
    'data/test.jsonl',
    'default/train/0000.parquet',
    'dev.jsonl',
    'interval.jsonl',
    'nested/deep/x.parquet',
  ];
  const select = (selection: Parameters<typeof createHubFileSelector>[0]) => {
    const selector = createHubFileSelector(selection);
    return paths.filter((candidate) => selector.matches(candidate));
  };

  it('keeps Parquet and JSONL by default', () => {
    expect(select({})).toEqual(paths.filter((candidate) => candidate !== 'README.md'));
    expect(select({ extensions: ['.md'] })).toEqual(['README.md']);
  });

  it('assigns splits like the datasets library (keywords between separators, synonyms)', () => {
    expect(select({ split: 'train' })).toEqual([
      'data/train-00000-of-00002.parquet',
      'data/train-00001-of-00002.parquet',
      'default/train/0000.parquet',
    ]);
    expect(select({ split: 'validation' })).toEqual(['data/validation-00000-of-00001.parquet', 'dev.jsonl']);
    expect(select({ split: 'test' })).toEqual(['data/test.jsonl']);
  });

  it('matches files, folders and globs, and lists only the folder a glob starts in', () => {
    expect(select({ pathInRepo: 'data' })).toHaveLength(4);
    expect(select({ pathInRepo: 'data/test.jsonl' })).toEqual(['data/test.jsonl']);
    expect(select({ pathInRepo: 'data/train-*.parquet' })).toHaveLength(2);
    expect(select({ pathInRepo: '**/x.parquet' })).toEqual(['nested/deep/x.parquet']);
    expect(select({ pathInRepo: 'default/*' })).toEqual(['default/train/0000.parquet']);
    expect(select({ pathInRepo: 'data/{test,dev}.jsonl' })).toEqual(['data/test.jsonl']);
    expect(createHubFileSelector({ pathInRepo: 'data/train-*.parquet' }).listPath).toBe('data');
    expect(createHubFileSelector({ pathInRepo: 'data/test.jsonl' }).listPath).toBe('data');
    expect(createHubFileSelector({ pathInRepo: '**/*.parquet' }).listPath).toBeUndefined();
  });

  it('compiles globs segment by segment', () => {
    expect(globToRegExp('a/**/b').test('a/b')).toBe(true);
    expect(globToRegExp('a/**/b').test('a/x/y/b')).toBe(true);
    expect(globToRegExp('a/*').test('a/x/y')).toBe(false);
    expect(globToRegExp('file-[0-9].txt').test('file-7.txt')).toBe(true);
    expect(globToRegExp('file-[!0-9].txt').test('file-7.txt')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('rejects malformed selections', () => {
    expect(() => createHubFileSelector({ extensions: [''] })).toThrow(/extensions/);
    expect(() => createHubFileSelector({ split: 'train/../x' })).toThrow(/split/);
  });
});

describe('cache locations', () => {
  it('resolves the cache folder as huggingface_hub does', () => {
    const home = '/home/ada';
    expect(resolveHubCacheDir({}, home)).toBe(path.join(home, '.cache', 'huggingface', 'hub'));
    expect(resolveHubCacheDir({ XDG_CACHE_HOME: '/xdg' }, home)).toBe(
      path.join('/xdg', 'huggingface', 'hub'),
    );
    expect(resolveHubCacheDir({ HF_HOME: '~/hf', XDG_CACHE_HOME: '/xdg' }, home)).toBe(
      path.join(home, 'hf', 'hub'),
    );
    expect(resolveHubCacheDir({ HF_HUB_CACHE: '/cache', HF_HOME: '/hf' }, home)).toBe('/cache');
    expect(resolveHubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HUB_CACHE: '' }, home)).toBe('/legacy');
  });

  it('names the repository folder datasets--owner--name', () => {
    expect(getHubCachePaths('/cache', 'ChristophSchuhmann/wikipedia-en-chunks')).toEqual({
      repoDir: path.join('/cache', 'datasets--ChristophSchuhmann--wikipedia-en-chunks'),
      blobsDir: path.join('/cache', 'datasets--ChristophSchuhmann--wikipedia-en-chunks', 'blobs'),
      snapshotsDir: path.join('/cache', 'datasets--ChristophSchuhmann--wikipedia-en-chunks', 'snapshots'),
      refsDir: path.join('/cache', 'datasets--ChristophSchuhmann--wikipedia-en-chunks', 'refs'),
    });
  });
});
