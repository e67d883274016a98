import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.ModelLoadError');

export interface ModelLoadErrorOptions {
  message: string;
  /** Hub id or name of the model, when it was given by id. */
  modelId?: string;
  /** Local file or folder, when it was given by path. */
  path?: string;
  cause?: unknown;
}

/** A model, tokenizer or adapter could not be loaded (missing file, wrong format, out of memory). */
export class ModelLoadError extends TonekitError {
  readonly modelId: string | undefined;
  readonly path: string | undefined;

  constructor({ message, modelId, path, cause }: ModelLoadErrorOptions) {
    super({ message, cause });
    this.name = 'ModelLoadError';
    setErrorMarker(this, marker);
    this.modelId = modelId;
    this.path = path;
  }

  static override isInstance(value: unknown): value is ModelLoadError {
    return hasErrorMarker(value, marker);
  }
}
