import type { Dialogue, DialogueTurn } from './dialogue.js';
import {
  type DialogueFileColumns,
  type DialogueFileRow,
  describeKeys,
  describeValue,
  readDialogueFileRows,
  rowError,
} from './read-dialogue-file-rows.js';

export const empatheticDialoguesColumns: DialogueFileColumns = {
  format: 'empathetic-dialogues',
  required: [['conv_id'], ['utterance_idx'], ['utterance']],
  optional: ['speaker_idx', 'prompt', 'context'],
};

/**
 * The dataset's CSV could not quote commas, so its authors wrote them as `_comma_`; the Hub's Parquet
 * conversion kept the escape. ParlAI's teacher undoes it the same way.
 */
export function unescapeEmpatheticDialoguesText(text: string): string {
  return text.replaceAll('_comma_', ',');
}

interface Utterance {
  index: number;
  speaker: string | undefined;
  text: string;
  row: DialogueFileRow;
}

interface Conversation {
  id: string;
  meta: Record<string, unknown>;
  utterances: Utterance[];
}

/**
 * Empathetic Dialogues: one row per utterance, grouped by `conv_id` (in order of first appearance,
 * across all files) and ordered by `utterance_idx`. `context` (the emotion label) and `prompt` (the
 * situation the speaker was given) become `meta.emotion` and `meta.situation`.
 */
export async function readEmpatheticDialogues(
  files: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Dialogue[]> {
  const conversations = new Map<string, Conversation>();
  for (const file of files) {
    for await (const row of readDialogueFileRows(file, empatheticDialoguesColumns, signal)) {
      const { value } = row;
      const id = requireIdentifier(row, 'conv_id');
      const index = requireInteger(row, 'utterance_idx');
      const utterance = value['utterance'];
      if (typeof utterance !== 'string') {
        throw rowError(
          row,
          'utterance',
          `expected a string, got ${describeValue(utterance)}${hint(row, 'utterance')}.`,
        );
      }
      const speakerValue = value['speaker_idx'];
      const speaker =
        speakerValue === undefined || speakerValue === null || speakerValue === ''
          ? undefined
          : String(speakerValue);
      let conversation = conversations.get(id);
      if (conversation === undefined) {
        conversation = { id, meta: conversationMeta(value), utterances: [] };
        conversations.set(id, conversation);
      }
      conversation.utterances.push({ index, speaker, text: unescapeEmpatheticDialoguesText(utterance), row });
    }
  }
  const dialogues: Dialogue[] = [];
  for (const conversation of conversations.values()) {
    const utterances = conversation.utterances.sort((a, b) => a.index - b.index);
    for (let position = 1; position < utterances.length; position++) {
      const previous = utterances[position - 1] as Utterance;
      const current = utterances[position] as Utterance;
      if (current.index === previous.index) {
        const [first, second] = [previous.row, current.row].sort(
          (a, b) => a.file.localeCompare(b.file) || a.row - b.row,
        ) as [DialogueFileRow, DialogueFileRow];
        throw rowError(
          second,
          'utterance_idx',
          `conversation "${conversation.id}" has utterance_idx ${current.index} twice (also at ${first.file}, row ${first.row}).`,
        );
      }
    }
    const turns: DialogueTurn[] = utterances.map((utterance, position) => ({
      // Without speaker_idx the roles follow from the protocol: speaker and listener alternate.
      speaker: utterance.speaker ?? (position % 2 === 0 ? 'speaker' : 'listener'),
      text: utterance.text,
    }));
    dialogues.push({
      id: conversation.id,
      turns,
      ...(Object.keys(conversation.meta).length === 0 ? {} : { meta: conversation.meta }),
    });
  }
  return dialogues;
}

function conversationMeta(value: Record<string, unknown>): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (typeof value['context'] === 'string') meta['emotion'] = value['context'];
  if (typeof value['prompt'] === 'string')
    meta['situation'] = unescapeEmpatheticDialoguesText(value['prompt']);
  return meta;
}

function hint(row: DialogueFileRow, column: string): string {
  return row.value[column] === undefined ? ` (the row has ${describeKeys(row.value)})` : '';
}

function requireIdentifier(row: DialogueFileRow, column: string): string {
  const value = row.value[column];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw rowError(
    row,
    column,
    `expected a non-empty string, got ${describeValue(value)}${hint(row, column)}.`,
  );
}

function requireInteger(row: DialogueFileRow, column: string): number {
  const value = row.value[column];
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  // CSV-derived JSON often keeps numbers as text.
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  throw rowError(row, column, `expected an integer, got ${describeValue(value)}${hint(row, column)}.`);
}
