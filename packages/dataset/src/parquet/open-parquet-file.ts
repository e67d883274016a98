import { stat } from 'node:fs/promises';
import { InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';
import { DatasetFormatError } from '../errors/dataset-format-error.js';
import {
  leaseParquetWorker,
  ParquetWorkerCrash,
  type ParquetWorkerLease,
  type ParquetWorkerReply,
  ParquetWorkerRequestError,
} from './parquet-worker-pool.js';

/** What the Parquet footer says about a file. */
export interface ParquetMetadata {
  /** Total rows, from the footer. */
  numRows: number;
  /** Rows in each row group, in file order. */
  rowGroupRows: number[];
  /** The Arrow schema of the file (from the stored `ARROW:schema` when present). */
  schema: arrow.Schema;
  /** The writer, e.g. `parquet-cpp-arrow version 21.0.0`. */
  createdBy: string | undefined;
  /** Footer key-value metadata except `ARROW:schema`. */
  keyValueMetadata: Map<string, string>;
  /** File size in bytes. */
  bytes: number;
}

/** An open Parquet file in a worker (internal). Always `close()` it. */
export interface OpenParquetFile {
  path: string;
  metadata: ParquetMetadata;
  /** Plans to read these row groups in this order; then call `nextBatch()` until it returns undefined. */
  startReading(
    rowGroups: number[],
    options: { batchSize: number; columns: string[] | undefined },
  ): Promise<void>;
  /** The next record batch and its row group. One batch is always being decoded ahead. */
  nextBatch(): Promise<{ rowGroup: number; batches: arrow.RecordBatch[] } | undefined>;
  close(): Promise<void>;
}

/** Turns a worker failure into the error users see, naming the file and, when known, the row group. */
export function toDatasetFormatError(path: string, error: unknown, rowGroup?: number): DatasetFormatError {
  if (error instanceof DatasetFormatError) return error;
  const where = rowGroup === undefined ? path : `row group ${rowGroup} of ${path}`;
  let detail: string;
  if (error instanceof ParquetWorkerCrash) {
    detail = `${error.message}; the file is corrupt or truncated`;
  } else if (error instanceof ParquetWorkerRequestError) {
    detail = error.message;
  } else {
    detail = error instanceof Error ? error.message : String(error);
  }
  const action = rowGroup === undefined ? 'Could not open Parquet file' : 'Could not read';
  return new DatasetFormatError({
    message: `${action} ${where}: ${detail}`,
    file: path,
    rowGroup,
    cause: error,
  });
}

export async function openParquetFile(path: string): Promise<OpenParquetFile> {
  await assertReadableFile(path);
  const lease: ParquetWorkerLease = leaseParquetWorker();
  let reply: Awaited<ReturnType<ParquetWorkerLease['request']>>;
  try {
    reply = await lease.request({ op: 'open', path });
  } catch (error) {
    lease.release();
    throw toDatasetFormatError(path, error);
  }
  const schema = arrow.tableFromIPC(reply['schemaIpc'] as Uint8Array).schema;
  const metadata: ParquetMetadata = {
    numRows: reply['numRows'] as number,
    rowGroupRows: reply['rowGroupRows'] as number[],
    schema,
    createdBy: (reply['createdBy'] as string | null) ?? undefined,
    keyValueMetadata: new Map(reply['keyValueMetadata'] as [string, string][]),
    bytes: reply['bytes'] as number,
  };
  let closed = false;
  let order: number[] = [];
  let lastRowGroup: number | undefined;
  let rowsInLast = 0;
  let ahead: Promise<ParquetWorkerReply> | undefined;

  // When the worker dies there is no reply to say where; the row group follows from what was read:
  // the last one if it was not complete, the next in the order otherwise.
  const blame = (error: unknown): number | undefined => {
    if (error instanceof ParquetWorkerRequestError && error.rowGroup !== undefined) return error.rowGroup;
    if (lastRowGroup === undefined)
      return order.find((rowGroup) => (metadata.rowGroupRows[rowGroup] ?? 0) > 0);
    if (rowsInLast < (metadata.rowGroupRows[lastRowGroup] ?? 0)) return lastRowGroup;
    const rest = order.slice(order.indexOf(lastRowGroup) + 1);
    return rest.find((rowGroup) => (metadata.rowGroupRows[rowGroup] ?? 0) > 0) ?? lastRowGroup;
  };

  const requestNext = () => {
    const promise = lease.request({ op: 'next' });
    // Read ahead may fail while nobody awaits it yet (or ever, after an early break): keep that
    // rejection from surfacing as unhandled; the awaited copy still rejects.
    promise.catch(() => {});
    return promise;
  };

  return {
    path,
    metadata,
    async startReading(rowGroups, { batchSize, columns }) {
      order = rowGroups;
      lastRowGroup = undefined;
      rowsInLast = 0;
      ahead = undefined;
      try {
        await lease.request({ op: 'read', rowGroups, batchSize, columns });
      } catch (error) {
        throw toDatasetFormatError(path, error, blame(error));
      }
    },
    async nextBatch() {
      let reply: ParquetWorkerReply;
      try {
        reply = await (ahead ?? requestNext());
      } catch (error) {
        ahead = undefined;
        throw toDatasetFormatError(path, error, blame(error));
      }
      if (reply['done'] === true) {
        ahead = undefined;
        return undefined;
      }
      // Decode the next batch in the worker while the caller works on this one.
      ahead = requestNext();
      const rowGroup = reply['rowGroup'] as number;
      const batches = arrow.tableFromIPC(reply['ipc'] as Uint8Array).batches;
      const rows = batches.reduce((sum, batch) => sum + batch.numRows, 0);
      if (rowGroup === lastRowGroup) rowsInLast += rows;
      else {
        lastRowGroup = rowGroup;
        rowsInLast = rows;
      }
      return { rowGroup, batches };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await lease.request({ op: 'close' });
      } catch {
        // A crashed worker has nothing left to close; the lease discards it.
      }
      lease.release();
    },
  };
}

/** A missing path is the caller's mistake, not a corrupt file: report it as such before starting a worker. */
export async function assertReadableFile(path: string, argument = 'path'): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw new InvalidArgumentError({
      argument,
      value: path,
      message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      cause: error,
    });
  }
  if (!isFile) {
    throw new InvalidArgumentError({ argument, value: path, message: `${path} is not a file.` });
  }
}
