import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  countCharacters,
  DatasetFormatError,
  expandLocalPaths,
  makeUtf8Vector,
  openLocalSource,
  readSourceFiles,
  type SourceDocument,
  writeJsonl,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './support/temporary-directory.js';

const long = (label: string) =>
  `${label} ${'This sentence makes the text long enough to keep. '.repeat(16)}`.trim();

let dir: string;
let parquetPath: string;

async function collect(source: AsyncIterable<SourceDocument>): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for await (const document of source) documents.push(document);
  return documents;
}

beforeAll(async () => {
  dir = await temporaryDirectory();
  await mkdir(join(dir, 'corpus', 'nested'), { recursive: true });
  await mkdir(join(dir, 'corpus', '.hidden'), { recursive: true });
  parquetPath = join(dir, 'corpus', 'a.parquet');
  // 250 rows in row groups of 50; every 10th text is short and must be filtered out.
  await writeParquet(
    parquetPath,
    new arrow.Table({
      id: makeUtf8Vector(Array.from({ length: 250 }, (_, row) => `p${row}`)),
      title: makeUtf8Vector(Array.from({ length: 250 }, (_, row) => (row % 3 === 0 ? null : `Title ${row}`))),
      text: makeUtf8Vector(
        Array.from({ length: 250 }, (_, row) => (row % 10 === 9 ? 'too short' : long(`parquet ${row}`))),
      ),
    }),
    { rowGroupSize: 50 },
  );
  await writeJsonl(join(dir, 'corpus', 'nested', 'b.jsonl'), [
    { content: long('jsonl 0'), title: 'J0' },
    { content: 'short' },
    { content: null },
    { content: long('jsonl 3'), id: 'custom-id' },
  ]);
  await writeFile(
    join(dir, 'corpus', 'c.txt'),
    `${long('para 0')}\n${long('para 0, second line')}\n\n\n${long('para 1')}\n   \nshort paragraph\n`,
  );
  await writeFile(join(dir, 'corpus', '.hidden', 'ignored.txt'), long('hidden'));
  await writeFile(join(dir, 'corpus', 'notes.md'), long('not a source'));
});

describe('openLocalSource', () => {
  it('reads a folder in sorted order, filters by length, and says where each document came from', async () => {
    const documents = await collect(openLocalSource(join(dir, 'corpus')));
    const files = [...new Set(documents.map((document) => document.source.file))];
    expect(files).toEqual([
      join(dir, 'corpus', 'a.parquet'),
      join(dir, 'corpus', 'c.txt'),
      join(dir, 'corpus', 'nested', 'b.jsonl'),
    ]);
    const fromParquet = documents.filter((document) => document.source.file === parquetPath);
    expect(fromParquet).toHaveLength(225);
    expect(fromParquet[0]).toEqual({
      id: 'p0',
      text: long('parquet 0'),
      source: { file: parquetPath, row: 0 },
    });
    expect(fromParquet[1]).toMatchObject({ id: 'p1', title: 'Title 1', source: { row: 1 } });
    expect(fromParquet.every((document) => countCharacters(document.text) >= 700)).toBe(true);

    const text = documents.filter((document) => document.source.file.endsWith('c.txt'));
    expect(text.map((document) => document.source.row)).toEqual([0, 1]);
    expect(text[0]?.text).toBe(`${long('para 0')}\n${long('para 0, second line')}`);
    expect(text[0]?.title).toBe('c');
    expect(text[0]?.id).toBe(`${join(dir, 'corpus', 'c.txt')}:0`);

    const jsonl = documents.filter((document) => document.source.file.endsWith('b.jsonl'));
    expect(jsonl.map((document) => [document.id, document.title, document.source.row])).toEqual([
      [`${join(dir, 'corpus', 'nested', 'b.jsonl')}:0`, 'J0', 0],
      ['custom-id', undefined, 3],
    ]);
  });

  it('matches globs and lowers the length filter on request', async () => {
    const documents = await collect(
      openLocalSource(join(dir, 'corpus', '**', '*.{jsonl,txt}'), { minCharacters: 0 }),
    );
    expect(documents.map((document) => document.text.slice(0, 10))).toEqual([
      long('para 0').slice(0, 10),
      long('para 1').slice(0, 10),
      'short para',
      long('jsonl 0').slice(0, 10),
      'short',
      long('jsonl 3').slice(0, 10),
    ]);
    expect(await expandLocalPaths(join(dir, 'corpus', '*.parquet'))).toEqual([parquetPath]);
    await expect(expandLocalPaths(join(dir, 'corpus', '*.csv'))).rejects.toThrow(/no file matches/);
    await expect(expandLocalPaths(join(dir, 'corpus', 'notes.md'))).rejects.toThrow(
      /not a supported source file/,
    );
    await expect(expandLocalPaths(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });

  it('reads a whole text file as one document in file mode', async () => {
    const documents = await collect(openLocalSource(join(dir, 'corpus', 'c.txt'), { textFileMode: 'file' }));
    expect(documents).toHaveLength(1);
    expect(documents[0]?.text.startsWith(long('para 0'))).toBe(true);
    expect(documents[0]?.text.endsWith('short paragraph')).toBe(true);
  });

  it('uses the columns it is told to, and lists the columns when the text column is missing', async () => {
    const titles = await collect(
      openLocalSource(parquetPath, { textColumn: 'title', idColumn: 'title', minCharacters: 0 }),
    );
    expect(titles).toHaveLength(166);
    expect(titles[0]).toMatchObject({ id: 'Title 1', text: 'Title 1' });
    await expect(collect(openLocalSource(parquetPath, { textColumn: 'body' }))).rejects.toThrow(
      /has no text column "body"; its columns are id, title, text/,
    );
    const noText = join(dir, 'no-text.parquet');
    await writeParquet(noText, new arrow.Table({ name: makeUtf8Vector(['x']) }));
    const error = await collect(openLocalSource(noText)).catch((caught: unknown) => caught);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /has none of the text columns text, content, body, document, passage/,
    );
    const badJsonl = join(dir, 'bad-text.jsonl');
    await writeFile(badJsonl, '{"text":"ok"}\n{"text":{"nested":true}}\n');
    await expect(collect(openLocalSource(badJsonl, { minCharacters: 0 }))).rejects.toThrow(
      `${badJsonl}:2: "text" is an object, expected a string.`,
    );
  });
});

describe('seeded shuffle', () => {
  it('is deterministic for a seed, differs across seeds, and keeps every document exactly once', async () => {
    const options = { minCharacters: 0, shuffleBufferSize: 30 };
    const plain = await collect(openLocalSource(join(dir, 'corpus'), options));
    const first = await collect(openLocalSource(join(dir, 'corpus'), { ...options, seed: 13 }));
    const again = await collect(openLocalSource(join(dir, 'corpus'), { ...options, seed: 13 }));
    const other = await collect(openLocalSource(join(dir, 'corpus'), { ...options, seed: 14 }));
    const key = (document: SourceDocument) => `${document.source.file}#${document.source.row}`;
    expect(first.map(key)).toEqual(again.map(key));
    expect(other.map(key)).not.toEqual(first.map(key));
    expect(first.map(key)).not.toEqual(plain.map(key));
    expect([...first.map(key)].sort()).toEqual([...plain.map(key)].sort());
    // Row groups are shuffled too (for seed 13 the order is 4, 3, 0, 1, 2), and a buffer of 30 cannot
    // reach past the first row group read, so the first Parquet documents out are rows 200-249.
    const parquetRows = first
      .filter((document) => document.source.file === parquetPath)
      .map((document) => document.source.row);
    expect(parquetRows.slice(0, 15).every((row) => row >= 200)).toBe(true);
    expect(parquetRows.slice(0, 15)).not.toEqual([...parquetRows.slice(0, 15)].sort((a, b) => a - b));
    // Records keep their content when shuffled.
    const byKey = new Map(plain.map((document) => [key(document), document]));
    for (const document of first) expect(document).toEqual(byKey.get(key(document)));
  });

  it('works on any list of files, as the Hub loader uses it on downloaded shards', async () => {
    const files = [parquetPath, join(dir, 'corpus', 'nested', 'b.jsonl')];
    const documents = await collect(readSourceFiles(files, { seed: 3, shuffleBufferSize: 1_000 }));
    expect(documents).toHaveLength(227);
    await expect(collect(readSourceFiles([join(dir, 'corpus', 'notes.md')]))).rejects.toThrow(
      /unsupported file type/,
    );
  });
});

describe('countCharacters', () => {
  it('counts code points like Python len', () => {
    expect(countCharacters('abc')).toBe(3);
    expect(countCharacters('🎙️')).toBe(2);
    expect('🎙️'.length).toBe(3);
    expect(countCharacters('東京')).toBe(2);
    expect(countCharacters('\ud800')).toBe(1);
  });
});
