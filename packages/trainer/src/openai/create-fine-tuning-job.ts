import { ApiCallError, retryWithBackoff } from '@tonekit/core';
import type { OpenAI } from 'openai';
import type { ResolvedOpenAITrainOptions } from './resolve-openai-train-options.js';
import { toApiCallError } from './to-api-call-error.js';

/** The metadata key that ties a job to the attempt that created it (see `OpenAIJobState.job.runKey`). */
export const runKeyMetadataKey = 'tonekit_run_key';

export interface FineTuningJobRequest {
  baseModel: string;
  trainingFileId: string;
  validationFileId?: string;
  options: Pick<
    ResolvedOpenAITrainOptions,
    'seed' | 'batchSize' | 'learningRateMultiplier' | 'epochs' | 'suffix'
  >;
  runKey: string;
}

/** The `POST /v1/fine_tuning/jobs` body: a supervised job with explicit hyper-parameters, never `auto`. */
export function buildJobCreateParams(request: FineTuningJobRequest): OpenAI.FineTuning.JobCreateParams {
  const { options } = request;
  return {
    model: request.baseModel,
    training_file: request.trainingFileId,
    ...(request.validationFileId === undefined ? {} : { validation_file: request.validationFileId }),
    method: {
      type: 'supervised',
      supervised: {
        hyperparameters: {
          batch_size: options.batchSize,
          learning_rate_multiplier: options.learningRateMultiplier,
          n_epochs: options.epochs,
        },
      },
    },
    seed: options.seed,
    suffix: options.suffix,
    metadata: { [runKeyMetadataKey]: request.runKey },
  };
}

/** The job an attempt created, if one exists: found by its run key in the job's metadata. */
export async function findJobByRunKey(
  client: OpenAI,
  runKey: string,
  signal?: AbortSignal,
): Promise<OpenAI.FineTuning.FineTuningJob | undefined> {
  try {
    const page = await client.fineTuning.jobs.list(
      { metadata: { [runKeyMetadataKey]: runKey }, limit: 10 },
      { signal },
    );
    return page.data.find((job) => job.metadata?.[runKeyMetadataKey] === runKey);
  } catch (error) {
    throw toApiCallError(error, 'listing fine-tuning jobs', `${client.baseURL}/fine_tuning/jobs`, signal);
  }
}

/**
 * Creates the job exactly once. Creating is not idempotent: a request that timed out or got a 5xx may
 * still have created a job, and a blind retry would pay for a second one. So the SDK does not retry
 * this call; before each retry we look for a job carrying this attempt's run key and adopt it if the
 * earlier request did create it.
 */
export async function createFineTuningJob(
  client: OpenAI,
  request: FineTuningJobRequest,
  { maxRetries, signal }: { maxRetries: number; signal?: AbortSignal },
): Promise<OpenAI.FineTuning.FineTuningJob> {
  const url = `${client.baseURL}/fine_tuning/jobs`;
  const params = buildJobCreateParams(request);
  return retryWithBackoff(
    async (attempt, abortSignal) => {
      if (attempt > 1) {
        const existing = await findJobByRunKey(client, request.runKey, abortSignal);
        if (existing !== undefined) return existing;
      }
      try {
        return await client.fineTuning.jobs.create(params, { maxRetries: 0, signal: abortSignal });
      } catch (error) {
        throw toApiCallError(error, 'creating the fine-tuning job', url, abortSignal);
      }
    },
    {
      maxRetries,
      initialDelayMs: 500,
      ...(signal === undefined ? {} : { abortSignal: signal }),
      isRetryable: (error) => ApiCallError.isInstance(error) && error.isRetryable,
    },
  );
}
