import type { ChatGenerateResult } from '@tonekit/core';
import { createMockChatModel, type MockChatModel, type MockChatModelSettings } from './mock-chat-model.js';

/** One step of a script: an answer, or an error the call rejects with. */
export type ScriptedChatStep = string | Partial<ChatGenerateResult> | Error;

export interface ScriptedChatModelSettings
  extends Omit<MockChatModelSettings, 'responses' | 'generate' | 'failures'> {
  /** Consumed one step per call, in call order. */
  script: ScriptedChatStep[];
}

/** A mock chat model that follows a script, step by step. */
export interface ScriptedChatModel extends MockChatModel {
  /** Steps not used yet. */
  readonly remaining: number;
}

/**
 * Creates a chat model that plays `script` one step per call: an `Error` step makes the call reject
 * with it, any other step is the answer (see `createMockChatModel` for how answers are completed).
 * Unlike the mock's cycling `responses`, a call past the end of the script fails loudly, so a test
 * notices when the code under test calls more often than expected.
 *
 * @example A rate limit once, then success:
 * createScriptedChatModel({ script: [new ApiCallError({ message: 'Too many requests', url, status: 429 }), 'Hi!'] })
 */
export function createScriptedChatModel({
  script,
  ...settings
}: ScriptedChatModelSettings): ScriptedChatModel {
  const steps = [...script];
  const model = createMockChatModel({
    ...settings,
    generate: (_options, callIndex) => {
      const step = steps[callIndex];
      if (step === undefined) {
        throw new Error(
          `Scripted chat model: no step for call ${callIndex + 1}, the script has ${steps.length} step(s).`,
        );
      }
      if (step instanceof Error) throw step;
      return step;
    },
  });
  return Object.defineProperty(model, 'remaining', {
    get: () => Math.max(0, steps.length - model.calls.length),
    enumerable: true,
  }) as ScriptedChatModel;
}
