import { InvalidArgumentError } from '@tonekit/core';

/** What a weight schedule sees before each token is chosen. */
export interface WeightScheduleContext {
  /** Index of the token about to be chosen: 0 for the first generated token. */
  step: number;
  /** The tokens generated so far (`step` of them), end-of-sequence tokens excluded as none came yet. */
  tokens: readonly number[];
  /**
   * The answer decoded so far. It can lag `tokens` by the bytes of a character that is not complete
   * yet, and it still includes text held back because it might be the start of a stop string.
   */
  text: string;
}

/** Weights chosen per step: one finite number per source, in the order of `sources`. */
export type WeightSchedule = (context: WeightScheduleContext) => readonly number[];

/** Piecewise constant weights: each segment holds from its `fromStep` until the next segment starts. */
export interface PiecewiseScheduleSpec {
  type: 'piecewise';
  /** Ascending `fromStep`, the first one 0. */
  segments: readonly { fromStep: number; weights: readonly number[] }[];
}

/**
 * Piecewise linear weights: interpolated between consecutive points, held at the first point's weights
 * before it and at the last point's after it.
 */
export interface LinearScheduleSpec {
  type: 'linear';
  /** Strictly ascending `step`; at least one point. */
  points: readonly { step: number; weights: readonly number[] }[];
}

/** A declarative schedule: plain JSON, so it can live in a config file or an API request. */
export type WeightScheduleSpec = PiecewiseScheduleSpec | LinearScheduleSpec;

/** Constant weights, a schedule function, or a declarative schedule. */
export type BlendWeights = readonly number[] | WeightSchedule | WeightScheduleSpec;

/**
 * Weights `[α, 1 − α]` for two sources: α is the weight of the first model. α outside [0, 1]
 * extrapolates (one weight turns negative while the sum stays 1), e.g. α = 1.5 pushes past the first
 * model away from the second.
 */
export function alphaWeights(alpha: number): [number, number] {
  if (!Number.isFinite(alpha)) {
    throw new InvalidArgumentError({ argument: 'alpha', value: alpha, message: 'must be a finite number.' });
  }
  return [alpha, 1 - alpha];
}

/**
 * A piecewise constant schedule, e.g. knowledgeable first and empathetic later:
 * `piecewiseSchedule([{ fromStep: 0, weights: [1, 0] }, { fromStep: 40, weights: [0.3, 0.7] }])`.
 */
export function piecewiseSchedule(
  segments: readonly { fromStep: number; weights: readonly number[] }[],
): PiecewiseScheduleSpec {
  const spec: PiecewiseScheduleSpec = { type: 'piecewise', segments };
  compileSpec(spec, undefined);
  return spec;
}

/**
 * A piecewise linear schedule, e.g. a fade from the first model to the second over 50 tokens:
 * `linearSchedule([{ step: 0, weights: [1, 0] }, { step: 50, weights: [0, 1] }])`.
 */
export function linearSchedule(
  points: readonly { step: number; weights: readonly number[] }[],
): LinearScheduleSpec {
  const spec: LinearScheduleSpec = { type: 'linear', points };
  compileSpec(spec, undefined);
  return spec;
}

/** Weights resolved for one generation: constant ones are validated once, others at every step. */
export interface CompiledWeights {
  /** Present when the weights never change. */
  readonly constant: readonly number[] | undefined;
  at(context: WeightScheduleContext): readonly number[];
}

/** Validates `weights` against the number of sources and turns any form into a per-step function. */
export function compileWeights(weights: BlendWeights, sourceCount: number): CompiledWeights {
  if (typeof weights === 'function') {
    return {
      constant: undefined,
      at(context) {
        let value: readonly number[];
        try {
          value = weights(context);
        } catch (error) {
          throw new InvalidArgumentError({
            argument: 'weights',
            message: `the weight schedule threw at step ${context.step}: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        }
        return checkWeightVector(value, sourceCount, `weights (step ${context.step})`);
      },
    };
  }
  if (isArrayOfNumbers(weights)) {
    const constant = checkWeightVector([...weights], sourceCount, 'weights');
    return { constant, at: () => constant };
  }
  if (typeof weights === 'object' && weights !== null && 'type' in weights) {
    const schedule = compileSpec(weights, sourceCount);
    // Interpolation can cross all-zero weights between two valid points, so every step is checked.
    return {
      constant: undefined,
      at: (context) => checkWeightVector(schedule(context), sourceCount, `weights (step ${context.step})`),
    };
  }
  throw new InvalidArgumentError({
    argument: 'weights',
    value: weights,
    message:
      'expected an array of numbers, a schedule function or a {type: "piecewise" | "linear"} schedule.',
  });
}

function isArrayOfNumbers(value: unknown): value is readonly number[] {
  return Array.isArray(value);
}

/** Checks one weight vector; `sourceCount` undefined checks only that values are finite and not all 0. */
export function checkWeightVector(
  weights: readonly number[],
  sourceCount: number | undefined,
  argument: string,
): readonly number[] {
  if (!Array.isArray(weights)) {
    throw new InvalidArgumentError({ argument, value: weights, message: 'expected an array of numbers.' });
  }
  if (sourceCount !== undefined && weights.length !== sourceCount) {
    throw new InvalidArgumentError({
      argument,
      value: weights,
      message: `expected one weight per source (${sourceCount}), got ${weights.length}.`,
    });
  }
  if (!weights.every((weight) => typeof weight === 'number' && Number.isFinite(weight))) {
    throw new InvalidArgumentError({
      argument,
      value: weights,
      message: 'every weight must be a finite number.',
    });
  }
  if (weights.every((weight) => weight === 0)) {
    throw new InvalidArgumentError({
      argument,
      value: weights,
      message: 'all weights are 0, which leaves no distribution to sample from.',
    });
  }
  return weights;
}

function compileSpec(
  spec: WeightScheduleSpec,
  sourceCount: number | undefined,
): (context: WeightScheduleContext) => readonly number[] {
  if (spec.type === 'piecewise') {
    const segments: PiecewiseScheduleSpec['segments'] = spec.segments;
    if (!Array.isArray(segments) || segments.length === 0) {
      throw new InvalidArgumentError({
        argument: 'weights.segments',
        value: segments,
        message: 'a piecewise schedule needs at least one segment.',
      });
    }
    segments.forEach((segment, index) => {
      const previous = index === 0 ? -1 : segments[index - 1]!.fromStep;
      if (
        !Number.isInteger(segment.fromStep) ||
        segment.fromStep <= previous ||
        (index === 0 && segment.fromStep !== 0)
      ) {
        throw new InvalidArgumentError({
          argument: `weights.segments[${index}].fromStep`,
          value: segment.fromStep,
          message: 'segments need integer, strictly ascending fromStep values, the first one 0.',
        });
      }
      checkWeightVector(segment.weights, sourceCount, `weights.segments[${index}].weights`);
    });
    const frozen = segments.map((segment) => [...segment.weights]);
    return ({ step }) => {
      let index = segments.length - 1;
      while (segments[index]!.fromStep > step) index--;
      return frozen[index]!;
    };
  }
  if (spec.type === 'linear') {
    const points: LinearScheduleSpec['points'] = spec.points;
    if (!Array.isArray(points) || points.length === 0) {
      throw new InvalidArgumentError({
        argument: 'weights.points',
        value: points,
        message: 'a linear schedule needs at least one point.',
      });
    }
    points.forEach((point, index) => {
      const previous = index === 0 ? Number.NEGATIVE_INFINITY : points[index - 1]!.step;
      if (!Number.isInteger(point.step) || point.step < 0 || point.step <= previous) {
        throw new InvalidArgumentError({
          argument: `weights.points[${index}].step`,
          value: point.step,
          message: 'points need integer, non-negative, strictly ascending step values.',
        });
      }
      checkWeightVector(point.weights, sourceCount, `weights.points[${index}].weights`);
      if (index > 0 && point.weights.length !== points[0]!.weights.length) {
        throw new InvalidArgumentError({
          argument: `weights.points[${index}].weights`,
          value: point.weights,
          message: 'every point needs the same number of weights.',
        });
      }
    });
    const first = points[0]!;
    const last = points[points.length - 1]!;
    return ({ step }) => {
      if (step <= first.step) return first.weights;
      if (step >= last.step) return last.weights;
      let index = 1;
      while (points[index]!.step < step) index++;
      const right = points[index]!;
      const left = points[index - 1]!;
      const t = (step - left.step) / (right.step - left.step);
      return left.weights.map(
        (weight: number, source: number) => weight + (right.weights[source]! - weight) * t,
      );
    };
  }
  throw new InvalidArgumentError({
    argument: 'weights.type',
    value: (spec as { type?: unknown }).type,
    message: 'a declarative schedule has type "piecewise" or "linear".',
  });
}
