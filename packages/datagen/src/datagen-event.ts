import type { TokenUsage } from '@tonekit/core';

/** Why a chunk produced no pair. */
export type DatagenRejectionReason =
  | 'too-short'
  | 'question-failed'
  | 'question-parse-failed'
  | 'embed-failed'
  | 'duplicate'
  | 'rephrase-failed'
  | 'unreadable';

/** The stages whose usage is counted apart. */
export type DatagenStage = 'question' | 'rephrase' | 'embed';

export interface DatagenChunkStartedEvent {
  type: 'chunk-started';
  timestamp: number;
  chunkIndex: number;
  sourceId: string;
}

export interface DatagenSampleRejectedEvent {
  type: 'sample-rejected';
  timestamp: number;
  /** Absent for too-short documents, which never become chunks. */
  chunkIndex?: number;
  sourceId: string;
  reason: DatagenRejectionReason;
  /** Why, for failures: the error (`ApiCallError: 503 ...`) or the unusable answer, quoted. */
  detail?: string;
}

export interface DatagenSampleAcceptedEvent {
  type: 'sample-accepted';
  timestamp: number;
  chunkIndex: number;
  id: string;
  kept: number;
  target: number;
  attempts: number;
  flesch: number;
}

/** After each call that was paid for (not after calls replayed from the checkpoint). */
export interface DatagenUsageEvent {
  type: 'usage';
  timestamp: number;
  stage: DatagenStage;
  usage: TokenUsage;
  /** Run total so far, replayed calls included. */
  total: TokenUsage;
}

/** A model call failed and will be tried again after `delayMs` (the error may be transient). */
export interface DatagenCallRetriedEvent {
  type: 'call-retried';
  timestamp: number;
  stage: DatagenStage;
  chunkIndex: number;
  sourceId: string;
  /** The attempt that failed, starting at 1. */
  attempt: number;
  delayMs: number;
  error: { name: string; message: string; status?: number };
}

export interface DatagenBudgetExhaustedEvent {
  type: 'budget-exhausted';
  timestamp: number;
  limit: 'tokens' | 'cost';
  total: TokenUsage;
}

export interface DatagenDoneEvent {
  type: 'done';
  timestamp: number;
  stopReason: DatagenStopReason;
  kept: number;
  target: number;
  datasetWritten: boolean;
}

/** Why the run ended. */
export type DatagenStopReason = 'count-reached' | 'source-exhausted' | 'budget-exhausted';

/** Every event `generateDataset` emits; plain JSON data. */
export type DatagenEvent =
  | DatagenCallRetriedEvent
  | DatagenChunkStartedEvent
  | DatagenSampleRejectedEvent
  | DatagenSampleAcceptedEvent
  | DatagenUsageEvent
  | DatagenBudgetExhaustedEvent
  | DatagenDoneEvent;
