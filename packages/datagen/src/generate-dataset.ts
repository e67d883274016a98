import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CancelledError,
  type ChatMessage,
  type ChatModel,
  type ChatResponseFormat,
  type Embedder,
  type OnEvent,
  type RetryWithBackoffOptions,
  type RunManifest,
  type RunManifestModelUsage,
  readPackageIdentity,
  retryWithBackoff,
  type TokenUsage,
} from '@tonekit/core';
import {
  countCharacters,
  type QaRecord,
  readSourceFiles,
  type SourceDocument,
  writeDatasetFolder,
} from '@tonekit/dataset';
import { fleschReadingEase } from '@tonekit/readability';
import { type CheckpointCall, CheckpointLog, decodeEmbedding, encodeEmbedding } from './checkpoint-log.js';
import {
  configHash,
  type DatagenConfig,
  type DatagenFileSource,
  hashedConfig,
  type ResolvedDatagenConfig,
  resolveDatagenConfig,
} from './datagen-config.js';
import type {
  DatagenEvent,
  DatagenRejectionReason,
  DatagenStage,
  DatagenStopReason,
} from './datagen-event.js';
import { fillTemplate } from './default-prompts.js';
import { ExactVectorIndex } from './exact-vector-index.js';
import { cleanRephrasing, parseQuestionAnswer } from './parse-question-answer.js';

export interface GenerateDatasetOptions {
  chatModel: ChatModel;
  embedder: Embedder;
  onEvent?: OnEvent<DatagenEvent>;
  /** Cancels the run: calls in flight are dropped, finished ones stay in the checkpoint for a resume. */
  abortSignal?: AbortSignal;
  /** Retry policy of every model call (core's `retryWithBackoff`; default 2 retries from 1 s). */
  retry?: Omit<RetryWithBackoffOptions, 'abortSignal'>;
}

/** Every counter of a run. Chunk counters cover committed chunks (see "determinism" in the README). */
export interface DatagenCounts {
  /** Documents pulled from the source, short ones included. */
  sourcesRead: number;
  tooShort: number;
  /** Chunks whose outcome was committed. */
  chunksProcessed: number;
  /** Question call failed after its retries. */
  questionFailed: number;
  /** Question call answered, but no `{question, answer}` could be read from it. */
  questionParseFailed: number;
  /** Embedding of the question failed after its retries. */
  embedFailed: number;
  /** Questions too similar to a kept one, dropped before any rephrase call. */
  dedupRejected: number;
  /** Rephrase calls dedup saved, estimated as dedupRejected × mean rephrase calls per rephrased chunk. */
  rephraseCallsSavedByDedup: number;
  /** Chunks that reached the rephrase stage. */
  chunksRephrased: number;
  /** Rephrase and simplify calls of committed chunks. */
  rephraseCalls: number;
  rephraseFailed: number;
  /** Still below the threshold after the last simplification. */
  discardedUnreadable: number;
  kept: number;
  target: number;
  /** Calls answered from the checkpoint instead of the model (free). */
  replayedCalls: number;
  /** Calls made (and paid) in this session. */
  paidCalls: number;
  /** Failed attempts that were tried again in this session (429s, 5xx, timeouts, broken responses). */
  retriedAttempts: number;
}

export interface DatagenStageUsage extends TokenUsage {
  calls: number;
}

export interface DatagenRunManifest extends RunManifest {
  stopReason: DatagenStopReason;
  configHash: string;
  datasetWritten: boolean;
  /** `<outputDir>/dataset` when written. */
  datasetDir?: string;
  /** Kept pairs by the number of rephrase attempts they took (1 = the first rephrase was enough). */
  attemptsHistogram: Record<string, number>;
  /** Usage per stage, calls replayed from the checkpoint included (they were paid once). */
  stageUsage: Record<DatagenStage, DatagenStageUsage>;
  /** Wall time of this session, in milliseconds. */
  wallTimeMs: number;
  /** Adjustments made, such as subsets dropped because too few pairs were kept. */
  notes: string[];
}

export interface GenerateDatasetResult {
  manifest: DatagenRunManifest;
  counts: DatagenCounts;
  /** The run folder (checkpoint, run.json, dataset/). */
  outputDir: string;
  datasetDir: string | undefined;
  /** Kept pairs in commit (chunk) order. */
  records: QaRecord[];
}

type ChunkOutcome =
  | { kind: 'kept'; record: QaRecord; rephraseCalls: number }
  | {
      kind: 'rejected';
      reason: DatagenRejectionReason;
      rephraseCalls: number;
      sourceId: string;
      detail?: string;
    };

interface Chunk {
  index: number;
  document: SourceDocument;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Thrown inside chunk tasks when the run stops (budget) or is cancelled; the chunk is abandoned. */
class StopRun extends Error {}

const questionFormat: ChatResponseFormat = {
  type: 'json',
  name: 'question_answer',
  schema: {
    type: 'object',
    properties: { question: { type: 'string' }, answer: { type: 'string' } },
    required: ['question', 'answer'],
    additionalProperties: false,
  },
};

/**
 * Synthesizes a tone dataset (seed A §2.2): per chunk, a grounded question and answer, dedup of the
 * question against every kept question, then a conversational rephrasing simplified until its Flesch
 * reading ease reaches the threshold. Resumable from `<outputDir>/checkpoint.jsonl`; writes
 * `<outputDir>/dataset` and `<outputDir>/run.json`.
 */
export async function generateDataset(
  config: DatagenConfig,
  options: GenerateDatasetOptions,
): Promise<GenerateDatasetResult> {
  const { chatModel, embedder, onEvent, abortSignal, retry } = options;
  const startedAt = new Date();
  const resolved = resolveDatagenConfig(config, chatModel, embedder);
  const hash = configHash(resolved);
  abortSignal?.throwIfAborted();
  const log = await CheckpointLog.open(
    resolved.outputDir,
    { kind: 'header', version: 1, configHash: hash, config: hashedConfig(resolved) },
    { resume: config.resume ?? true },
  );

  const counts: DatagenCounts = {
    sourcesRead: 0,
    tooShort: 0,
    chunksProcessed: 0,
    questionFailed: 0,
    questionParseFailed: 0,
    embedFailed: 0,
    dedupRejected: 0,
    rephraseCallsSavedByDedup: 0,
    chunksRephrased: 0,
    rephraseCalls: 0,
    rephraseFailed: 0,
    discardedUnreadable: 0,
    kept: 0,
    target: resolved.count,
    replayedCalls: 0,
    paidCalls: 0,
    retriedAttempts: 0,
  };
  const emptyUsage = (): DatagenStageUsage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0 });
  const stageUsage: Record<DatagenStage, DatagenStageUsage> = {
    question: emptyUsage(),
    rephrase: emptyUsage(),
    embed: emptyUsage(),
  };
  const total: TokenUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  const attemptsHistogram: Record<string, number> = {};
  const records: QaRecord[] = [];
  const emit = (event: DatagenEvent): void => onEvent?.(event);

  // Budget stops and cancellation both end the run through this controller; a budget stop lets calls
  // in flight finish (they are paid for and logged), cancellation aborts them through `abortSignal`.
  const stopController = new AbortController();
  const stopSignal = stopController.signal;
  // Calls get a signal of their own, linked to the caller's: every call in flight and every waiting
  // chunk listens to one, and `concurrency` above 10 must not trigger Node's listener-leak warning.
  const callController = new AbortController();
  const callSignal = abortSignal === undefined ? undefined : callController.signal;
  setMaxListeners(0, stopSignal, callController.signal);
  const stop = (): void => {
    if (!stopSignal.aborted) stopController.abort(new StopRun('stopped'));
  };
  const onUserAbort = (): void => {
    callController.abort(abortSignal?.reason);
    stop();
  };
  abortSignal?.addEventListener('abort', onUserAbort, { once: true });
  let budgetExhausted = false;

  const addUsage = (stage: DatagenStage, usage: TokenUsage | undefined, paid: boolean): void => {
    const entry = stageUsage[stage];
    entry.calls++;
    if (usage !== undefined) {
      for (const target of [entry, total]) {
        target.inputTokens += usage.inputTokens;
        target.outputTokens += usage.outputTokens;
        target.totalTokens += usage.totalTokens;
        if (usage.costUsd !== undefined) target.costUsd = (target.costUsd ?? 0) + usage.costUsd;
      }
      if (paid) emit({ type: 'usage', timestamp: Date.now(), stage, usage, total: { ...total } });
    }
    const { maxTokens, maxCostUsd } = resolved.budget;
    const limit =
      maxTokens !== undefined && total.totalTokens >= maxTokens
        ? 'tokens'
        : maxCostUsd !== undefined && (total.costUsd ?? 0) >= maxCostUsd
          ? 'cost'
          : undefined;
    if (limit !== undefined && !budgetExhausted) {
      budgetExhausted = true;
      emit({ type: 'budget-exhausted', timestamp: Date.now(), limit, total: { ...total } });
      stop();
    }
  };

  /** A call through the checkpoint: replayed when logged, otherwise made (with retries) and logged. */
  const loggedCall = async (
    chunk: Chunk,
    step: string,
    stage: DatagenStage,
    make: (
      abortSignal: AbortSignal | undefined,
    ) => Promise<Omit<CheckpointCall, 'kind' | 'chunk' | 'sourceId' | 'step' | 'at'>>,
  ): Promise<CheckpointCall> => {
    const cached = log.get(chunk.index, step);
    if (cached !== undefined && cached.sourceId === chunk.document.id) {
      counts.replayedCalls++;
      addUsage(stage, cached.usage, false);
      return cached;
    }
    if (stopSignal.aborted) throw new StopRun('stopped');
    let line: CheckpointCall;
    try {
      const result = await retryWithBackoff((_attempt, signal) => make(signal), {
        ...retry,
        ...(callSignal === undefined ? {} : { abortSignal: callSignal }),
        onRetry: (info) => {
          counts.retriedAttempts++;
          const error = info.error instanceof Error ? info.error : new Error(String(info.error));
          const status = (info.error as { status?: unknown }).status;
          emit({
            type: 'call-retried',
            timestamp: Date.now(),
            stage,
            chunkIndex: chunk.index,
            sourceId: chunk.document.id,
            attempt: info.attempt,
            delayMs: info.delayMs,
            error: {
              name: error.name,
              message: error.message,
              ...(typeof status === 'number' ? { status } : {}),
            },
          });
          retry?.onRetry?.(info);
        },
      });
      line = {
        kind: 'call',
        chunk: chunk.index,
        sourceId: chunk.document.id,
        step,
        ...result,
        at: new Date().toISOString(),
      };
    } catch (error) {
      if (CancelledError.isInstance(error) || abortSignal?.aborted) throw error;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      line = {
        kind: 'call',
        chunk: chunk.index,
        sourceId: chunk.document.id,
        step,
        error: { name, message },
        at: new Date().toISOString(),
      };
    }
    // Logged before use: from here on a crash cannot make us pay for this call again.
    await log.append(line);
    counts.paidCalls++;
    addUsage(stage, line.usage, true);
    return line;
  };

  const chat = (chunk: Chunk, step: string, stage: DatagenStage, messages: ChatMessage[], json: boolean) =>
    loggedCall(chunk, step, stage, async (signal) => {
      const result = await chatModel.doGenerate({
        messages,
        ...(json ? { responseFormat: questionFormat } : {}),
        ...(resolved.temperature === undefined ? {} : { temperature: resolved.temperature }),
        seed: resolved.seed,
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      return { text: result.text, usage: result.usage };
    });

  // Dedup state. A question is compared with the questions of earlier chunks that were kept, and waits
  // for earlier chunks still rephrasing when it is similar to one of them: the decision is then exactly
  // the one a sequential run in chunk order makes, whatever order calls finish in.
  const keptQuestions = new ExactVectorIndex<number>();
  const rephrasingQuestions = new ExactVectorIndex<number>();
  const rephrasingDone = new Map<number, Deferred<boolean>>();
  const decisions = new Map<number, Deferred<void>>();

  const waitOrStop = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (stopSignal.aborted) return reject(new StopRun('stopped'));
      const onStop = (): void => reject(new StopRun('stopped'));
      stopSignal.addEventListener('abort', onStop, { once: true });
      promise.then(
        (value) => {
          stopSignal.removeEventListener('abort', onStop);
          resolve(value);
        },
        (error: unknown) => {
          stopSignal.removeEventListener('abort', onStop);
          reject(error);
        },
      );
    });

  const processChunk = async (chunk: Chunk, decision: Deferred<void>): Promise<ChunkOutcome> => {
    const { index, document } = chunk;
    const previousDecision = decisions.get(index - 1);
    const rejected = async (
      reason: DatagenRejectionReason,
      detail?: string,
      rephraseCalls = 0,
    ): Promise<ChunkOutcome> => {
      // A chunk rejected before its dedup turn still waits for it, so decisions stay in chunk order.
      if (previousDecision !== undefined) await waitOrStop(previousDecision.promise);
      decisions.delete(index - 1);
      decision.resolve();
      return {
        kind: 'rejected',
        reason,
        rephraseCalls,
        sourceId: document.id,
        ...(detail === undefined ? {} : { detail }),
      };
    };
    const question = await chat(
      chunk,
      'question',
      'question',
      [
        { role: 'system', content: resolved.prompts.question },
        {
          role: 'user',
          content: `${document.title === undefined ? '' : `Title: ${document.title}\n\n`}Passage:\n${document.text}`,
        },
      ],
      true,
    );
    if (question.error !== undefined) return rejected('question-failed', describeCallError(question.error));
    const pair = parseQuestionAnswer(question.text ?? '');
    if (pair === undefined)
      return rejected('question-parse-failed', `unparsable answer: ${excerpt(question.text ?? '')}`);

    const embedded = await loggedCall(chunk, 'embed', 'embed', async (signal) => {
      const result = await embedder.doEmbed({
        values: [pair.question],
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
      const vector = result.embeddings[0];
      if (vector === undefined) throw new Error('the embedder returned no vector.');
      const tokens = result.usage?.tokens ?? 0;
      return {
        embedding: encodeEmbedding(vector),
        usage: { inputTokens: tokens, outputTokens: 0, totalTokens: tokens },
      };
    });
    if (embedded.error !== undefined || embedded.embedding === undefined) {
      return rejected(
        'embed-failed',
        embedded.error === undefined ? 'no embedding' : describeCallError(embedded.error),
      );
    }
    const vector = decodeEmbedding(embedded.embedding);

    if (previousDecision !== undefined) await waitOrStop(previousDecision.promise);
    decisions.delete(index - 1);
    for (;;) {
      if (keptQuestions.findAbove(vector, resolved.dedupThreshold).length > 0) {
        decision.resolve();
        return rejected('duplicate');
      }
      const similar = rephrasingQuestions.findAbove(vector, resolved.dedupThreshold);
      if (similar.length === 0) break;
      await waitOrStop(Promise.all(similar.map((key) => rephrasingDone.get(key)!.promise)));
    }
    const done = deferred<boolean>();
    rephrasingQuestions.add(index, vector);
    rephrasingDone.set(index, done);
    decision.resolve();

    let kept = false;
    try {
      let previous = '';
      let score = 0;
      for (let attempt = 1; attempt <= 1 + resolved.maxSimplifications; attempt++) {
        const values = {
          question: pair.question,
          answer: pair.answer,
          previous,
          flesch: score.toFixed(1),
          threshold: String(resolved.rephraseThreshold),
        };
        const template = attempt === 1 ? resolved.prompts.rephrase : resolved.prompts.simplify;
        const call = await chat(
          chunk,
          `rephrase-${attempt - 1}`,
          'rephrase',
          [{ role: 'user', content: fillTemplate(template, values) }],
          false,
        );
        if (call.error !== undefined)
          return {
            kind: 'rejected',
            reason: 'rephrase-failed',
            rephraseCalls: attempt,
            sourceId: document.id,
            detail: describeCallError(call.error),
          };
        const text = cleanRephrasing(call.text ?? '');
        if (text === '')
          return {
            kind: 'rejected',
            reason: 'rephrase-failed',
            rephraseCalls: attempt,
            sourceId: document.id,
            detail: `empty rephrasing: ${excerpt(call.text ?? '')}`,
          };
        score = fleschReadingEase(text, { mode: resolved.readabilityMode });
        if (score >= resolved.rephraseThreshold) {
          kept = true;
          keptQuestions.add(index, vector);
          const record: QaRecord = {
            id: createHash('sha256').update(`${document.id}\n${pair.question}`).digest('hex').slice(0, 16),
            source_id: document.id,
            source_title: document.title ?? null,
            source_text: document.text,
            question: pair.question,
            answer: pair.answer,
            conversational_answer: text,
            flesch: score,
            attempts: attempt,
            question_embedding: vector,
            model: resolved.modelName,
            created_at: call.at,
          };
          return { kind: 'kept', record, rephraseCalls: attempt };
        }
        previous = text;
      }
      return {
        kind: 'rejected',
        reason: 'unreadable',
        rephraseCalls: 1 + resolved.maxSimplifications,
        sourceId: document.id,
      };
    } catch (error) {
      done.reject(error);
      throw error;
    } finally {
      rephrasingQuestions.delete(index);
      rephrasingDone.delete(index);
      done.resolve(kept);
    }
  };

  // Source: documents in a fixed order; short ones are counted and skipped here, not in the reader.
  const iterator = openSource(config.source, resolved, abortSignal)[Symbol.asyncIterator]();
  const nextChunkDocument = async (): Promise<SourceDocument | undefined> => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return undefined;
      counts.sourcesRead++;
      if (countCharacters(next.value.text) >= resolved.minCharacters) return next.value;
      counts.tooShort++;
      emit({ type: 'sample-rejected', timestamp: Date.now(), sourceId: next.value.id, reason: 'too-short' });
    }
  };

  const running = new Map<number, Promise<void>>();
  const finished = new Map<number, ChunkOutcome | 'abandoned'>();
  let started = 0;
  let committed = 0;
  let sourceDone = false;
  let failure: unknown;
  const commitReady = (): void => {
    for (;;) {
      const outcome = finished.get(committed);
      if (outcome === undefined || outcome === 'abandoned') return;
      finished.delete(committed);
      committed++;
      counts.chunksProcessed++;
      counts.rephraseCalls += outcome.rephraseCalls;
      if (outcome.rephraseCalls > 0) counts.chunksRephrased++;
      if (outcome.kind === 'kept') {
        counts.kept++;
        records.push(outcome.record);
        const key = String(outcome.record.attempts);
        attemptsHistogram[key] = (attemptsHistogram[key] ?? 0) + 1;
        emit({
          type: 'sample-accepted',
          timestamp: Date.now(),
          chunkIndex: committed - 1,
          id: outcome.record.id,
          kept: counts.kept,
          target: resolved.count,
          attempts: outcome.record.attempts,
          flesch: outcome.record.flesch,
        });
        continue;
      }
      const counter = {
        'too-short': 'tooShort',
        'question-failed': 'questionFailed',
        'question-parse-failed': 'questionParseFailed',
        'embed-failed': 'embedFailed',
        duplicate: 'dedupRejected',
        'rephrase-failed': 'rephraseFailed',
        unreadable: 'discardedUnreadable',
      } as const satisfies Record<DatagenRejectionReason, keyof DatagenCounts>;
      counts[counter[outcome.reason]]++;
      emit({
        type: 'sample-rejected',
        timestamp: Date.now(),
        chunkIndex: committed - 1,
        sourceId: outcome.sourceId,
        reason: outcome.reason,
        ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
      });
    }
  };

  try {
    for (;;) {
      // Back-pressure: never start a chunk that could take the kept count past the target, and keep
      // at most `concurrency` chunks running (so at most that many calls in flight).
      while (
        !stopSignal.aborted &&
        !sourceDone &&
        running.size < resolved.concurrency &&
        started - committed < 2 * resolved.concurrency &&
        counts.kept + (started - committed) < resolved.count
      ) {
        const document = await nextChunkDocument();
        if (document === undefined) {
          sourceDone = true;
          break;
        }
        const chunk: Chunk = { index: started++, document };
        const decision = deferred<void>();
        decisions.set(chunk.index, decision);
        emit({
          type: 'chunk-started',
          timestamp: Date.now(),
          chunkIndex: chunk.index,
          sourceId: document.id,
        });
        const task = processChunk(chunk, decision)
          .then(
            (outcome) => {
              finished.set(chunk.index, outcome);
            },
            (error: unknown) => {
              decision.reject(error);
              finished.set(chunk.index, 'abandoned');
              if (!(error instanceof StopRun) && !CancelledError.isInstance(error)) failure ??= error;
              stop();
            },
          )
          .finally(() => running.delete(chunk.index));
        running.set(chunk.index, task);
      }
      commitReady();
      if (running.size === 0) break;
      await Promise.race(running.values());
      commitReady();
    }
  } finally {
    abortSignal?.removeEventListener('abort', onUserAbort);
    await Promise.allSettled(running.values());
    await iterator.return?.();
    await log.close();
  }
  if (failure !== undefined) throw failure;
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);

  counts.rephraseCallsSavedByDedup =
    counts.chunksRephrased === 0
      ? counts.dedupRejected
      : Math.round((counts.dedupRejected * counts.rephraseCalls) / counts.chunksRephrased);
  const stopReason: DatagenStopReason = budgetExhausted
    ? 'budget-exhausted'
    : counts.kept >= resolved.count
      ? 'count-reached'
      : 'source-exhausted';

  // The dataset is written when the target is reached, and otherwise (budget stop, source exhausted)
  // when at least validation + the smallest subset were kept; subsets that do not fit are dropped.
  const notes: string[] = [];
  const trainSize = counts.kept - resolved.validationSize;
  const subsetSizes = resolved.subsetSizes.filter((size) => {
    if (size <= trainSize) return true;
    notes.push(`subset train-${size} dropped: only ${Math.max(0, trainSize)} train rows were kept.`);
    return false;
  });
  const smallest = resolved.subsetSizes.length === 0 ? 1 : Math.min(...resolved.subsetSizes);
  const datasetDir = join(resolved.outputDir, 'dataset');
  const writeIt = stopReason === 'count-reached' ? trainSize >= 1 : trainSize >= smallest;
  const finishedAt = new Date();
  const { sourceDescription, prompts, ...rest } = resolved;
  const manifestConfig = { ...rest, source: sourceDescription, prompts };
  const chatUsage: RunManifestModelUsage = {
    provider: chatModel.provider,
    modelId: chatModel.modelId,
    requests: stageUsage.question.calls + stageUsage.rephrase.calls,
    inputTokens: stageUsage.question.inputTokens + stageUsage.rephrase.inputTokens,
    outputTokens: stageUsage.question.outputTokens + stageUsage.rephrase.outputTokens,
    totalTokens: stageUsage.question.totalTokens + stageUsage.rephrase.totalTokens,
    ...(stageUsage.question.costUsd === undefined && stageUsage.rephrase.costUsd === undefined
      ? {}
      : { costUsd: (stageUsage.question.costUsd ?? 0) + (stageUsage.rephrase.costUsd ?? 0) }),
  };
  const embedUsage: RunManifestModelUsage = {
    provider: embedder.provider,
    modelId: embedder.modelId,
    requests: stageUsage.embed.calls,
    inputTokens: stageUsage.embed.inputTokens,
    outputTokens: 0,
    totalTokens: stageUsage.embed.totalTokens,
    ...(stageUsage.embed.costUsd === undefined ? {} : { costUsd: stageUsage.embed.costUsd }),
  };
  if (!writeIt) {
    notes.push(
      `dataset not written: ${counts.kept} pairs kept, ${resolved.validationSize + smallest} needed for validation plus the smallest subset.`,
    );
  }
  const manifest: DatagenRunManifest = {
    schemaVersion: 1,
    runId: hash.slice(0, 16),
    command: 'datagen',
    status: 'succeeded',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    config: manifestConfig,
    packages: await readPackageIdentity(new URL('../package.json', import.meta.url)),
    runtime: { node: process.versions.node },
    seeds: { shuffle: resolved.seed, split: resolved.seed, sampling: resolved.seed },
    inputs: [],
    counts: { ...counts },
    usage: [chatUsage, embedUsage],
    stopReason,
    configHash: hash,
    datasetWritten: writeIt,
    ...(writeIt ? { datasetDir } : {}),
    attemptsHistogram,
    stageUsage,
    wallTimeMs: finishedAt.getTime() - startedAt.getTime(),
    notes,
  };
  if (writeIt) {
    await writeDatasetFolder(datasetDir, {
      records,
      validationSize: resolved.validationSize,
      subsetSizes,
      seed: resolved.seed,
      config: manifestConfig,
      tokenUsage: { total, stages: stageUsage },
      extra: {
        counts,
        attemptsHistogram,
        stopReason,
        configHash: hash,
        wallTimeMs: manifest.wallTimeMs,
        notes,
      },
      overwrite: true,
      ...(abortSignal === undefined ? {} : { abortSignal }),
    });
  }
  await mkdir(resolved.outputDir, { recursive: true });
  await writeFile(join(resolved.outputDir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  emit({
    type: 'done',
    timestamp: Date.now(),
    stopReason,
    kept: counts.kept,
    target: resolved.count,
    datasetWritten: writeIt,
  });
  return {
    manifest,
    counts,
    outputDir: resolved.outputDir,
    datasetDir: writeIt ? datasetDir : undefined,
    records,
  };
}

function openSource(
  source: DatagenConfig['source'],
  resolved: ResolvedDatagenConfig,
  abortSignal: AbortSignal | undefined,
): AsyncIterable<SourceDocument> {
  if (resolved.sourceDescription.kind === 'files') {
    const { files, ...options } = source as DatagenFileSource;
    return readSourceFiles(files, {
      ...options,
      minCharacters: 0,
      seed: resolved.seed,
      ...(abortSignal === undefined ? {} : { abortSignal }),
    });
  }
  if (Symbol.asyncIterator in (source as object)) return source as AsyncIterable<SourceDocument>;
  const iterable = source as Iterable<SourceDocument>;
  return (async function* () {
    yield* iterable;
  })();
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when an abandoned chunk rejects; that must not be an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function describeCallError(error: { name: string; message: string }): string {
  return `${error.name}: ${error.message}`;
}

/** A model's answer quoted in a rejection detail: one line, at most 120 characters. */
function excerpt(text: string): string {
  const line = JSON.stringify(text);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
