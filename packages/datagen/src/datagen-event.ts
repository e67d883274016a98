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
  | DatagenChunkStartedEvent
  | DatagenSampleRejectedEvent
  | DatagenSampleAcceptedEvent
  | DatagenUsageEvent
  | DatagenBudgetExhaustedEvent
  | DatagenDoneEvent;
