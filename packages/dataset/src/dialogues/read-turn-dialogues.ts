import type { Dialogue, DialogueTurn } from './dialogue.js';
import {
  type DialogueFileColumns,
  describeKeys,
  describeValue,
  readDialogueFileRows,
  rowError,
  rowIdentifier,
} from './read-dialogue-file-rows.js';
import { readTurnList } from './read-wizard-of-wikipedia.js';

export const turnDialoguesColumns: DialogueFileColumns = {
  format: 'turns',
  required: [['turns', 'messages']],
  optional: ['id', 'meta'],
};

/**
 * The generic format: one row per dialogue with `turns` (a list of `{speaker, text}`) or, failing that,
 * `messages` (a list of `{role, content}`, as chat files have). System messages are not turns of the
 * conversation: their contents go to `meta.system`. `id` is optional; an object `meta` column is kept.
 */
export async function readTurnDialogues(
  files: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Dialogue[]> {
  const dialogues: Dialogue[] = [];
  for (const file of files) {
    for await (const row of readDialogueFileRows(file, turnDialoguesColumns, signal)) {
      const { value } = row;
      const meta: Record<string, unknown> = {};
      const extra = value['meta'];
      if (typeof extra === 'object' && extra !== null && !Array.isArray(extra)) Object.assign(meta, extra);
      let turns: DialogueTurn[];
      if (value['turns'] !== undefined && value['turns'] !== null) {
        turns = readTurnList(row, 'turns', 'speaker', 'text');
      } else if (value['messages'] !== undefined && value['messages'] !== null) {
        const messages = readTurnList(row, 'messages', 'role', 'content');
        const system = messages.filter((message) => message.speaker === 'system');
        if (system.length > 0) meta['system'] = system.map((message) => message.text).join('\n\n');
        turns = messages.filter((message) => message.speaker !== 'system');
      } else {
        throw rowError(
          row,
          'turns',
          `the turns format needs "turns" (a list of {speaker, text}) or "messages" (a list of {role, content}); the row has ${describeKeys(value)}${
            value['turns'] === null ? ' ("turns" is null)' : ''
          }.`,
        );
      }
      const id = value['id'];
      if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
        throw rowError(row, 'id', `expected a string or a number, got ${describeValue(id)}.`);
      }
      dialogues.push({
        id: id === undefined || id === null || id === '' ? rowIdentifier(row.file, row.row) : String(id),
        turns,
        ...(Object.keys(meta).length === 0 ? {} : { meta }),
      });
    }
  }
  return dialogues;
}
