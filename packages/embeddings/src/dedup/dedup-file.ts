import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { CancelledError, InvalidArgumentError, TonekitError } from '@tonekit/core';
import type { ResolvedHnswOptions } from './hnsw-graph.js';
import type { NearThresholdPair } from './near-threshold-audit.js';

/*
 * File layout (all integers little-endian):
 *
 *   offset 0   8 bytes   magic "TKDEDUP\0"
 *   offset 8   uint32    H = byte length of the JSON header
 *   offset 12  H bytes   JSON header, UTF-8, padded with spaces so that the data starts on a 64-byte boundary
 *   12 + H     size × dimensions float32 little-endian, row-major, ids 0..size-1 in order
 *
 * The header's `dataCrc32` (zlib CRC-32 of the data bytes) and `dataByteLength` catch truncation and
 * corruption. numpy reads the data with `np.fromfile(path, '<f4', offset=12 + H).reshape(size, dimensions)`.
 */

export const DEDUP_FILE_MAGIC = 'TKDEDUP\0';
export const DEDUP_FILE_FORMAT = 'tonekit-dedup-index';
export const DEDUP_FILE_VERSION = 1;
const PREFIX_BYTES = 12;
const DATA_ALIGNMENT = 64;
/** Bytes per read/write call: well under the 2 GiB that one fs call accepts. */
const CHUNK_BYTES = 64 * 1024 * 1024;

export interface DedupFileHeader {
  format: typeof DEDUP_FILE_FORMAT;
  version: typeof DEDUP_FILE_VERSION;
  dimensions: number;
  size: number;
  threshold: number;
  normalize: boolean;
  approximate: ResolvedHnswOptions | null;
  /** File name (beside this one) of the saved HNSW graph, or null. */
  hnswFile: string | null;
  /** Vectors passed to `addIfNovel` so far: the next audit sequence number. */
  sequence: number;
  audit: { margin: number; limit: number; seen: number; random: number; pairs: NearThresholdPair[] };
  dataByteLength: number;
  dataCrc32: number;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new TonekitError({
      message: 'Dedup index files are little-endian; big-endian hosts are not supported.',
    });
  }
}

/** A path in the same directory as `path`, so the final rename stays on one file system. */
export function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
}

/** Writes the file at a temporary path, syncs it, then renames it over `path`. */
export async function writeDedupFile(
  path: string,
  header: Omit<DedupFileHeader, 'format' | 'version' | 'dataByteLength' | 'dataCrc32'>,
  data: Float32Array,
  abortSignal?: AbortSignal,
): Promise<void> {
  assertLittleEndian();
  throwIfAborted(abortSignal);
  const byteLength = header.size * header.dimensions * 4;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, byteLength);
  let checksum = 0;
  for (let offset = 0; offset < byteLength; offset += CHUNK_BYTES) {
    checksum = crc32(bytes.subarray(offset, Math.min(byteLength, offset + CHUNK_BYTES)), checksum);
  }
  const full: DedupFileHeader = {
    format: DEDUP_FILE_FORMAT,
    version: DEDUP_FILE_VERSION,
    ...header,
    dataByteLength: byteLength,
    dataCrc32: checksum,
  };
  let json = Buffer.from(JSON.stringify(full), 'utf8');
  const padding = (DATA_ALIGNMENT - ((PREFIX_BYTES + json.length) % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
  json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(DEDUP_FILE_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);

  const temporary = temporaryPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'w');
    await writeFully(handle, prefix);
    await writeFully(handle, json);
    for (let offset = 0; offset < byteLength; offset += CHUNK_BYTES) {
      throwIfAborted(abortSignal);
      await writeFully(handle, bytes.subarray(offset, Math.min(byteLength, offset + CHUNK_BYTES)));
    }
    throwIfAborted(abortSignal);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw new TonekitError({
      message: `Could not save the dedup index to ${path}: ${String(error)}`,
      cause: error,
    });
  }
}

function throwIfAborted(abortSignal: AbortSignal | undefined): void {
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
}

async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
    written += bytesWritten;
  }
}

/**
 * Reads and validates a dedup index file. The vectors land in a Float32Array of `capacityFor(size)`
 * vectors, so the caller can keep adding without an immediate copy.
 */
export async function readDedupFile(
  path: string,
  capacityFor: (size: number) => number,
  abortSignal?: AbortSignal,
): Promise<{ header: DedupFileHeader; data: Float32Array }> {
  assertLittleEndian();
  throwIfAborted(abortSignal);
  const corrupt = (reason: string, cause?: unknown) =>
    new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: `${path} is not a valid tonekit dedup index file: ${reason}`,
      cause,
    });
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'path',
      value: path,
      message: `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      cause: error,
    });
  }
  try {
    const { size: fileSize } = await handle.stat();
    const prefix = Buffer.alloc(PREFIX_BYTES);
    if (fileSize < PREFIX_BYTES || (await readFully(handle, prefix, 0)) < PREFIX_BYTES) {
      throw corrupt(`the file is ${fileSize} bytes, too short for the ${PREFIX_BYTES}-byte prefix.`);
    }
    if (prefix.toString('latin1', 0, 8) !== DEDUP_FILE_MAGIC) {
      throw corrupt('wrong magic bytes (expected "TKDEDUP\\0").');
    }
    const headerLength = prefix.readUInt32LE(8);
    if (PREFIX_BYTES + headerLength > fileSize) {
      throw corrupt(
        `the header claims ${headerLength} bytes but the file is only ${fileSize} bytes (truncated).`,
      );
    }
    const headerBytes = Buffer.alloc(headerLength);
    await readFully(handle, headerBytes, PREFIX_BYTES);
    let header: DedupFileHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as DedupFileHeader;
    } catch (error) {
      throw corrupt('the JSON header does not parse.', error);
    }
    validateHeader(header, corrupt);
    const dataOffset = PREFIX_BYTES + headerLength;
    if (fileSize !== dataOffset + header.dataByteLength) {
      throw corrupt(
        `expected ${dataOffset + header.dataByteLength} bytes (${header.size} vectors × ${header.dimensions} float32), found ${fileSize} (truncated or trailing bytes).`,
      );
    }
    const data = new Float32Array(Math.max(capacityFor(header.size), header.size) * header.dimensions);
    const bytes = new Uint8Array(data.buffer, 0, header.dataByteLength);
    let checksum = 0;
    for (let offset = 0; offset < header.dataByteLength; offset += CHUNK_BYTES) {
      throwIfAborted(abortSignal);
      const chunk = bytes.subarray(offset, Math.min(header.dataByteLength, offset + CHUNK_BYTES));
      if ((await readFully(handle, chunk, dataOffset + offset)) < chunk.length)
        throw corrupt('truncated data.');
      checksum = crc32(chunk, checksum);
    }
    if (checksum !== header.dataCrc32) {
      throw corrupt(
        `CRC-32 of the vector data is ${checksum}, the header says ${header.dataCrc32} (corrupted).`,
      );
    }
    return { header, data };
  } finally {
    await handle.close();
  }
}

async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let read = 0;
  while (read < target.length) {
    const { bytesRead } = await handle.read(target, read, target.length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return read;
}

function validateHeader(header: DedupFileHeader, corrupt: (reason: string) => Error): void {
  if (typeof header !== 'object' || header === null) throw corrupt('the header is not a JSON object.');
  if (header.format !== DEDUP_FILE_FORMAT)
    throw corrupt(`header.format is ${JSON.stringify(header.format)}.`);
  if (header.version !== DEDUP_FILE_VERSION) {
    throw corrupt(
      `format version ${JSON.stringify(header.version)} is not supported (this build reads version 1).`,
    );
  }
  const positiveInteger = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
  const count = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  if (!positiveInteger(header.dimensions)) throw corrupt('header.dimensions must be a positive integer.');
  if (!count(header.size)) throw corrupt('header.size must be a non-negative integer.');
  if (!count(header.sequence)) throw corrupt('header.sequence must be a non-negative integer.');
  if (typeof header.threshold !== 'number' || !Number.isFinite(header.threshold)) {
    throw corrupt('header.threshold must be a finite number.');
  }
  if (typeof header.normalize !== 'boolean') throw corrupt('header.normalize must be a boolean.');
  if (header.dataByteLength !== header.size * header.dimensions * 4) {
    throw corrupt('header.dataByteLength does not equal size × dimensions × 4.');
  }
  if (!count(header.dataCrc32)) throw corrupt('header.dataCrc32 must be a non-negative integer.');
  const audit = header.audit;
  if (
    typeof audit !== 'object' ||
    audit === null ||
    typeof audit.margin !== 'number' ||
    !count(audit.limit) ||
    !count(audit.seen) ||
    typeof audit.random !== 'number' ||
    !Array.isArray(audit.pairs)
  ) {
    throw corrupt('header.audit is malformed.');
  }
  if (header.approximate !== null) {
    const a = header.approximate;
    if (
      typeof a !== 'object' ||
      a.kind !== 'hnsw' ||
      !positiveInteger(a.M) ||
      !positiveInteger(a.efConstruction) ||
      !positiveInteger(a.efSearch) ||
      !Number.isSafeInteger(a.seed)
    ) {
      throw corrupt('header.approximate is malformed.');
    }
  }
  if (header.hnswFile !== null && typeof header.hnswFile !== 'string')
    throw corrupt('header.hnswFile is malformed.');
}
