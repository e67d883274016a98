import type { ProgressEvent } from '@tonekit/core';

/** Emitted by `bertScore`: once with `done: 0`, then after every step of `batchSize` candidates. */
export interface BertScoreProgressEvent extends ProgressEvent {
  type: 'bert-score-progress';
  /** Candidates scored so far. */
  done: number;
  total: number;
  timestamp: number;
}
