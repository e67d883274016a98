import type { ChatMessage } from '@tonekit/core';
import type { Dialogue } from './dialogue.js';
import { type DialogueConversionOptions, dialogueResponseTurns } from './dialogue-response-turns.js';

/**
 * A test prompt, in the shape `tonekit blend --prompts` reads and the evaluator carries through:
 * the model answers `messages`, its answer is scored against `reference`.
 */
export interface DialogueTestPrompt {
  /** `<dialogue id>#<turn index>`: unique per responder turn, stable across runs. */
  id: string;
  /**
   * The last user message of the context: what the response answers (consecutive turns of the other
   * side merged, one per line). Short enough for report tables, and what a single-turn prompt would ask.
   */
  question: string;
  /** System message (when any) and the whole context, ending with the user message, for a chat model. */
  messages: ChatMessage[];
  /** The responder's own turn in the dataset: the gold response. */
  reference: string;
}

export type DialoguesToTestPromptsOptions = DialogueConversionOptions;

/**
 * Test prompts from dialogues: one per responder turn that answers someone, with the same context as
 * `dialoguesToChatExamples` would train on and the gold turn as `reference` (seed B scores every
 * response of the test split against its reference).
 */
export function dialoguesToTestPrompts(
  dialogues: Iterable<Dialogue>,
  options: DialoguesToTestPromptsOptions,
): DialogueTestPrompt[] {
  const prompts: DialogueTestPrompt[] = [];
  for (const { dialogue, index, messages, reference } of dialogueResponseTurns(dialogues, options)) {
    prompts.push({
      id: `${dialogue.id}#${index}`,
      question: (messages.at(-1) as ChatMessage).content,
      messages,
      reference,
    });
  }
  return prompts;
}
