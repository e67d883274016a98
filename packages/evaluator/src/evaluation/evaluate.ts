import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import {
  CancelledError,
  type ChatModel,
  createConcurrencyLimiter,
  InvalidArgumentError,
  type OnEvent,
  type RetryWithBackoffOptions,
  resolveSystemPrompt,
  retryWithBackoff,
  type TokenUsage,
} from '@tonekit/core';
import { type DatasetSplitName, openDatasetSplit } from '@tonekit/dataset';
import type { EvaluationMetrics } from '../evaluation-metrics.js';
import { ResponseLog } from './response-log.js';
import { type ResponsePair, type ScoreResponsesOptions, scoreResponses } from './score-responses.js';
import { writeEvaluationOutputs } from './write-evaluation-outputs.js';

/** Progress of `evaluate`, plain JSON. */
export type EvaluateEvent =
  | { type: 'generation-started'; total: number; alreadyDone: number }
  | { type: 'response-generated'; id: string; done: number; total: number; usage: TokenUsage }
  | { type: 'response-failed'; id: string; error: { name: string; message: string } }
  | { type: 'scoring-started'; pairs: number }
  | { type: 'done'; metricsPath: string; failed: number };

export interface EvaluateOptions extends Omit<ScoreResponsesOptions, 'pairs' | 'abortSignal'> {
  model: ChatModel;
  /** A dataset folder written by datagen (`train.parquet`, `validation.parquet`, `manifest.json`). */
  dataset: string;
  /** Default `validation`. */
  split?: DatasetSplitName;
  /** A preset name (`concise`: seed A's fine-tuned prompt, `verbose`: its base-model prompt) or the text. */
  systemPrompt?: string;
  /** Where `responses.jsonl` (the resumable log), `responses.parquet`, `metrics.json`, `run.json` go. */
  outputDir: string;
  /** Column of the reference answer. Default `conversational_answer` (the answer the dataset teaches). */
  referenceColumn?: string;
  /** Evaluate only the first `limit` rows of the split. */
  limit?: number;
  concurrency?: number;
  maxTokens?: number;
  /** Default 0: deterministic answers make runs comparable. */
  temperature?: number;
  seed?: number;
  /** Resume from `responses.jsonl` when it exists (default). False refuses an existing log. */
  resume?: boolean;
  retry?: Omit<RetryWithBackoffOptions, 'abortSignal'>;
  onEvent?: OnEvent<EvaluateEvent>;
  abortSignal?: AbortSignal;
}

export interface EvaluateResult {
  metrics: EvaluationMetrics;
  outputDir: string;
  metricsPath: string;
  responsesPath: string;
  /** Rows whose response failed after retries: left out of the metrics, generated again on resume. */
  failed: number;
}

/**
 * An evaluation run: the model answers every question of a dataset split (system prompt + question,
 * temperature 0 by default), each response is logged as it arrives so a killed run resumes without
 * paying again, then the responses are scored against the reference answers (`scoreResponses`) and
 * written as `responses.parquet`, `metrics.json` and `run.json`.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  try {
    return await runEvaluation(options);
  } catch (error) {
    // Whatever layer noticed the abort first (a file read, the limiter, the model), report it one way.
    if (options.abortSignal?.aborted && !CancelledError.isInstance(error)) {
      throw CancelledError.fromSignal(options.abortSignal);
    }
    throw error;
  }
}

async function runEvaluation(options: EvaluateOptions): Promise<EvaluateResult> {
  const {
    model,
    dataset,
    split = 'validation',
    outputDir,
    referenceColumn = 'conversational_answer',
    concurrency = 8,
    maxTokens = 512,
    temperature = 0,
    onEvent,
    abortSignal,
  } = options;
  const systemPrompt =
    options.systemPrompt === undefined ? undefined : resolveSystemPrompt(options.systemPrompt);
  const rows = await readQuestions(dataset, split, referenceColumn, options.limit, abortSignal);
  await mkdir(outputDir, { recursive: true });
  const generation = {
    model: `${model.provider}/${model.modelId}`,
    dataset: path.resolve(dataset),
    split,
    referenceColumn,
    limit: options.limit ?? null,
    systemPrompt: systemPrompt ?? null,
    maxTokens,
    temperature,
    seed: options.seed ?? null,
  };
  const log = await ResponseLog.open(
    path.join(outputDir, 'responses.jsonl'),
    generation,
    options.resume ?? true,
  );
  const startedAt = new Date().toISOString();
  let failed = 0;
  try {
    const todo = rows.filter((row) => !log.responses.has(row.id));
    onEvent?.({ type: 'generation-started', total: rows.length, alreadyDone: rows.length - todo.length });
    const limiter = createConcurrencyLimiter(concurrency);
    let done = rows.length - todo.length;
    await Promise.all(
      todo.map((row) =>
        limiter.run(
          async () => {
            try {
              const result = await retryWithBackoff(
                (_attempt, signal) =>
                  model.doGenerate({
                    messages: [
                      ...(systemPrompt === undefined
                        ? []
                        : [{ role: 'system' as const, content: systemPrompt }]),
                      { role: 'user', content: row.question ?? '' },
                    ],
                    maxTokens,
                    temperature,
                    ...(options.seed === undefined ? {} : { seed: options.seed }),
                    ...(signal === undefined ? {} : { abortSignal: signal }),
                  }),
                { ...options.retry, ...(abortSignal === undefined ? {} : { abortSignal }) },
              );
              await log.append({
                id: row.id,
                response: result.text,
                finishReason: result.finishReason,
                usage: result.usage,
                at: new Date().toISOString(),
              });
              done++;
              onEvent?.({
                type: 'response-generated',
                id: row.id,
                done,
                total: rows.length,
                usage: result.usage,
              });
            } catch (error) {
              if (CancelledError.isInstance(error) || abortSignal?.aborted) throw error;
              failed++;
              const { name, message } = error instanceof Error ? error : new Error(String(error));
              onEvent?.({ type: 'response-failed', id: row.id, error: { name, message } });
            }
          },
          abortSignal === undefined ? {} : { abortSignal },
        ),
      ),
    );
  } finally {
    await log.close();
  }

  const pairs: ResponsePair[] = rows.flatMap((row) => {
    const logged = log.responses.get(row.id);
    return logged === undefined ? [] : [{ ...row, response: logged.response }];
  });
  onEvent?.({ type: 'scoring-started', pairs: pairs.length });
  const scored = await scoreResponses({
    ...options,
    pairs,
    ...(abortSignal === undefined ? {} : { abortSignal }),
  });
  const usage = [...log.responses.values()].reduce(
    (total, logged) => ({
      inputTokens: total.inputTokens + logged.usage.inputTokens,
      outputTokens: total.outputTokens + logged.usage.outputTokens,
      totalTokens: total.totalTokens + logged.usage.totalTokens,
      ...(logged.usage.costUsd === undefined && total.costUsd === undefined
        ? {}
        : { costUsd: (total.costUsd ?? 0) + (logged.usage.costUsd ?? 0) }),
    }),
    { inputTokens: 0, outputTokens: 0, totalTokens: 0 } as TokenUsage,
  );
  const written = await writeEvaluationOutputs({
    outputDir,
    pairs,
    scored,
    extraColumns: {
      finish_reason: pairs.map((pair) => log.responses.get(pair.id)?.finishReason ?? ''),
      output_tokens: pairs.map((pair) => log.responses.get(pair.id)?.usage.outputTokens ?? 0),
    },
    manifest: {
      command: 'evaluate',
      startedAt,
      config: { ...generation, metrics: options.metrics ?? 'default', bootstrap: options.bootstrap ?? {} },
      seeds: { sampling: options.seed ?? 0, bootstrap: options.bootstrap?.seed ?? 0 },
      counts: { rows: rows.length, scored: pairs.length, failed },
      usage: [{ provider: model.provider, modelId: model.modelId, requests: log.responses.size, ...usage }],
    },
  });
  onEvent?.({ type: 'done', metricsPath: written.metricsPath, failed });
  return { metrics: scored.metrics, outputDir, ...written, failed };
}

interface QuestionRow extends Omit<ResponsePair, 'response'> {}

async function readQuestions(
  dataset: string,
  split: DatasetSplitName,
  referenceColumn: string,
  limit: number | undefined,
  abortSignal: AbortSignal | undefined,
): Promise<QuestionRow[]> {
  const rows: QuestionRow[] = [];
  for await (const batch of openDatasetSplit(
    dataset,
    split,
    abortSignal === undefined ? {} : { abortSignal },
  )) {
    const ids = batch.getChild('id');
    const questions = batch.getChild('question');
    const references = batch.getChild(referenceColumn);
    if (questions === null || references === null) {
      throw new InvalidArgumentError({
        argument: questions === null ? 'dataset' : 'referenceColumn',
        message: `${dataset} (${split}) has no column ${questions === null ? 'question' : referenceColumn}.`,
      });
    }
    for (let index = 0; index < batch.numRows; index++) {
      if (limit !== undefined && rows.length >= limit) return rows;
      rows.push({
        id: String(ids?.get(index) ?? `${split}-${rows.length}`),
        question: String(questions.get(index) ?? ''),
        reference: String(references.get(index) ?? ''),
      });
    }
  }
  return rows;
}
