import * as path from 'node:path';
import {
  createParquetWriter,
  makeEmbeddingVector,
  type ParquetWriter,
  takeRows,
  writeJsonl,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { CliError } from '../cli-error.js';
import { fileExists } from '../io/file-exists.js';
import type { RowChunk, RowFileFormat } from './row-chunks.js';

/** An embedding column to append to the rows written. */
export interface EmbeddingColumn {
  name: string;
  dimensions: number;
  /** One vector per row of the chunk (null for rows without text), in chunk order. */
  vectors: (Float32Array | null)[];
}

/** Where the embedding commands put their rows: Parquet or JSONL, complete or not at all. */
export interface RowSink {
  /** Appends the chunk's rows at `indices` (all rows when omitted), with the embedding column if given. */
  write(
    chunk: RowChunk,
    options?: { indices?: readonly number[]; embedding?: EmbeddingColumn },
  ): Promise<void>;
  /** Finishes the file and moves it into place; resolves to the number of rows written. */
  close(): Promise<number>;
  /** Drops the partial file; an existing file at the target is left untouched. */
  abort(): Promise<void>;
}

export async function openRowSink(
  file: string,
  format: RowFileFormat,
  { force, flag }: { force: boolean; flag: string },
): Promise<RowSink> {
  if (!force && (await fileExists(file))) {
    throw CliError.usage(`${flag} ${path.basename(file)}: file exists (pass --force to overwrite it)`);
  }
  return format === 'parquet' ? parquetSink(file) : jsonlSink(file);
}

function parquetSink(file: string): RowSink {
  // Created on the first write: the output schema is the input's plus the embedding column.
  let writer: ParquetWriter | undefined;
  let rows = 0;
  return {
    async write(chunk, { indices, embedding } = {}) {
      if (chunk.format !== 'parquet') throw new Error('a Parquet sink takes Parquet chunks');
      let table = indices === undefined ? chunk.table : takeRows(chunk.table, indices);
      if (embedding !== undefined) {
        const vectors =
          indices === undefined ? embedding.vectors : indices.map((i) => embedding.vectors[i] ?? null);
        const column = makeEmbeddingVector(vectors, embedding.dimensions);
        table = table.assign(new arrow.Table({ [embedding.name]: column }));
      }
      writer ??= createParquetWriter(file, { schema: table.schema });
      rows += table.numRows;
      await writer.write(table);
    },
    async close() {
      if (writer === undefined) throw new CliError('the input has no rows; nothing was written');
      await writer.close();
      return rows;
    },
    async abort() {
      await writer?.abort();
    },
  };
}

function jsonlSink(file: string): RowSink {
  // writeJsonl streams from an async iterable and renames into place only when it completes.
  const queue: Record<string, unknown>[][] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failed: unknown;
  async function* rowsToWrite(): AsyncGenerator<Record<string, unknown>> {
    for (;;) {
      const next = queue.shift();
      if (next !== undefined) {
        yield* next;
        continue;
      }
      if (finished) return;
      if (failed !== undefined) throw failed;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  const abortController = new AbortController();
  const done = writeJsonl(file, rowsToWrite(), { abortSignal: abortController.signal });
  done.catch(() => {});
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    async write(chunk, { indices, embedding } = {}) {
      if (chunk.format !== 'jsonl') throw new Error('a JSONL sink takes JSONL chunks');
      const selected = indices ?? chunk.rows.map((_, index) => index);
      queue.push(
        selected.map((index) => {
          const row = chunk.rows[index] as Record<string, unknown>;
          if (embedding === undefined) return row;
          const vector = embedding.vectors[index];
          return { ...row, [embedding.name]: vector == null ? null : Array.from(vector) };
        }),
      );
      notify();
    },
    async close() {
      finished = true;
      notify();
      return (await done).rows;
    },
    async abort() {
      failed = new Error('aborted');
      abortController.abort();
      notify();
      await done.catch(() => {});
    },
  };
}
