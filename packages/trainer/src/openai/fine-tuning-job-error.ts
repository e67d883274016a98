import { hasErrorMarker, setErrorMarker, TonekitError } from '@tonekit/core';

const marker = Symbol.for('tonekit.error.FineTuningJobError');

export interface FineTuningJobErrorOptions {
  jobId: string;
  /** OpenAI's machine-readable code, such as `invalid_training_file`; absent when the job gave none. */
  code?: string;
  /** The parameter at fault, usually `training_file` or `validation_file`. */
  param?: string | null;
  /** OpenAI's explanation of the failure. */
  reason: string;
  cause?: unknown;
}

/**
 * An OpenAI fine-tuning job ended in `failed`. The calls themselves succeeded (those failures are
 * `ApiCallError`s); the job did not, for the reason OpenAI gives in the job's `error` object.
 */
export class FineTuningJobError extends TonekitError {
  readonly jobId: string;
  readonly code: string | undefined;
  readonly param: string | null;
  readonly reason: string;

  constructor({ jobId, code, param = null, reason, cause }: FineTuningJobErrorOptions) {
    super({
      message: `OpenAI fine-tuning job ${jobId} failed${code === undefined ? '' : ` (${code}${param ? `, ${param}` : ''})`}: ${reason}`,
      cause,
    });
    this.name = 'FineTuningJobError';
    setErrorMarker(this, marker);
    this.jobId = jobId;
    this.code = code;
    this.param = param;
    this.reason = reason;
  }

  static override isInstance(value: unknown): value is FineTuningJobError {
    return hasErrorMarker(value, marker);
  }
}
