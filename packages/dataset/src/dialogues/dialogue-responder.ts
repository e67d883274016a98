import { InvalidArgumentError } from '@tonekit/core';
import type { Dialogue, DialogueFormat, DialogueTurn } from './dialogue.js';

/** Whether `turn` (at `index` in `dialogue.turns`) is spoken by the party the model learns to play. */
export type DialogueResponderPredicate = (turn: DialogueTurn, index: number, dialogue: Dialogue) => boolean;

/**
 * Who the model plays: a predicate; `'odd'` / `'even'` for the turns at odd / even zero-based positions
 * (`'odd'` = the 2nd, 4th, ... turn: whoever answers the opener); or `{speaker}` for the turns whose
 * speaker matches the pattern.
 */
export type DialogueResponder = DialogueResponderPredicate | 'odd' | 'even' | { speaker: RegExp };

/** The wizard of Wizard of Wikipedia, whatever digit prefixes it (`0_Wizard`, `1_Wizard`). */
const wizard = /wizard/i;

const chatResponder: DialogueResponderPredicate = (turn, index, dialogue) =>
  dialogue.turns.some((candidate) => candidate.speaker === 'assistant')
    ? turn.speaker === 'assistant'
    : index % 2 === 1;

/**
 * The responder seed B trains each model to be:
 * - `empathetic-dialogues`: `'odd'`: the listener, who answers the speaker's story (ParlAI's
 *   EmpatheticDialogues teacher labels the same utterances);
 * - `wizard-of-wikipedia`: `{speaker: /wizard/i}`: the knowledgeable Wizard, not the Apprentice;
 * - `turns`: the `assistant` turns when the dialogue has any (chat messages), otherwise `'odd'`.
 */
export function defaultResponder(format: DialogueFormat): DialogueResponder {
  switch (format) {
    case 'empathetic-dialogues':
      return 'odd';
    case 'wizard-of-wikipedia':
      return { speaker: wizard };
    case 'turns':
      return chatResponder;
    default:
      throw new InvalidArgumentError({
        argument: 'format',
        value: format,
        message: 'expected empathetic-dialogues, wizard-of-wikipedia or turns.',
      });
  }
}

/** The responder as a predicate, checked once so a typo fails before any dialogue is read. */
export function toResponderPredicate(
  responder: DialogueResponder,
  argument = 'responder',
): DialogueResponderPredicate {
  if (typeof responder === 'function') {
    return (turn, index, dialogue) => responder(turn, index, dialogue) === true;
  }
  if (responder === 'odd') return (_turn, index) => index % 2 === 1;
  if (responder === 'even') return (_turn, index) => index % 2 === 0;
  if (typeof responder === 'object' && responder !== null && responder.speaker instanceof RegExp) {
    const pattern = responder.speaker;
    return (turn) => {
      // A /g or /y pattern remembers where it stopped; every speaker must be tested from the start.
      pattern.lastIndex = 0;
      return pattern.test(turn.speaker);
    };
  }
  throw new InvalidArgumentError({
    argument,
    value: responder,
    message: "expected a function, 'odd', 'even' or {speaker: RegExp}.",
  });
}

/** A short description for manifests (a function cannot be serialized). */
export function describeResponder(responder: DialogueResponder): string {
  if (typeof responder === 'function')
    return responder === chatResponder ? 'assistant, else odd' : 'function';
  if (typeof responder === 'string') return responder;
  return `speaker ${String(responder.speaker)}`;
}
