import { type FileHandle, mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type TokenUsage } from '@tonekit/core';
import { JsonlAppender } from '@tonekit/dataset';
import { differingKeys } from './datagen-config.js';

export const checkpointFileName = 'checkpoint.jsonl';

/** First line of a checkpoint: which configuration its calls belong to. */
export interface CheckpointHeader {
  kind: 'header';
  version: 1;
  configHash: string;
  config: Record<string, unknown>;
}

/**
 * One finished model call, successful or failed after its retries. Failures are kept too, so a resumed
 * run reaches the same decision as an uninterrupted one instead of trying its luck again.
 */
export interface CheckpointCall {
  kind: 'call';
  /** Position of the chunk in the (filtered, shuffled) chunk sequence. */
  chunk: number;
  sourceId: string;
  /** `question`, `embed`, `rephrase-0` (the first rephrase), `rephrase-1`... (simplifications). */
  step: string;
  text?: string;
  /** Embedding as base64 of little-endian float32, exact and compact. */
  embedding?: string;
  usage?: TokenUsage;
  error?: { name: string; message: string };
  /** ISO time the call finished; becomes `created_at` of a pair kept after it. */
  at: string;
}

export type CheckpointLine = CheckpointHeader | CheckpointCall;

/**
 * The append-only log that makes a run crash-safe. Every finished call is one line written on an
 * O_APPEND descriptor (lines finishing together share one `write`) before its result is used; a kill at any moment therefore loses at
 * most calls in flight, never a paid result. A torn last line (no newline) is ignored and cut off on the
 * next open. Kept pairs are not logged at all: they are recomputed from the calls, which are replayed
 * without cost, so a pair can be neither lost nor counted twice.
 */
export class CheckpointLog {
  readonly path: string;
  readonly calls: Map<string, CheckpointCall>;
  readonly resumed: boolean;
  #appender: JsonlAppender;

  private constructor(
    path: string,
    handle: FileHandle,
    calls: Map<string, CheckpointCall>,
    resumed: boolean,
  ) {
    this.path = path;
    this.#appender = new JsonlAppender(handle);
    this.calls = calls;
    this.resumed = resumed;
  }

  /**
   * Opens `<dir>/checkpoint.jsonl`, creating it with `header` when missing. An existing one made with
   * another configuration is refused with InvalidArgumentError naming the differing keys, before
   * anything in the folder changes.
   */
  static async open(
    dir: string,
    header: CheckpointHeader,
    { resume }: { resume: boolean },
  ): Promise<CheckpointLog> {
    const path = join(dir, checkpointFileName);
    let content: string | undefined;
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const calls = new Map<string, CheckpointCall>();
    if (content !== undefined && content !== '') {
      if (!resume) {
        throw new InvalidArgumentError({
          argument: 'resume',
          value: false,
          message: `${path} exists; resume it (resume: true) or choose another outputDir.`,
        });
      }
      const complete = content.slice(0, content.lastIndexOf('\n') + 1);
      const lines = complete.split('\n').filter((line) => line !== '');
      const first = lines.length > 0 ? parseLine(lines[0]!) : undefined;
      if (first?.kind !== 'header') {
        throw new InvalidArgumentError({
          argument: 'outputDir',
          value: dir,
          message: `${path} does not start with a datagen checkpoint header; choose another outputDir.`,
        });
      }
      if (first.configHash !== header.configHash) {
        const keys = differingKeys(first.config, header.config);
        throw new InvalidArgumentError({
          argument: 'config',
          value: keys,
          message:
            `${path} belongs to a run with another configuration (differing keys: ${keys.join(', ') || 'unknown'}). ` +
            'Use the same configuration to resume, or another outputDir.',
        });
      }
      for (const line of lines.slice(1)) {
        const parsed = parseLine(line);
        if (parsed?.kind === 'call') calls.set(callKey(parsed.chunk, parsed.step), parsed);
      }
      // Cut a torn last line off, so the next append starts on a line of its own.
      if (complete.length !== content.length) await truncate(path, Buffer.byteLength(complete));
      const handle = await open(path, 'a');
      return new CheckpointLog(path, handle, calls, true);
    }
    await mkdir(dir, { recursive: true });
    const handle = await open(path, 'a');
    await handle.write(`${JSON.stringify(header)}\n`);
    return new CheckpointLog(path, handle, calls, false);
  }

  get(chunk: number, step: string): CheckpointCall | undefined {
    return this.calls.get(callKey(chunk, step));
  }

  /**
   * Appends one line; resolves once it is written. Writes are serialized so lines never interleave,
   * and lines appended while a write is in flight share the next write (group commit): one syscall
   * for many calls finishing together, and each line is still on disk before its caller goes on.
   */
  append(call: CheckpointCall): Promise<void> {
    this.calls.set(callKey(call.chunk, call.step), call);
    return this.#appender.append(call);
  }

  close(): Promise<void> {
    return this.#appender.close();
  }
}

function callKey(chunk: number, step: string): string {
  return `${chunk}:${step}`;
}

function parseLine(line: string): CheckpointLine | undefined {
  try {
    const value = JSON.parse(line) as CheckpointLine;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    // A corrupt line can only come from a torn write; its call is simply made again.
    return undefined;
  }
}

export function encodeEmbedding(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeEmbedding(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
