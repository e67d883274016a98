import type { ChatMessage } from '@tonekit/core';
import { InvalidArgumentError } from '@tonekit/core';
import type { Dialogue, DialogueTurn } from './dialogue.js';
import { type DialogueResponder, toResponderPredicate } from './dialogue-responder.js';

/** What becomes of the responder's turns that come before anything was said to them. */
export type LeadingAssistantTurns = 'keep' | 'drop';

export interface DialogueConversionOptions {
  /** Whose turns the model learns to produce; see `defaultResponder(format)`. */
  responder: DialogueResponder;
  /**
   * System message of every example: a string, `null` (the default) for none, or a function of the
   * dialogue (e.g. to state a Wizard of Wikipedia topic). An empty string means none.
   */
  systemPrompt?: string | null | ((dialogue: Dialogue) => string | null);
  /** Turns of context kept before each response (counted before merging). Default: all of them. */
  maxContextTurns?: number;
  /**
   * The responder's turns at the start of the context, before any other party spoke (the Wizard often
   * opens): `keep` (default) leaves them as assistant messages; `drop` removes them, for chat templates
   * that insist on a user message first (Gemma, Mistral).
   */
  leadingAssistant?: LeadingAssistantTurns;
}

/** One responder turn with the context it answers. */
export interface DialogueResponseTurn {
  dialogue: Dialogue;
  /** Position of the response in `dialogue.turns`. */
  index: number;
  /** System message (when any) and context, alternating user/assistant, ending with a user message. */
  messages: ChatMessage[];
  /** The responder's turn, trimmed. */
  reference: string;
}

/** Joins consecutive turns of one side: two lines of one speaker read as one message. */
const mergeSeparator = '\n';

/**
 * Every turn of the responder that answers someone, with its context as chat messages: the
 * responder's turns are `assistant`, everyone else's `user`; consecutive turns of one side merge into
 * one message; texts are trimmed and empty turns left out. A turn is skipped when its text is empty or
 * when its context does not end with another party's turn (the opener, or a second message in a row:
 * it answers no one, and an example ending with two assistant messages would not alternate).
 */
export function* dialogueResponseTurns(
  dialogues: Iterable<Dialogue>,
  options: DialogueConversionOptions,
): Generator<DialogueResponseTurn, void, undefined> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      argument: 'options',
      value: options,
      message: 'expected an options object.',
    });
  }
  const isResponder = toResponderPredicate(options.responder);
  const { systemPrompt = null, maxContextTurns, leadingAssistant = 'keep' } = options;
  if (maxContextTurns !== undefined && !(Number.isSafeInteger(maxContextTurns) && maxContextTurns >= 1)) {
    throw new InvalidArgumentError({
      argument: 'maxContextTurns',
      value: maxContextTurns,
      message: 'expected an integer >= 1.',
    });
  }
  if (leadingAssistant !== 'keep' && leadingAssistant !== 'drop') {
    throw new InvalidArgumentError({
      argument: 'leadingAssistant',
      value: leadingAssistant,
      message: "expected 'keep' or 'drop'.",
    });
  }
  if (systemPrompt !== null && typeof systemPrompt !== 'string' && typeof systemPrompt !== 'function') {
    throw new InvalidArgumentError({
      argument: 'systemPrompt',
      value: systemPrompt,
      message: 'expected a string, null or a function of the dialogue.',
    });
  }
  for (const dialogue of dialogues) {
    const roles = dialogue.turns.map((turn, index): 'user' | 'assistant' =>
      isResponder(turn, index, dialogue) ? 'assistant' : 'user',
    );
    let system: ChatMessage[] | undefined;
    for (let index = 1; index < dialogue.turns.length; index++) {
      if (roles[index] !== 'assistant') continue;
      const reference = (dialogue.turns[index] as DialogueTurn).text.trim();
      if (reference === '') continue;
      const start = maxContextTurns === undefined ? 0 : Math.max(0, index - maxContextTurns);
      const context = mergeTurns(dialogue.turns, roles, start, index);
      if (leadingAssistant === 'drop') while (context[0]?.role === 'assistant') context.shift();
      if (context.at(-1)?.role !== 'user') continue;
      if (system === undefined) {
        const text = typeof systemPrompt === 'function' ? systemPrompt(dialogue) : systemPrompt;
        system = typeof text === 'string' && text !== '' ? [{ role: 'system', content: text }] : [];
      }
      yield {
        dialogue,
        index,
        messages: [...system.map((message) => ({ ...message })), ...context],
        reference,
      };
    }
  }
}

function mergeTurns(
  turns: readonly DialogueTurn[],
  roles: readonly ('user' | 'assistant')[],
  start: number,
  end: number,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let index = start; index < end; index++) {
    const text = (turns[index] as DialogueTurn).text.trim();
    if (text === '') continue;
    const role = roles[index] as 'user' | 'assistant';
    const last = messages.at(-1);
    if (last?.role === role) last.content += mergeSeparator + text;
    else messages.push({ role, content: text });
  }
  return messages;
}
