import {
  CancelledError,
  type ChatMessage,
  type FinishReason,
  InvalidArgumentError,
  type LogitSequence,
  type LogitSource,
  type TokenUsage,
  TonekitError,
} from '@tonekit/core';
import {
  type BlendNormalization,
  checkNormalization,
  checkPlausibilityMask,
  createLogProbBlender,
  type PlausibilityMask,
} from './blend-log-probs.js';
import { checkSharedVocabulary } from './check-shared-vocabulary.js';
import { createIncrementalDetokenizer } from './incremental-detokenizer.js';
import { createSeededRandom, randomSeed } from './seeded-random.js';
import { createStopStringMatcher, type StopStringMatcher } from './stop-string-matcher.js';
import {
  createTokenSampler,
  type ResolvedSampling,
  resolveSampling,
  type SamplingOptions,
} from './token-sampler.js';
import { alphaWeights, type BlendWeights, type CompiledWeights, compileWeights } from './weight-schedule.js';

/** Which models to blend and how: the part of the options a blended chat model fixes once. */
export interface BlendSettings {
  /** The models; they must share one vocabulary (checked up front). */
  sources: readonly LogitSource[];
  /**
   * One weight per source (constant), a function of the step, or a declarative schedule. Negative
   * weights are allowed (see `normalization` and `plausibility`). Default: equal weights.
   */
  weights?: BlendWeights;
  /** Shorthand for two sources: weights `[alpha, 1 − alpha]`. Mutually exclusive with `weights`. */
  alpha?: number;
  /** How Σ wᵢ·log pᵢ is scaled; default `sum` (divide by Σ wᵢ). */
  normalization?: BlendNormalization;
  /** Restricts every step to tokens one model finds plausible; the guard for negative weights. */
  plausibility?: PlausibilityMask;
  /**
   * Index of the source whose chat template renders `messages` and whose tokenizer encodes the prompt
   * and decodes the answer. Default: the first source with a chat template when `messages` are given,
   * else source 0. The template is applied once; every source receives the same prompt tokens.
   */
  templateSource?: number;
}

/** Options of `blend` and `streamBlend`. Give exactly one of `messages`, `prompt` and `promptTokens`. */
export interface BlendOptions extends BlendSettings, SamplingOptions {
  /** A conversation, rendered with the chat template of `templateSource`, ending with an assistant turn header. */
  messages?: ChatMessage[];
  /** Raw text to continue (no chat template), tokenized with the BOS token when the model uses one. */
  prompt?: string;
  /** Prompt token ids, used as they are. */
  promptTokens?: readonly number[];
  /** Most tokens to generate, the end-of-sequence token included. Default 2048. */
  maxTokens?: number;
  /** Stop when the answer contains one of these; the text ends before it. */
  stop?: readonly string[];
  /** Seed of the sampler; the same seed, sources and options give the same tokens. Default: a random seed, reported in the result. */
  seed?: number;
  abortSignal?: AbortSignal;
  /**
   * Called after each token is chosen, with the full blended distribution of that step. The arrays
   * are reused from step to step: copy what you keep.
   */
  onStep?: (step: BlendStepInfo) => void;
}

/** One source's view of a chosen token. */
export interface SourceAttribution {
  modelId: string;
  /** The source's log-probability of the chosen token. */
  logProb: number;
  /** exp(logProb): how likely this model alone found the token. */
  probability: number;
  /** Whether the token was this model's most likely token (ties count). */
  isArgmax: boolean;
  /** This model's most likely token (lowest id among ties). */
  argmax: number;
}

/** A chosen token with its attribution. */
export interface BlendedToken {
  /** 0 for the first generated token. */
  step: number;
  id: number;
  /**
   * The token decoded on its own, for display. A byte of a multi-byte character decodes to U+FFFD and
   * some tokenizers drop a leading space of a lone token: the answer is the concatenation of the
   * text deltas, not of these.
   */
  text: string;
  isEndOfSequence: boolean;
  /** Log-probability of the token under the blend (plausibility mask included; before temperature and truncation). */
  logProb: number;
  /** exp(logProb). */
  probability: number;
  /** Probability the sampler drew the token with, after temperature, top-k, top-p and min-p (1 when greedy). */
  samplingProbability: number;
  /** The weights of this step, one per source. */
  weights: readonly number[];
  /** One entry per source, in the order of `sources`. */
  sources: readonly SourceAttribution[];
}

/** What `onStep` receives. */
export interface BlendStepInfo {
  step: number;
  token: BlendedToken;
  weights: readonly number[];
  /** Blended log-probabilities of the step, normalized, −∞ where ruled out. Reused: copy to keep. */
  logProbs: Float64Array;
  /** exp(logProbs). Reused: copy to keep. */
  probabilities: Float64Array;
  /** What each source returned for the step, in the order of `sources`. */
  sourceLogProbs: readonly Float32Array[];
}

/** Why generation ended: the end-of-sequence token, a stop string, or `maxTokens`. */
export type BlendStopReason = 'eos' | 'stop-string' | 'max-tokens';

/** The last part of a stream. */
export interface BlendFinish {
  /** `stop` for an end-of-sequence token or a stop string, `length` at `maxTokens`. */
  finishReason: FinishReason;
  stopReason: BlendStopReason;
  /** The stop string that ended the answer. */
  stopString?: string;
  /** Input: prompt tokens (once, although every source evaluated them). Output: generated tokens. No cost: nothing is known about it. */
  usage: TokenUsage;
  /** The sampler's seed, given or drawn, to repeat the run. */
  seed: number;
  promptTokens: number[];
}

/** A part of a streamed blend: every chosen token with its attribution, text deltas, then one `finish`. */
export type BlendStreamPart =
  | { type: 'token'; token: BlendedToken }
  | { type: 'text-delta'; delta: string }
  | ({ type: 'finish' } & BlendFinish);

/** What `blend` returns. */
export interface BlendResult extends BlendFinish {
  text: string;
  tokens: BlendedToken[];
}

/**
 * Generates text from several models at once, token by token: at every step each source's
 * log-probabilities are weighted and summed (x = Σ wᵢ·log pᵢ / Σ wᵢ by default), the next token is
 * drawn from the blend, and that one token is fed to every source.
 *
 * Log-probabilities rather than raw logits: a backend's logits carry an arbitrary per-step offset
 * (log-softmax removes it); a weighted average turns the offsets into one constant, so the sampled
 * distribution is the same either way, but log-probabilities make the values comparable across backends,
 * make attribution and the plausibility mask meaningful, and keep large offsets from eating float
 * precision.
 */
export async function blend(options: BlendOptions): Promise<BlendResult> {
  const tokens: BlendedToken[] = [];
  let text = '';
  for await (const part of streamBlend(options)) {
    if (part.type === 'token') tokens.push(part.token);
    else if (part.type === 'text-delta') text += part.delta;
    else {
      const { type: _type, ...finish } = part;
      return { text, tokens, ...finish };
    }
  }
  throw new TonekitError({ message: 'The blend stream ended without a finish part.' });
}

/**
 * `blend` as a stream: a `token` part for every chosen token (with attribution), `text-delta` parts
 * as text becomes final (held back while it could still be the start of a stop string or of a
 * multi-byte character), and one `finish` part. Options are checked when this is called; breaking out
 * of the loop releases every sequence.
 */
export function streamBlend(options: BlendOptions): AsyncIterable<BlendStreamPart> {
  const plan = planBlend(options);
  return { [Symbol.asyncIterator]: () => runBlend(plan) };
}

interface BlendPlan {
  sources: readonly LogitSource[];
  weights: CompiledWeights;
  normalization: BlendNormalization;
  plausibility: Required<PlausibilityMask> | undefined;
  sampling: ResolvedSampling;
  maxTokens: number;
  stop: StopStringMatcher | undefined;
  seed: number;
  abortSignal: AbortSignal | undefined;
  onStep: ((step: BlendStepInfo) => void) | undefined;
  prompt: { messages: ChatMessage[] } | { prompt: string } | { promptTokens: readonly number[] };
  templateSource: number;
}

/** Checks the options and resolves the defaults, so that mistakes surface before any model work. */
function planBlend(options: BlendOptions): BlendPlan {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      argument: 'options',
      value: options,
      message: 'expected an options object.',
    });
  }
  const { sources } = options;
  checkSharedVocabulary(sources);
  const weights = resolveWeights(options, sources.length);
  const normalization = checkNormalization(options.normalization ?? 'sum');
  const plausibility = checkPlausibilityMask(options.plausibility, sources.length);
  const sampling = resolveSampling(options);
  const maxTokens = options.maxTokens ?? 2048;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      value: maxTokens,
      message: 'must be an integer >= 1.',
    });
  }
  const stop =
    options.stop === undefined || options.stop.length === 0
      ? undefined
      : createStopStringMatcher(options.stop);
  const seed = options.seed ?? randomSeed();
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError({ argument: 'seed', value: seed, message: 'must be a safe integer.' });
  }
  const given = [options.messages, options.prompt, options.promptTokens].filter(
    (value) => value !== undefined,
  );
  if (given.length !== 1) {
    throw new InvalidArgumentError({
      argument: 'messages',
      message: `give exactly one of messages, prompt and promptTokens (got ${given.length}).`,
    });
  }
  let prompt: BlendPlan['prompt'];
  if (options.messages !== undefined) {
    if (!Array.isArray(options.messages) || options.messages.length === 0) {
      throw new InvalidArgumentError({
        argument: 'messages',
        value: options.messages,
        message: 'expected a non-empty array of chat messages.',
      });
    }
    prompt = { messages: options.messages };
  } else if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string' || options.prompt.length === 0) {
      throw new InvalidArgumentError({
        argument: 'prompt',
        value: options.prompt,
        message: 'expected a non-empty string.',
      });
    }
    prompt = { prompt: options.prompt };
  } else {
    prompt = { promptTokens: checkPromptTokens(options.promptTokens!, sources[0]!.tokenizer.vocabularySize) };
  }
  const templateSource = resolveTemplateSource(options.templateSource, sources, 'messages' in prompt);
  if (options.onStep !== undefined && typeof options.onStep !== 'function') {
    throw new InvalidArgumentError({
      argument: 'onStep',
      value: options.onStep,
      message: 'must be a function.',
    });
  }
  return {
    sources,
    weights,
    normalization,
    plausibility,
    sampling,
    maxTokens,
    stop,
    seed,
    abortSignal: options.abortSignal,
    onStep: options.onStep,
    prompt,
    templateSource,
  };
}

export function resolveWeights(
  settings: Pick<BlendSettings, 'weights' | 'alpha'>,
  sourceCount: number,
): CompiledWeights {
  if (settings.alpha !== undefined) {
    if (settings.weights !== undefined) {
      throw new InvalidArgumentError({
        argument: 'alpha',
        value: settings.alpha,
        message: 'give either alpha or weights, not both.',
      });
    }
    if (sourceCount !== 2) {
      throw new InvalidArgumentError({
        argument: 'alpha',
        value: settings.alpha,
        message: `alpha blends exactly two sources, got ${sourceCount}; use weights instead.`,
      });
    }
    return compileWeights(alphaWeights(settings.alpha), 2);
  }
  return compileWeights(settings.weights ?? new Array<number>(sourceCount).fill(1), sourceCount);
}

export function resolveTemplateSource(
  templateSource: number | undefined,
  sources: readonly LogitSource[],
  needsTemplate: boolean,
): number {
  if (templateSource !== undefined) {
    if (!(Number.isInteger(templateSource) && templateSource >= 0 && templateSource < sources.length)) {
      throw new InvalidArgumentError({
        argument: 'templateSource',
        value: templateSource,
        message: `must be the index of one of the ${sources.length} sources.`,
      });
    }
    if (needsTemplate && sources[templateSource]!.applyChatTemplate === undefined) {
      throw new InvalidArgumentError({
        argument: 'templateSource',
        value: templateSource,
        message: `source ${templateSource} (${sources[templateSource]!.modelId}) has no chat template; pick another source or pass a prompt.`,
      });
    }
    return templateSource;
  }
  if (!needsTemplate) return 0;
  const index = sources.findIndex((source) => source.applyChatTemplate !== undefined);
  if (index < 0) {
    throw new InvalidArgumentError({
      argument: 'messages',
      message: `none of the sources (${sources.map((source) => source.modelId).join(', ')}) has a chat template; render the conversation yourself and pass it as prompt.`,
    });
  }
  return index;
}

function checkPromptTokens(tokens: readonly number[], vocabularySize: number): readonly number[] {
  if (!Array.isArray(tokens) || tokens.length === 0) {
    throw new InvalidArgumentError({
      argument: 'promptTokens',
      value: tokens,
      message: 'expected a non-empty array of token ids.',
    });
  }
  for (const token of tokens) {
    if (!(Number.isInteger(token) && token >= 0 && token < vocabularySize)) {
      throw new InvalidArgumentError({
        argument: 'promptTokens',
        value: token,
        message: `token id ${token} is not in the vocabulary of ${vocabularySize} tokens.`,
      });
    }
  }
  return tokens;
}

async function tokenizePrompt(plan: BlendPlan): Promise<number[]> {
  const source = plan.sources[plan.templateSource]!;
  if ('promptTokens' in plan.prompt) return [...plan.prompt.promptTokens];
  const text =
    'prompt' in plan.prompt
      ? plan.prompt.prompt
      : await source.applyChatTemplate!(plan.prompt.messages, { addGenerationPrompt: true });
  const tokens = await source.tokenize(text, { addSpecialTokens: true });
  // Templates that write the BOS token themselves would otherwise start with two of them.
  const bos = source.tokenizer.specialTokens.bos;
  if (bos !== undefined && tokens.length > 1 && tokens[0] === bos && tokens[1] === bos) tokens.shift();
  if (tokens.length === 0) {
    throw new InvalidArgumentError({ argument: 'prompt', message: 'the prompt tokenizes to no tokens.' });
  }
  return tokens;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
}

/** Errors of our own kinds pass through; anything else is wrapped with the model and step it came from. */
function sourceError(error: unknown, source: LogitSource, what: string): unknown {
  if (TonekitError.isInstance(error)) return error;
  return new TonekitError({
    message: `Source "${source.modelId}" (${source.provider}) failed ${what}: ${error instanceof Error ? error.message : String(error)}`,
    cause: error,
  });
}

async function* runBlend(plan: BlendPlan): AsyncGenerator<BlendStreamPart, void, undefined> {
  const { sources, abortSignal: signal, sampling, maxTokens, stop, onStep } = plan;
  const vocabularySize = sources[0]!.tokenizer.vocabularySize;
  const endOfSequence = new Set(sources[0]!.tokenizer.specialTokens.eos);
  const decoder = sources[plan.templateSource]!;
  const sequences: LogitSequence[] = [];

  // Sources are stepped concurrently; every call settles before we go on (or dispose), so no sequence
  // is released while a native evaluation on it is still running.
  const stepAll = async (tokens: number[], step: number): Promise<Float32Array[]> => {
    const settled = await Promise.allSettled(
      sequences.map((sequence) => sequence.doNextLogProbs({ tokens, abortSignal: signal })),
    );
    throwIfAborted(signal);
    const what = step < 0 ? 'on the prompt' : `at step ${step}`;
    return settled.map((outcome, index) => {
      const source = sources[index]!;
      if (outcome.status === 'rejected') throw sourceError(outcome.reason, source, what);
      if (!(outcome.value instanceof Float32Array) || outcome.value.length !== vocabularySize) {
        throw new TonekitError({
          message: `Source "${source.modelId}" returned ${outcome.value instanceof Float32Array ? `${outcome.value.length} log-probabilities` : 'something other than a Float32Array'} ${what}, expected ${vocabularySize}.`,
        });
      }
      return outcome.value;
    });
  };

  try {
    throwIfAborted(signal);
    const promptTokens = await tokenizePrompt(plan);
    throwIfAborted(signal);
    const created = await Promise.allSettled(
      sources.map((source) => source.createSequence({ abortSignal: signal })),
    );
    for (const outcome of created) if (outcome.status === 'fulfilled') sequences.push(outcome.value);
    throwIfAborted(signal);
    created.forEach((outcome, index) => {
      if (outcome.status === 'rejected')
        throw sourceError(outcome.reason, sources[index]!, 'to create a sequence');
    });

    const blender = createLogProbBlender(vocabularySize, sources.length);
    const sampler = createTokenSampler(vocabularySize);
    const random = createSeededRandom(plan.seed);
    const detokenizer = createIncrementalDetokenizer(decoder);
    const generated: number[] = [];
    let text = '';
    let released = 0;
    let outputTokens = 0;
    let stopReason: BlendStopReason = 'max-tokens';
    let stopString: string | undefined;

    /**
     * The text no stop string can claim any more (all of it when `final`), or the text up to a stop
     * string once one is complete.
     */
    const release = (final: boolean): { delta: string; stopped: boolean } => {
      const scan = stop?.scan(text, released);
      let end = final ? text.length : (scan?.safeLength ?? text.length);
      const stopped = scan?.stopIndex !== undefined;
      if (stopped) {
        end = scan.stopIndex!;
        stopString = scan.stopString;
        text = text.slice(0, end);
      }
      const delta = text.slice(released, end);
      released = end;
      return { delta, stopped };
    };

    let inputs = await stepAll(promptTokens, -1);
    for (let step = 0; ; step++) {
      const weights = plan.weights.at({ step, tokens: generated, text });
      blender.blend(inputs, weights, plan.normalization, plan.plausibility, step);
      const { token, probability: samplingProbability } = sampler.sample(
        blender.logProbs,
        blender.probabilities,
        blender.argmax,
        sampling,
        random,
      );
      const attribution = sources.map((source, index): SourceAttribution => {
        const logProb = inputs[index]![token]!;
        const argmax = blender.sourceArgmax[index]!;
        return {
          modelId: source.modelId,
          logProb,
          probability: Math.exp(logProb),
          isArgmax: logProb >= inputs[index]![argmax]!,
          argmax,
        };
      });
      const isEndOfSequence = endOfSequence.has(token);
      const blendedToken: BlendedToken = {
        step,
        id: token,
        text: await decoder.detokenize([token]),
        isEndOfSequence,
        logProb: blender.logProbs[token]!,
        probability: blender.probabilities[token]!,
        samplingProbability,
        weights: [...weights],
        sources: attribution,
      };
      outputTokens++;
      onStep?.({
        step,
        token: blendedToken,
        weights: blendedToken.weights,
        logProbs: blender.logProbs,
        probabilities: blender.probabilities,
        sourceLogProbs: inputs,
      });
      yield { type: 'token', token: blendedToken };
      if (isEndOfSequence) {
        stopReason = 'eos';
        break;
      }
      generated.push(token);
      text += await detokenizer.push(token);
      const { delta, stopped } = release(false);
      if (delta.length > 0) yield { type: 'text-delta', delta };
      if (stopped) {
        stopReason = 'stop-string';
        break;
      }
      if (step + 1 >= maxTokens) {
        stopReason = 'max-tokens';
        break;
      }
      throwIfAborted(signal);
      inputs = await stepAll([token], step);
    }

    if (stopReason !== 'stop-string') {
      // Bytes held for an unfinished character may still complete a stop string; what was held back
      // as a possible start of one is released now that no more text comes.
      text += await detokenizer.flush();
      const scanned = release(false);
      let delta = scanned.delta;
      if (scanned.stopped) stopReason = 'stop-string';
      else delta += release(true).delta;
      if (delta.length > 0) yield { type: 'text-delta', delta };
    }
    const finish: BlendFinish = {
      finishReason: stopReason === 'max-tokens' ? 'length' : 'stop',
      stopReason,
      usage: {
        inputTokens: promptTokens.length,
        outputTokens,
        totalTokens: promptTokens.length + outputTokens,
      },
      seed: plan.seed,
      promptTokens,
    };
    if (stopString !== undefined) finish.stopString = stopString;
    yield { type: 'finish', ...finish };
  } finally {
    // Also reached on error, on abort and when the consumer stops iterating early.
    await Promise.allSettled(sequences.map((sequence) => sequence.dispose()));
  }
}
