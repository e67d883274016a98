import type { ProgressEvent, TokenUsage } from '@tonekit/core';

/** Judging begins: how many judgments there are and how many the cache already holds. */
export interface JudgingStartedEvent extends ProgressEvent {
  type: 'judging-started';
  timestamp: number;
  total: number;
  cached: number;
}

/** One judgment is in, from the judge or from the cache. */
export interface JudgmentCompletedEvent extends ProgressEvent {
  type: 'judgment-completed';
  timestamp: number;
  questionId: number;
  category: string;
  turn: 1 | 2;
  /** -1 when the judge's answer had no `[[n]]` or `[n]`. */
  score: number;
  cached: boolean;
  done: number;
  total: number;
}

/** A judge call failed with a retryable error and is tried again after `delayMs`. */
export interface JudgmentRetryEvent extends ProgressEvent {
  type: 'judgment-retry';
  timestamp: number;
  questionId: number;
  turn: 1 | 2;
  attempt: number;
  delayMs: number;
  message: string;
}

/** Judging finished. `usage` counts the calls made now, not the cache hits. */
export interface JudgingDoneEvent extends ProgressEvent {
  type: 'judging-done';
  timestamp: number;
  total: number;
  cached: number;
  parseFailures: number;
  usage: TokenUsage;
}

/** Every event `judgeMtBench` emits; plain JSON data. */
export type MtBenchJudgeEvent =
  | JudgingStartedEvent
  | JudgmentCompletedEvent
  | JudgmentRetryEvent
  | JudgingDoneEvent;

/** `answerMtBench` answered every turn of one question. */
export interface AnswerCompletedEvent extends ProgressEvent {
  type: 'answer-completed';
  timestamp: number;
  questionId: number;
  done: number;
  total: number;
  /** Summed over the question's turns. */
  usage: TokenUsage;
}

/** An answer call failed with a retryable error and is tried again after `delayMs`. */
export interface AnswerRetryEvent extends ProgressEvent {
  type: 'answer-retry';
  timestamp: number;
  questionId: number;
  turn: number;
  attempt: number;
  delayMs: number;
  message: string;
}

/** Every event `answerMtBench` emits. */
export type MtBenchAnswerEvent = AnswerCompletedEvent | AnswerRetryEvent;
