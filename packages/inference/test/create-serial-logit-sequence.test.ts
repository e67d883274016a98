import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { createSerialLogitSequence, type LogitSequenceBackend } from '../src/create-serial-logit-sequence.js';

/** A backend whose state is the list of appended tokens; each append waits for `release` of a gate. */
function recordingBackend() {
  const history: number[] = [];
  const calls: number[][] = [];
  const gates: Array<() => void> = [];
  let released = 0;
  const backend: LogitSequenceBackend = {
    async append(tokens, keep) {
      calls.push([...tokens]);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (!keep()) return undefined;
      history.push(...tokens);
      return Float32Array.of(history.length, tokens.at(-1) ?? -1, 0);
    },
    async release() {
      released++;
    },
  };
  const openGate = async () => {
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    gates.shift()?.();
  };
  return { backend, history, calls, openGate, released: () => released };
}

describe('createSerialLogitSequence', () => {
  it('runs calls one after another and returns copies', async () => {
    const { backend, history, calls, openGate } = recordingBackend();
    const sequence = createSerialLogitSequence({ vocabularySize: 3, maxTokens: 10, modelId: 'm', backend });
    const first = sequence.doNextLogProbs({ tokens: [0, 1] });
    const second = sequence.doNextLogProbs({ tokens: [2] });
    await openGate();
    expect(Array.from(await first)).toEqual([2, 1, 0]);
    expect(calls).toEqual([[0, 1]]);
    await openGate();
    const secondResult = await second;
    expect(Array.from(secondResult)).toEqual([3, 2, 0]);
    expect(history).toEqual([0, 1, 2]);
    secondResult[0] = 99;
    expect(Array.from(await sequence.doNextLogProbs({ tokens: [] }))).toEqual([3, 2, 0]);
  });

  it('rejects at once on abort and tells the backend to roll back', async () => {
    const { backend, history, openGate } = recordingBackend();
    const sequence = createSerialLogitSequence({ vocabularySize: 3, maxTokens: 10, modelId: 'm', backend });
    const controller = new AbortController();
    const call = sequence.doNextLogProbs({ tokens: [1], abortSignal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('stop'));
    await expect(call).rejects.toSatisfy(CancelledError.isInstance);
    // The backend is still computing; once done it sees keep() === false and keeps nothing.
    const next = sequence.doNextLogProbs({ tokens: [2] });
    await openGate();
    await openGate();
    expect(Array.from(await next)).toEqual([1, 2, 0]);
    expect(history).toEqual([2]);
  });

  it('validates tokens and the context before the backend sees them', async () => {
    const { backend, calls, openGate } = recordingBackend();
    const sequence = createSerialLogitSequence({ vocabularySize: 3, maxTokens: 2, modelId: 'm', backend });
    await expect(sequence.doNextLogProbs({ tokens: [] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(sequence.doNextLogProbs({ tokens: [3] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(sequence.doNextLogProbs({ tokens: [0, 1, 2] })).rejects.toThrow(/context of 2 tokens/);
    expect(calls).toEqual([]);
    const call = sequence.doNextLogProbs({ tokens: [0, 1] });
    await openGate();
    await call;
    await expect(sequence.doNextLogProbs({ tokens: [2] })).rejects.toThrow(/context of 2 tokens/);
  });

  it('disposes once, after the call in flight, and refuses calls afterwards', async () => {
    const { backend, calls, openGate, released } = recordingBackend();
    let onReleased = 0;
    const sequence = createSerialLogitSequence({
      vocabularySize: 3,
      maxTokens: 10,
      modelId: 'm',
      backend,
      onReleased: () => onReleased++,
    });
    const call = sequence.doNextLogProbs({ tokens: [1] });
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // One call is running in the backend, the next is queued behind it.
    const queued = sequence.doNextLogProbs({ tokens: [2] });
    const disposed = sequence.dispose();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(released()).toBe(0);
    await openGate();
    expect(Array.from(await call)).toEqual([1, 1, 0]);
    await expect(queued).rejects.toThrow(/disposed/);
    await disposed;
    expect(calls).toEqual([[1]]);
    await sequence.dispose();
    expect(released()).toBe(1);
    expect(onReleased).toBe(1);
    await expect(sequence.doNextLogProbs({ tokens: [1] })).rejects.toThrow(/disposed/);
  });
});
