/** One utterance of a dialogue. */
export interface DialogueTurn {
  /**
   * Who said it, as the dataset names them: the `speaker_idx` of Empathetic Dialogues (a worker id),
   * `0_Wizard` / `1_Apprentice` in Wizard of Wikipedia, the `role` of chat messages.
   */
  speaker: string;
  text: string;
}

/** A conversation, in order, whatever dataset it came from. */
export interface Dialogue {
  /** Stable across runs: the dataset's own id when it has one, otherwise `<folder>/<file>:<row>`. */
  id: string;
  turns: DialogueTurn[];
  /** Per-dialogue fields of the source kept for prompts and filtering (emotion, situation, topic...). */
  meta?: Record<string, unknown>;
}

/**
 * How the rows of a file make dialogues:
 * - `empathetic-dialogues`: one row per utterance (`conv_id`, `utterance_idx`, `utterance`, ...), as in
 *   the Hub's `facebook/empathetic_dialogues`;
 * - `wizard-of-wikipedia`: one row per dialogue with a `dialog` list of `{speaker, text}`, as in
 *   ParlAI's JSON and its Hub conversions;
 * - `turns`: one row per dialogue with `turns` (`{speaker, text}`) or `messages` (`{role, content}`).
 */
export type DialogueFormat = 'empathetic-dialogues' | 'wizard-of-wikipedia' | 'turns';

export const dialogueFormats: readonly DialogueFormat[] = [
  'empathetic-dialogues',
  'wizard-of-wikipedia',
  'turns',
];
