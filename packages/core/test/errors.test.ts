import {
  ApiCallError,
  CancelledError,
  InvalidArgumentError,
  ModelLoadError,
  RetryError,
  TonekitError,
  WorkerCrashedError,
  WorkerError,
} from '@tonekit/core';
import { describe, expect, it } from 'vitest';

describe('TonekitError', () => {
  it('always has a cause property, undefined when none was given', () => {
    const error = new TonekitError({ message: 'boom' });
    expect(Object.hasOwn(error, 'cause')).toBe(true);
    expect(error.cause).toBeUndefined();
    expect(error.message).toBe('boom');
    expect(error.name).toBe('TonekitError');
    expect(error).toBeInstanceOf(Error);
  });

  it('keeps the cause it was given', () => {
    const cause = new TypeError('fetch failed');
    expect(new TonekitError({ message: 'x', cause }).cause).toBe(cause);
  });

  it('recognizes instances of a duplicated copy of the class through the registry marker', () => {
    // What a second install of core would define: a different class with the same Symbol.for key.
    class DuplicateApiCallError extends Error {
      constructor() {
        super('from the other copy');
        Object.defineProperty(this, Symbol.for('tonekit.error'), { value: true });
        Object.defineProperty(this, Symbol.for('tonekit.error.ApiCallError'), { value: true });
      }
    }
    const foreign = new DuplicateApiCallError();
    expect(foreign instanceof ApiCallError).toBe(false);
    expect(TonekitError.isInstance(foreign)).toBe(true);
    expect(ApiCallError.isInstance(foreign)).toBe(true);
    expect(RetryError.isInstance(foreign)).toBe(false);
  });

  it('rejects look-alikes without the marker', () => {
    const impostor = Object.assign(new Error('x'), { name: 'ApiCallError', isRetryable: true });
    expect(TonekitError.isInstance(impostor)).toBe(false);
    expect(ApiCallError.isInstance(impostor)).toBe(false);
    for (const value of [null, undefined, 'ApiCallError', 42, {}]) {
      expect(TonekitError.isInstance(value)).toBe(false);
    }
  });

  it('keeps the markers non-enumerable, so spreads and logs do not carry them', () => {
    const error = new ApiCallError({ message: 'x', url: 'https://example.test' });
    for (const key of [Symbol.for('tonekit.error'), Symbol.for('tonekit.error.ApiCallError')]) {
      expect(Object.getOwnPropertyDescriptor(error, key)).toMatchObject({ value: true, enumerable: false });
    }
    expect(Object.getOwnPropertySymbols({ ...error })).toEqual([]);
  });
});

describe('subclasses', () => {
  const cause = new Error('root');
  const cases: Array<[string, TonekitError, (value: unknown) => boolean]> = [
    ['ApiCallError', new ApiCallError({ message: 'm', url: 'u', cause }), ApiCallError.isInstance],
    [
      'InvalidArgumentError',
      new InvalidArgumentError({ argument: 'a', value: 1, message: 'm', cause }),
      InvalidArgumentError.isInstance,
    ],
    ['ModelLoadError', new ModelLoadError({ message: 'm', path: '/x', cause }), ModelLoadError.isInstance],
    [
      'WorkerCrashedError',
      new WorkerCrashedError({ exitCode: 1, signal: null, stderrTail: '', cause }),
      WorkerCrashedError.isInstance,
    ],
    [
      'WorkerError',
      new WorkerError({ message: 'm', pythonType: 'ValueError', traceback: 't', cause }),
      WorkerError.isInstance,
    ],
    ['CancelledError', new CancelledError({ cause }), CancelledError.isInstance],
    [
      'RetryError',
      new RetryError({ message: 'm', reason: 'non-retryable', errors: [cause] }),
      RetryError.isInstance,
    ],
  ];

  it.each(cases)('%s sets its name, its cause and both markers', (name, error, isInstance) => {
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
    expect(isInstance(error)).toBe(true);
    expect(TonekitError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(TonekitError);
    expect(String(error)).toContain(name);
  });

  it('each isInstance accepts only its own class', () => {
    for (const [name, error] of cases) {
      for (const [otherName, , isInstance] of cases) {
        expect(isInstance(error), `${otherName}.isInstance(${name})`).toBe(name === otherName);
      }
    }
  });
});

describe('ApiCallError', () => {
  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [undefined, false],
  ])('status %s is retryable by default: %s', (status, expected) => {
    expect(new ApiCallError({ message: 'm', url: 'u', status }).isRetryable).toBe(expected);
  });

  it('lets the adapter decide retryability and keeps the response details', () => {
    const error = new ApiCallError({
      message: 'Rate limited',
      url: 'https://api.example.test/v1/chat/completions',
      status: 429,
      isRetryable: false,
      requestId: 'req_1',
      responseBody: '{"error":"slow down"}',
      retryAfterMs: 1500,
    });
    expect(error).toMatchObject({
      status: 429,
      isRetryable: false,
      requestId: 'req_1',
      responseBody: '{"error":"slow down"}',
      retryAfterMs: 1500,
      url: 'https://api.example.test/v1/chat/completions',
    });
  });
});

describe('other details', () => {
  it('InvalidArgumentError names the argument in its message', () => {
    const error = new InvalidArgumentError({ argument: 'limit', value: 0, message: 'must be >= 1.' });
    expect(error.message).toBe('Invalid argument `limit`: must be >= 1.');
    expect(error.argument).toBe('limit');
    expect(error.value).toBe(0);
  });

  it('WorkerCrashedError describes the exit and includes the stderr tail', () => {
    const killed = new WorkerCrashedError({ exitCode: null, signal: 'SIGKILL', stderrTail: 'CUDA OOM\n' });
    expect(killed.message).toBe('Worker was killed by SIGKILL. Last stderr output:\nCUDA OOM');
    const exited = new WorkerCrashedError({ exitCode: 3, signal: null, stderrTail: '  ' });
    expect(exited.message).toBe('Worker exited with code 3.');
    expect(exited.exitCode).toBe(3);
    expect(
      new WorkerCrashedError({ exitCode: 1, signal: null, stderrTail: '', message: 'custom' }).message,
    ).toBe('custom');
  });

  it('WorkerError keeps the Python type and traceback', () => {
    const error = new WorkerError({
      message: 'bad',
      pythonType: 'torch.OutOfMemoryError',
      traceback: 'Traceback…',
    });
    expect(error.pythonType).toBe('torch.OutOfMemoryError');
    expect(error.traceback).toBe('Traceback…');
  });

  it('ModelLoadError keeps the model id and path', () => {
    const error = new ModelLoadError({ message: 'missing', modelId: 'org/model', path: '/models/x.gguf' });
    expect(error.modelId).toBe('org/model');
    expect(error.path).toBe('/models/x.gguf');
  });

  it('CancelledError.fromSignal wraps the reason, or reuses it when it already is a CancelledError', () => {
    const controller = new AbortController();
    const reason = new Error('user pressed Ctrl-C');
    controller.abort(reason);
    const error = CancelledError.fromSignal(controller.signal);
    expect(error.cause).toBe(reason);
    expect(error.message).toBe('The operation was cancelled.');

    const again = new AbortController();
    const cancelled = new CancelledError({ message: 'shutting down' });
    again.abort(cancelled);
    expect(CancelledError.fromSignal(again.signal)).toBe(cancelled);
  });

  it('RetryError exposes every error, the last one and the attempt count', () => {
    const errors = [new Error('a'), new Error('b'), new Error('c')];
    const error = new RetryError({ message: 'm', reason: 'max-retries-exceeded', errors });
    expect(error.attempts).toBe(3);
    expect(error.errors).toEqual(errors);
    expect(error.errors).not.toBe(errors);
    expect(error.lastError).toBe(errors[2]);
    expect(error.cause).toBe(errors[2]);
    expect(error.reason).toBe('max-retries-exceeded');
  });
});
