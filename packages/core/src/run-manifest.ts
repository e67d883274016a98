import type { TokenUsage } from './chat-model.js';

/** A file a run read, identified by content so a rerun can tell whether its inputs changed. */
export interface RunManifestInput {
  /** As given by the user, relative to the working directory when it was relative. */
  path: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes?: number;
}

/** Token usage of one model over a run. */
export interface RunManifestModelUsage extends TokenUsage {
  provider: string;
  modelId: string;
  /** Calls made, retries included, since retried calls are billed too. */
  requests: number;
}

/**
 * The `run.json` every run writes next to its outputs: enough to know what produced them and to
 * reproduce them. Only the type lives in core; the composition roots (apps) fill it in and write it,
 * because reading package versions and hashing files is I/O that core does not do.
 */
export interface RunManifest {
  /** Bumped when a field changes meaning, so readers can reject manifests they do not understand. */
  schemaVersion: 1;
  /** Unique id of the run, also the name of its output folder by default. */
  runId: string;
  /** What ran, such as `datagen` or `trainer sweep`. */
  command: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** ISO 8601 timestamps. */
  startedAt: string;
  finishedAt?: string;
  /** The fully resolved configuration (defaults applied), with secrets removed. */
  config: Record<string, unknown>;
  /** Package name to version, for every tonekit package and each notable dependency. */
  packages: Record<string, string>;
  /** Runtime versions, such as `node`, `python`, `torch`, `cuda`. */
  runtime?: Record<string, string>;
  /** Every seed the run used, by purpose (`shuffle`, `split`, `sampling`). */
  seeds: Record<string, number>;
  inputs: RunManifestInput[];
  /** Counters of the work done, such as `accepted`, `rejectedReadability`, `duplicates`. */
  counts: Record<string, number>;
  /** Usage per model; sum it for the run total. */
  usage: RunManifestModelUsage[];
  /** Set when `status` is `failed`. */
  error?: { name: string; message: string };
}
