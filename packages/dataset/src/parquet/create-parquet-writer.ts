import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { asyncDispose, CancelledError, InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';
import {
  Compression,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm';
import { isArrowSchema, isArrowTable } from '../arrow/is-arrow-table.js';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import { temporaryPath } from '../files/temporary-path.js';
import { conformBatch } from './conform-batch.js';
import { readParquetMetadata } from './read-parquet-metadata.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export interface ParquetWriterOptions {
  /** Every batch written must have these columns with these types (order may differ). */
  schema: arrow.Schema;
  /** Default `zstd`: the smallest files at a write speed close to snappy's (see the benchmark). */
  compression?: ParquetCompression;
  /** Rows per row group. Default 10,000: small enough to stream, large enough to compress well. */
  rowGroupSize?: number;
  /** Footer key-value metadata, visible to pyarrow (`schema.metadata`) and DuckDB (`parquet_kv_metadata`). */
  keyValueMetadata?: Record<string, string>;
  /** Aborting discards the temporary file; pending and later calls reject with CancelledError. */
  abortSignal?: AbortSignal;
}

export interface ParquetWriteResult {
  rows: number;
  bytes: number;
}

export interface ParquetWriter {
  /** Appends rows. Resolves once the data has been handed to the encoder (backpressure). */
  write(data: arrow.RecordBatch | arrow.Table): Promise<void>;
  /** Finishes the file, checks its row count, and moves it to its final path. */
  close(): Promise<ParquetWriteResult>;
  /** Stops writing and deletes the temporary file; `path` is left untouched. */
  abort(): Promise<void>;
  /** Aborts unless closed, so `await using` never leaves a half-written file behind. */
  [Symbol.asyncDispose](): Promise<void>;
}

// Batches go to wasm in pieces of about this many bytes. wasm memory never shrinks, and its allocator
// fragments on large blocks: streaming 300k rows of ~700 bytes in 10,000-row pieces grew it to 113 MB,
// in 4,000-row pieces to 44 MB, in 1,000-row pieces to 34 MB, while small pieces cost time (2.9 s,
// 3.8 s, 5.7 s). Row groups are unaffected: the encoder accumulates pieces up to `rowGroupSize`.
const pieceBytes = 3 * 1024 * 1024;

const compressionCodes: Record<ParquetCompression, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  none: Compression.UNCOMPRESSED,
};

// Encoded bytes are collected up to this size before a write system call: the encoder emits many
// small chunks, and one call per chunk costs more than the copy.
const flushBytes = 4 * 1024 * 1024;

/**
 * Writes a Parquet file incrementally, row group by row group, with parquet-wasm's streaming writer
 * (`transformParquetStream`), so memory stays bounded by about one row group however many rows are
 * written. The file appears at `path` only when complete: data goes to `<path>.tmp-<random>` and is
 * renamed on `close()`; `abort()`, an error or a crash leave nothing at `path`.
 *
 * The streaming writer swallows encoding errors (the file simply ends early), so `close()` reads the
 * footer back and rejects with DatasetFormatError when the row count differs from what was written.
 */
export function createParquetWriter(path: string, options: ParquetWriterOptions): ParquetWriter {
  const { schema, compression = 'zstd', rowGroupSize = 10_000, keyValueMetadata, abortSignal } = options;
  if (!isArrowSchema(schema)) {
    throw new InvalidArgumentError({
      argument: 'schema',
      value: schema,
      message: 'expected an apache-arrow Schema.',
    });
  }
  if (schema.fields.length === 0) {
    throw new InvalidArgumentError({
      argument: 'schema',
      value: schema,
      message: 'the schema has no columns.',
    });
  }
  if (!(compression in compressionCodes)) {
    throw new InvalidArgumentError({
      argument: 'compression',
      value: compression,
      message: `expected one of ${Object.keys(compressionCodes).join(', ')}.`,
    });
  }
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new InvalidArgumentError({
      argument: 'rowGroupSize',
      value: rowGroupSize,
      message: 'expected a positive integer.',
    });
  }
  abortSignal?.throwIfAborted();

  const buildProperties = () => {
    let builder = new WriterPropertiesBuilder()
      .setCompression(compressionCodes[compression])
      .setMaxRowGroupSize(rowGroupSize);
    if (keyValueMetadata) builder = builder.setKeyValueMetadata(new Map(Object.entries(keyValueMetadata)));
    return builder.build();
  };

  const temporary = temporaryPath(path);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(temporary, 'wx');
  let fdOpen = true;
  let state: 'open' | 'closing' | 'closed' | 'aborted' | 'failed' = 'open';
  let failure: unknown;
  let rows = 0;
  let bytes = 0;

  // Streaming state, created on the first non-empty write (the wasm writer needs a first batch).
  let input: ReadableStreamDefaultController<WasmRecordBatch> | undefined;
  let demand: (() => void) | undefined;
  let pumping: Promise<void> | undefined;
  let outputReader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    let offset = 0;
    while (offset < chunk.byteLength) offset += writeSync(fd, chunk, offset, chunk.byteLength - offset);
    bytes += chunk.byteLength;
  };

  const fail = (error: unknown) => {
    if (state === 'failed' || state === 'aborted') return;
    state = 'failed';
    failure = error;
    demand?.();
  };

  const discard = () => {
    if (fdOpen) {
      fdOpen = false;
      closeSync(fd);
    }
    rmSync(temporary, { force: true });
  };

  const assertWritable = () => {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    if (state === 'failed') throw failure;
    if (state !== 'open') {
      throw new InvalidArgumentError({
        argument: 'writer',
        message: `the Parquet writer for ${path} is ${state}.`,
      });
    }
  };

  const start = async (first: WasmRecordBatch[]) => {
    const stream = new ReadableStream<WasmRecordBatch>(
      {
        start(controller) {
          input = controller;
        },
        pull() {
          demand?.();
        },
      },
      // Two batches queued at most: enough to keep the encoder busy, little enough to bound memory.
      { highWaterMark: 2 },
    );
    for (const batch of first) input?.enqueue(batch);
    const output = (await transformParquetStream(stream, buildProperties())) as ReadableStream<Uint8Array>;
    outputReader = output.getReader();
    const reader = outputReader;
    pumping = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (state === 'aborted') continue;
        pending.push(value);
        pendingBytes += value.byteLength;
        if (pendingBytes >= flushBytes) flush();
      }
      if (state !== 'aborted') flush();
    })().catch(fail);
  };

  const waitForDemand = async () => {
    while (input && (input.desiredSize ?? 0) <= 0 && state === 'open') {
      await new Promise<void>((resolve) => {
        demand = resolve;
      });
      demand = undefined;
    }
  };

  const toWasmBatches = (batch: arrow.RecordBatch): WasmRecordBatch[] => {
    const table = WasmTable.fromIPCStream(arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
    try {
      return table.recordBatches();
    } finally {
      // The batches hold their own references; freeing the table now keeps wasm memory bounded.
      table.free();
    }
  };

  const onAbort = () => {
    void writer.abort();
  };
  abortSignal?.addEventListener('abort', onAbort, { once: true });

  const failAndDiscard = async (error: unknown) => {
    fail(error);
    await outputReader?.cancel().catch(() => {});
    await pumping;
    discard();
  };

  // A failure noticed in the background (the output pump) is reported by the next call, which also
  // removes the temporary file.
  const rethrowBackgroundFailure = async () => {
    if (state !== 'failed') return;
    await failAndDiscard(failure);
    throw failure;
  };

  let writing = false;
  const writer: ParquetWriter = {
    async write(data) {
      await rethrowBackgroundFailure();
      assertWritable();
      if (writing) {
        throw new InvalidArgumentError({
          argument: 'data',
          message: `write() was called on ${path} before the previous write() finished; await each write.`,
        });
      }
      // Checked before anything is encoded, so a mismatching batch leaves the writer usable.
      const batches = (isArrowTable(data) ? data.batches : [data]).map((batch) =>
        conformBatch(batch, schema, 'data'),
      );
      writing = true;
      try {
        for (const batch of batches) {
          const pieceRows = rowsPerPiece(batch, rowGroupSize);
          for (let offset = 0; offset < batch.numRows; offset += pieceRows) {
            assertWritable();
            const piece =
              offset === 0 && batch.numRows <= pieceRows ? batch : batch.slice(offset, offset + pieceRows);
            const wasmBatches = toWasmBatches(piece);
            if (!input) {
              await start(wasmBatches);
            } else {
              for (const wasmBatch of wasmBatches) {
                await waitForDemand();
                assertWritable();
                input.enqueue(wasmBatch);
              }
            }
            rows += piece.numRows;
          }
        }
      } catch (error) {
        if (state !== 'aborted') await failAndDiscard(error);
        throw error;
      } finally {
        writing = false;
      }
    },

    async close() {
      await rethrowBackgroundFailure();
      assertWritable();
      state = 'closing';
      abortSignal?.removeEventListener('abort', onAbort);
      try {
        if (input) {
          input.close();
          await pumping;
          if (failure !== undefined) throw failure;
        } else {
          // No rows: the streaming writer needs a first batch, so write the schema-only file at once.
          // writeParquet takes ownership of the wasm table, so it is not freed here.
          const empty = WasmTable.fromIPCStream(arrow.tableToIPC(new arrow.Table(schema), 'stream'));
          const encoded = writeParquet(empty, buildProperties());
          pending.push(encoded);
          pendingBytes += encoded.byteLength;
          flush();
        }
        fsyncSync(fd);
        fdOpen = false;
        closeSync(fd);
        const metadata = await readParquetMetadata(temporary);
        if (metadata.numRows !== rows) {
          throw new DatasetFormatError({
            file: path,
            message: `Writing ${path} failed: ${rows} rows were written but the file holds ${metadata.numRows}; the Parquet encoder stopped early.`,
          });
        }
        renameSync(temporary, path);
        state = 'closed';
        return { rows, bytes };
      } catch (error) {
        state = 'failed';
        failure = error;
        discard();
        throw error;
      }
    },

    async abort() {
      if (state === 'closed' || state === 'aborted') return;
      state = 'aborted';
      abortSignal?.removeEventListener('abort', onAbort);
      demand?.();
      try {
        input?.close();
      } catch {
        // Already closed by close(); nothing to stop.
      }
      await outputReader?.cancel().catch(() => {});
      await pumping;
      discard();
    },

    async [asyncDispose]() {
      if (state !== 'closed') await writer.abort();
    },
  };
  return writer;
}

function rowsPerPiece(batch: arrow.RecordBatch, rowGroupSize: number): number {
  if (batch.numRows === 0) return 1;
  const bytesPerRow = Math.max(1, dataBytes(batch.data) / batch.numRows);
  return Math.max(1, Math.min(rowGroupSize, Math.floor(pieceBytes / bytesPerRow)));
}

/** Bytes of the buffers a batch references (an estimate: slices count their whole buffers). */
function dataBytes(data: arrow.Data): number {
  let total =
    (data.values?.byteLength ?? 0) +
    (data.valueOffsets?.byteLength ?? 0) +
    (data.nullBitmap?.byteLength ?? 0);
  for (const child of data.children) total += dataBytes(child);
  return total;
}
