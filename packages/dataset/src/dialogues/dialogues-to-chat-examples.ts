import type { ChatMessage } from '@tonekit/core';
import type { Dialogue } from './dialogue.js';
import { type DialogueConversionOptions, dialogueResponseTurns } from './dialogue-response-turns.js';

/** One line of an OpenAI chat fine-tuning file. Nothing beside `messages`: OpenAI rejects unknown keys. */
export interface ChatExample {
  messages: ChatMessage[];
}

export type DialoguesToChatExamplesOptions = DialogueConversionOptions;

/**
 * Chat fine-tuning examples from dialogues: one per responder turn that answers someone (see
 * `dialogueResponseTurns` for the rules), `[system?, ...context alternating user/assistant, assistant =
 * the responder's turn]`. A dialogue of n alternating turns gives about n/2 examples, each with the
 * whole conversation so far, as ParlAI's teachers present them.
 */
export function dialoguesToChatExamples(
  dialogues: Iterable<Dialogue>,
  options: DialoguesToChatExamplesOptions,
): ChatExample[] {
  const examples: ChatExample[] = [];
  for (const { messages, reference } of dialogueResponseTurns(dialogues, options)) {
    examples.push({ messages: [...messages, { role: 'assistant', content: reference }] });
  }
  return examples;
}
