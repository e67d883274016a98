import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import { readJsonlLines } from '../jsonl/read-jsonl.js';
import { assertReadableFile } from '../parquet/open-parquet-file.js';
import { readParquet } from '../parquet/read-parquet.js';
import { readParquetMetadata } from '../parquet/read-parquet-metadata.js';
import { deriveSeed, type Seed } from '../random/create-seeded-random.js';
import { seededPermutation, shuffleInPlace } from '../random/seeded-permutation.js';
import { shuffleBuffered } from '../random/shuffle-buffered.js';
import { countCharacters } from './count-characters.js';
import type { SourceDocument } from './source-document.js';

export interface ReadSourceFilesOptions {
  /** Column (Parquet) or key (JSONL) holding the text. Default: the first of text, content, body, document, passage. */
  textColumn?: string;
  /** Column or key holding a stable id. Default `id` when present, otherwise `<file>:<row>`. */
  idColumn?: string;
  /** Column or key holding a title. Default `title` when present. */
  titleColumn?: string;
  /** Documents shorter than this (in Unicode code points) are skipped. Default 700 (DESIGN §5). */
  minCharacters?: number;
  /**
   * How a .txt file is split: `paragraphs` (default), one document per blank-line-separated paragraph,
   * trimmed; or `file`, the whole file as one document. Titles of text documents are the file name.
   */
  textFileMode?: 'paragraphs' | 'file';
  /**
   * Shuffle with this seed (see `readSourceFiles`). Without it, documents come in file order.
   */
  seed?: Seed;
  /** Documents held by the shuffle buffer. Default 10,000. */
  shuffleBufferSize?: number;
  /** Parquet rows decoded per batch. Default 10,000. */
  batchSize?: number;
  abortSignal?: AbortSignal;
}

export const defaultTextColumns: readonly string[] = ['text', 'content', 'body', 'document', 'passage'];

// Separate random streams per stage, so that e.g. adding a file does not reshuffle the buffer stage.
const fileOrderStream = 1;
const bufferStream = 2;
const rowGroupStream = 1_000;

/**
 * Reads source documents from local Parquet, JSONL and text files, in the order given, keeping those
 * with at least `minCharacters` characters.
 *
 * With a `seed`, the order is shuffled without loading everything: first the file order, then the
 * row-group order inside each Parquet file, then a streaming buffer shuffle over the documents (the
 * approach of Hugging Face datasets' `IterableDataset.shuffle`). It is an approximation of a full
 * shuffle (a document can only move forward by the buffer size beyond the coarse shuffles), and it
 * is deterministic: the same files, options and seed always give the same sequence.
 */
export async function* readSourceFiles(
  files: readonly string[],
  options: ReadSourceFilesOptions = {},
): AsyncGenerator<SourceDocument, void, undefined> {
  const { minCharacters = 700, seed, shuffleBufferSize = 10_000, abortSignal } = options;
  if (!Number.isSafeInteger(minCharacters) || minCharacters < 0) {
    throw new InvalidArgumentError({
      argument: 'minCharacters',
      value: minCharacters,
      message: 'expected a non-negative integer.',
    });
  }
  const ordered = files.map((file, index) => ({ file, index }));
  if (seed !== undefined) shuffleInPlace(ordered, deriveSeed(seed, fileOrderStream));

  async function* all(): AsyncGenerator<SourceDocument> {
    for (const { file, index } of ordered) {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      const rowGroupSeed = seed === undefined ? undefined : deriveSeed(seed, rowGroupStream + index);
      for await (const document of documentsOf(file, options, rowGroupSeed)) {
        if (document.text !== '' && countCharacters(document.text) >= minCharacters) yield document;
      }
    }
  }

  if (seed === undefined) yield* all();
  else
    yield* shuffleBuffered(all(), {
      seed: deriveSeed(seed, bufferStream),
      bufferSize: shuffleBufferSize,
      abortSignal,
    });
}

function documentsOf(
  file: string,
  options: ReadSourceFilesOptions,
  rowGroupSeed: bigint | undefined,
): AsyncGenerator<SourceDocument> {
  const extension = extname(file).toLowerCase();
  if (extension === '.parquet') return parquetDocuments(file, options, rowGroupSeed);
  if (extension === '.jsonl' || extension === '.ndjson') return jsonlDocuments(file, options);
  if (extension === '.txt') return textDocuments(file, options);
  throw new InvalidArgumentError({
    argument: 'files',
    value: file,
    message: `${file}: unsupported file type; expected .parquet, .jsonl, .ndjson or .txt.`,
  });
}

function pickTextColumn(file: string, names: string[], requested: string | undefined, where: string): string {
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new DatasetFormatError({
        file,
        message: `${where} has no text column "${requested}"; its columns are ${names.join(', ')}.`,
      });
    }
    return requested;
  }
  const found = defaultTextColumns.find((name) => names.includes(name));
  if (!found) {
    throw new DatasetFormatError({
      file,
      message: `${where} has none of the text columns ${defaultTextColumns.join(', ')} (its columns are ${names.join(', ')}); pass textColumn.`,
    });
  }
  return found;
}

function pickOptionalColumn(
  file: string,
  names: string[],
  requested: string | undefined,
  fallback: string,
  kind: string,
  where: string,
): string | undefined {
  if (requested === undefined) return names.includes(fallback) ? fallback : undefined;
  if (!names.includes(requested)) {
    throw new DatasetFormatError({
      file,
      message: `${where} has no ${kind} column "${requested}"; its columns are ${names.join(', ')}.`,
    });
  }
  return requested;
}

function identifier(value: unknown, file: string, row: number): string {
  if (value === null || value === undefined || value === '') return `${file}:${row}`;
  return typeof value === 'string' ? value : String(value);
}

async function* parquetDocuments(
  file: string,
  options: ReadSourceFilesOptions,
  rowGroupSeed: bigint | undefined,
): AsyncGenerator<SourceDocument> {
  const metadata = await readParquetMetadata(file);
  const names = metadata.schema.fields.map((field) => field.name);
  const textColumn = pickTextColumn(file, names, options.textColumn, file);
  const textType = metadata.schema.fields.find((field) => field.name === textColumn)?.type;
  if (!arrow.DataType.isUtf8(textType) && !arrow.DataType.isLargeUtf8(textType)) {
    throw new DatasetFormatError({
      file,
      message: `${file}: text column "${textColumn}" is ${String(textType)}, expected a string column.`,
    });
  }
  const idColumn = pickOptionalColumn(file, names, options.idColumn, 'id', 'id', file);
  const titleColumn = pickOptionalColumn(file, names, options.titleColumn, 'title', 'title', file);
  const columns = [...new Set([textColumn, idColumn, titleColumn].filter((name) => name !== undefined))];

  const rowGroupRows = metadata.rowGroupRows;
  const firstRow: number[] = [];
  let total = 0;
  for (const rows of rowGroupRows) {
    firstRow.push(total);
    total += rows;
  }
  const order = Array.from(
    rowGroupSeed === undefined ? rowGroupRows.keys() : seededPermutation(rowGroupRows.length, rowGroupSeed),
  ).filter((rowGroup) => (rowGroupRows[rowGroup] as number) > 0);
  let position = 0;
  let rowInGroup = 0;
  for await (const batch of readParquet(file, {
    columns,
    rowGroups: order,
    batchSize: options.batchSize,
    abortSignal: options.abortSignal,
  })) {
    const text = batch.getChild(textColumn) as arrow.Vector;
    const id = idColumn === undefined ? undefined : (batch.getChild(idColumn) as arrow.Vector);
    const title = titleColumn === undefined ? undefined : (batch.getChild(titleColumn) as arrow.Vector);
    for (let index = 0; index < batch.numRows; index++) {
      // Batches never span row groups, so the row number follows from the row-group order.
      const rowGroup = order[position] as number;
      const row = (firstRow[rowGroup] as number) + rowInGroup;
      rowInGroup++;
      if (rowInGroup === rowGroupRows[rowGroup]) {
        position++;
        rowInGroup = 0;
      }
      const value = text.get(index) as string | null;
      if (value === null) continue;
      const titleValue = title?.get(index) as unknown;
      yield {
        id: identifier(id?.get(index), file, row),
        ...(titleValue === null || titleValue === undefined ? {} : { title: String(titleValue) }),
        text: value,
        source: { file, row },
      };
    }
  }
}

async function* jsonlDocuments(
  file: string,
  options: ReadSourceFilesOptions,
): AsyncGenerator<SourceDocument> {
  let textColumn: string | undefined;
  let row = 0;
  for await (const { line, value: object } of readJsonlLines(file, { abortSignal: options.abortSignal })) {
    if (textColumn === undefined) {
      // Columns are resolved on the first record, like a header; explicit names must exist there.
      const names = Object.keys(object);
      const where = `${file}:${line} (first record)`;
      textColumn = pickTextColumn(file, names, options.textColumn, where);
      pickOptionalColumn(file, names, options.idColumn, 'id', 'id', where);
      pickOptionalColumn(file, names, options.titleColumn, 'title', 'title', where);
    }
    const value = object[textColumn];
    const current = row++;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      throw new DatasetFormatError({
        file,
        line,
        message: `${file}:${line}: "${textColumn}" is ${describeValue(value)}, expected a string.`,
      });
    }
    const idValue = object[options.idColumn ?? 'id'];
    const titleValue = object[options.titleColumn ?? 'title'];
    yield {
      id: identifier(idValue, file, current),
      ...(titleValue === null || titleValue === undefined ? {} : { title: String(titleValue) }),
      text: value,
      source: { file, row: current },
    };
  }
}

async function* textDocuments(file: string, options: ReadSourceFilesOptions): AsyncGenerator<SourceDocument> {
  const title = basename(file, extname(file));
  await assertReadableFile(file, 'files');
  if (options.textFileMode === 'file') {
    const text = (await readFile(file, { encoding: 'utf8', signal: options.abortSignal }))
      .replace(/^\ufeff/, '')
      .trim();
    yield { id: `${file}:0`, title, text, source: { file, row: 0 } };
    return;
  }
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let paragraph: string[] = [];
  let row = 0;
  const take = (): SourceDocument | undefined => {
    const text = paragraph.join('\n').trim();
    paragraph = [];
    if (text === '') return undefined;
    const current = row++;
    return { id: `${file}:${current}`, title, text, source: { file, row: current } };
  };
  try {
    let first = true;
    for await (const raw of lines) {
      if (options.abortSignal?.aborted) throw CancelledError.fromSignal(options.abortSignal);
      const text = first ? raw.replace(/^\ufeff/, '') : raw;
      first = false;
      if (text.trim() === '') {
        const document = take();
        if (document) yield document;
      } else {
        paragraph.push(text);
      }
    }
    const document = take();
    if (document) yield document;
  } finally {
    lines.close();
    input.destroy();
  }
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
