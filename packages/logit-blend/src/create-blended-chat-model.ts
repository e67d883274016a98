import {
  type ChatGenerateOptions,
  type ChatGenerateResult,
  type ChatModel,
  type ChatStreamPart,
  createConcurrencyLimiter,
  InvalidArgumentError,
} from '@tonekit/core';
import {
  type BlendOptions,
  type BlendResult,
  type BlendSettings,
  blend,
  resolveTemplateSource,
  resolveWeights,
  streamBlend,
} from './blend.js';
import { checkNormalization, checkPlausibilityMask } from './blend-log-probs.js';
import { checkSharedVocabulary } from './check-shared-vocabulary.js';
import { resolveSampling, type SamplingOptions } from './token-sampler.js';
import type { BlendWeights } from './weight-schedule.js';

/** Settings of `createBlendedChatModel`: the blend, and sampling defaults for calls that set none. */
export interface BlendedChatModelSettings extends BlendSettings, SamplingOptions {
  /** `ChatModel.modelId`. Default: the formula, e.g. `blend(0.75*a.gguf + 0.25*b.gguf)`. */
  modelId?: string;
  /** Output limit of calls that set no `maxTokens`. Default 2048. */
  defaultMaxTokens?: number;
  /**
   * Generations run at once; more wait their turn. Default 1: local sources are compute bound, and
   * each generation holds a sequence (a KV cache) in every source. Raise it for sources that batch.
   */
  maxConcurrency?: number;
}

/** `ChatGenerateOptions` plus what only a blend understands; plain `ChatModel` callers leave them out. */
export interface BlendedChatGenerateOptions extends ChatGenerateOptions {
  /** Weights of this request, overriding the model's. */
  weights?: BlendWeights;
  /** Weights `[alpha, 1 − alpha]` of this request (two sources), overriding the model's. */
  alpha?: number;
  topK?: number;
  minP?: number;
}

/**
 * A blend of local models as a `ChatModel`, so it can generate a dataset or judge an evaluation.
 * `rawResponse` of `doGenerate` is the full `BlendResult`, per-token attribution included.
 */
export interface BlendedChatModel extends ChatModel {
  readonly provider: 'logit-blend';
  readonly sources: BlendSettings['sources'];
  doGenerate(options: BlendedChatGenerateOptions): Promise<ChatGenerateResult & { rawResponse: BlendResult }>;
  doStream(options: BlendedChatGenerateOptions): AsyncIterable<ChatStreamPart>;
  /** The same sources under other weights (for consumers that take a plain ChatModel); shares the concurrency limit. */
  withWeights(weights: BlendWeights, modelId?: string): BlendedChatModel;
}

/**
 * Creates a `ChatModel` that generates with `blend`. Calls map `temperature`, `topP`, `seed`, `stop`,
 * `maxTokens` and `abortSignal` onto the blend; `responseFormat` is not enforced (a blend has no
 * grammar-constrained decoding), so JSON answers rely on the prompt. The sources are not disposed by
 * this model: whoever created them owns them.
 */
export function createBlendedChatModel(settings: BlendedChatModelSettings): BlendedChatModel {
  const maxConcurrency = settings.maxConcurrency ?? 1;
  if (
    !(
      maxConcurrency === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxConcurrency) && maxConcurrency >= 1)
    )
  ) {
    throw new InvalidArgumentError({
      argument: 'maxConcurrency',
      value: maxConcurrency,
      message: 'must be a positive integer or Infinity.',
    });
  }
  return buildModel(settings, createConcurrencyLimiter(maxConcurrency));
}

function buildModel(
  settings: BlendedChatModelSettings,
  limiter: ReturnType<typeof createConcurrencyLimiter>,
): BlendedChatModel {
  // Everything that can be checked without a request is checked now, so a misconfigured blend fails
  // where it is built rather than in the middle of a dataset run.
  checkSharedVocabulary(settings.sources);
  const weights = resolveWeights(settings, settings.sources.length);
  checkNormalization(settings.normalization ?? 'sum');
  checkPlausibilityMask(settings.plausibility, settings.sources.length);
  resolveSampling(settings);
  if (settings.templateSource !== undefined)
    resolveTemplateSource(settings.templateSource, settings.sources, false);
  const defaultMaxTokens = settings.defaultMaxTokens ?? 2048;
  if (!(Number.isInteger(defaultMaxTokens) && defaultMaxTokens >= 1)) {
    throw new InvalidArgumentError({
      argument: 'defaultMaxTokens',
      value: defaultMaxTokens,
      message: 'must be an integer >= 1.',
    });
  }
  const modelId = settings.modelId ?? describeBlend(settings, weights.constant);

  const toBlendOptions = (options: BlendedChatGenerateOptions): BlendOptions => {
    const perRequestWeights = options.weights !== undefined || options.alpha !== undefined;
    const pick = <T>(value: T | undefined, fallback: T | undefined): T | undefined => value ?? fallback;
    const blendOptions: BlendOptions = {
      sources: settings.sources,
      messages: options.messages,
      maxTokens: options.maxTokens ?? defaultMaxTokens,
    };
    if (perRequestWeights) {
      if (options.weights !== undefined) blendOptions.weights = options.weights;
      if (options.alpha !== undefined) blendOptions.alpha = options.alpha;
    } else {
      if (settings.weights !== undefined) blendOptions.weights = settings.weights;
      if (settings.alpha !== undefined) blendOptions.alpha = settings.alpha;
    }
    const optional: Partial<BlendOptions> = {
      normalization: settings.normalization,
      plausibility: settings.plausibility,
      templateSource: settings.templateSource,
      temperature: pick(options.temperature, settings.temperature),
      topK: pick(options.topK, settings.topK),
      topP: pick(options.topP, settings.topP),
      minP: pick(options.minP, settings.minP),
      seed: options.seed,
      stop: options.stop,
      abortSignal: options.abortSignal,
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) (blendOptions as unknown as Record<string, unknown>)[key] = value;
    }
    return blendOptions;
  };

  /** Holds a concurrency slot until the returned function is called. */
  const acquire = (signal: AbortSignal | undefined): Promise<() => void> =>
    new Promise((resolve, reject) => {
      limiter
        .run(
          () => new Promise<void>((done) => resolve(done)),
          signal === undefined ? {} : { abortSignal: signal },
        )
        .catch(reject);
    });

  return {
    specificationVersion: 'v1',
    provider: 'logit-blend',
    modelId,
    sources: settings.sources,
    async doGenerate(options) {
      const blendOptions = toBlendOptions(options);
      const release = await acquire(options.abortSignal);
      try {
        const result = await blend(blendOptions);
        return {
          text: result.text,
          finishReason: result.finishReason,
          usage: result.usage,
          rawResponse: result,
        };
      } finally {
        release();
      }
    },
    doStream(options) {
      const blendOptions = toBlendOptions(options);
      return {
        async *[Symbol.asyncIterator]() {
          const release = await acquire(options.abortSignal);
          try {
            for await (const part of streamBlend(blendOptions)) {
              if (part.type === 'text-delta') yield { type: 'text-delta', delta: part.delta };
              else if (part.type === 'finish') {
                yield { type: 'finish', finishReason: part.finishReason, usage: part.usage };
              }
            }
          } finally {
            release();
          }
        },
      };
    },
    withWeights(weights, withModelId) {
      const { alpha: _alpha, modelId: _modelId, ...rest } = settings;
      const next: BlendedChatModelSettings = { ...rest, weights };
      if (withModelId !== undefined) next.modelId = withModelId;
      return buildModel(next, limiter);
    },
  };
}

function describeBlend(settings: BlendedChatModelSettings, constant: readonly number[] | undefined): string {
  const ids = settings.sources.map((source) => source.modelId);
  if (constant === undefined) return `blend(${ids.join(', ')}; scheduled)`;
  const terms = ids.map((id, index) => `${Number(constant[index]!.toPrecision(6))}*${id}`);
  return `blend(${terms.join(' + ').replaceAll('+ -', '- ')})`;
}
