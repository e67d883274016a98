import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunManifest } from '@tonekit/core';
import { writeFileAtomically } from '../files/write-file-atomically.js';
import type { ResolvedTrainSpec } from '../parse-train-spec.js';
import type { TrainResult } from '../train-spec.js';

export const runStateFileName = 'run.json';

/**
 * `<outputDir>/run.json` of a local training run: the run manifest every tonekit run writes (DESIGN
 * §3), plus what a later call needs to resume: the last checkpoint and whether the run finished.
 * Rewritten atomically at each status change and checkpoint, so a crash at any moment leaves either
 * the previous or the next version, never a torn file.
 */
export interface LocalRunState extends Omit<RunManifest, 'config'> {
  command: 'train';
  backend: 'local';
  /** The resolved spec, secrets (openai.apiKey) removed. */
  config: ResolvedTrainSpec;
  /** ISO 8601 time of the last write. */
  updatedAt: string;
  /** What `auto` became on this machine. */
  device?: 'cpu' | 'cuda';
  precision?: 'bf16' | 'int8' | 'fp32';
  /** Steps of the whole run (all epochs), as announced by the worker. */
  totalSteps?: number;
  /** The last optimizer step reported. */
  lastStep?: number;
  /** The newest checkpoint the worker reported saving, the point a resume continues from. */
  lastCheckpoint: { step: number; path: string } | null;
  /** One entry per call that trained: where it started and how it ended. */
  attempts: Array<{
    startedAt: string;
    startStep?: number;
    finishedAt?: string;
    status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  }>;
  result?: TrainResult;
}

export async function readLocalRunState(outputDir: string): Promise<LocalRunState | undefined> {
  let text: string;
  try {
    text = await readFile(join(outputDir, runStateFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as LocalRunState;
  // Anything else (another tool's run.json, a future schema) is not ours to resume.
  return state.schemaVersion === 1 && state.command === 'train' && typeof state.config?.local === 'object'
    ? state
    : undefined;
}

/**
 * Owns run.json for one call: every change goes through `update`, writes are chained so two renames
 * never race, and a write failure surfaces at the next `flush` rather than as an unhandled rejection.
 */
export class LocalRunStateWriter {
  #state: LocalRunState;
  #writing: Promise<void> = Promise.resolve();
  #failure: unknown;
  readonly #path: string;

  constructor(outputDir: string, initial: LocalRunState) {
    this.#path = join(outputDir, runStateFileName);
    this.#state = initial;
  }

  get state(): LocalRunState {
    return this.#state;
  }

  /** Applies `change` to the state now and queues a write of the result. */
  update(change: (state: LocalRunState) => void): Promise<void> {
    change(this.#state);
    this.#state.updatedAt = new Date().toISOString();
    const snapshot = `${JSON.stringify(this.#state, null, 2)}\n`;
    this.#writing = this.#writing.then(() =>
      writeAtomically(this.#path, snapshot).catch((error: unknown) => {
        this.#failure ??= error;
      }),
    );
    return this.flush();
  }

  /** Waits for queued writes; rejects with the first write error. */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#failure !== undefined) throw this.#failure;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomically(path, text);
}
