import type { Dialogue, DialogueTurn } from './dialogue.js';
import {
  type DialogueFileColumns,
  type DialogueFileRow,
  describeKeys,
  describeValue,
  readDialogueFileRows,
  rowError,
  rowIdentifier,
} from './read-dialogue-file-rows.js';

export const wizardOfWikipediaColumns: DialogueFileColumns = {
  format: 'wizard-of-wikipedia',
  required: [['dialog']],
  optional: ['id', 'chosen_topic', 'persona', 'wizard_eval'],
};

/**
 * Wizard of Wikipedia: one row per dialogue. `dialog` is the list of turns, each with a string `speaker`
 * (`0_Wizard`, `1_Apprentice`, ...: the digit says who spoke first) and `text`; the knowledge fields of
 * each turn (`checked_sentence`, `retrieved_passages`, ...) are ignored. Some Hub conversions store
 * `dialog` as a JSON string: that is accepted too. `id` is optional; `chosen_topic`, `persona` and
 * `wizard_eval` become `meta.topic`, `meta.persona` and `meta.wizardEval`.
 */
export async function readWizardOfWikipedia(
  files: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Dialogue[]> {
  const dialogues: Dialogue[] = [];
  for (const file of files) {
    for await (const row of readDialogueFileRows(file, wizardOfWikipediaColumns, signal)) {
      const { value } = row;
      const turns = readTurnList(row, 'dialog', 'speaker', 'text');
      const id = value['id'];
      const meta: Record<string, unknown> = {};
      if (value['chosen_topic'] !== undefined && value['chosen_topic'] !== null)
        meta['topic'] = value['chosen_topic'];
      if (value['persona'] !== undefined && value['persona'] !== null) meta['persona'] = value['persona'];
      if (value['wizard_eval'] !== undefined && value['wizard_eval'] !== null)
        meta['wizardEval'] = value['wizard_eval'];
      dialogues.push({
        id: id === undefined || id === null || id === '' ? rowIdentifier(row.file, row.row) : String(id),
        turns,
        ...(Object.keys(meta).length === 0 ? {} : { meta }),
      });
    }
  }
  return dialogues;
}

/**
 * Reads `column` as a list of objects with string `speakerKey` and `textKey`. A JSON string holding
 * such a list is parsed first. Errors name the item and key.
 */
export function readTurnList(
  row: DialogueFileRow,
  column: string,
  speakerKey: string,
  textKey: string,
): DialogueTurn[] {
  let list = row.value[column];
  if (list === undefined) {
    throw rowError(row, column, `missing (the row has ${describeKeys(row.value)}).`);
  }
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (error) {
      throw rowError(
        row,
        column,
        `a string that is not a JSON list of turns (${(error as Error).message}).`,
        error,
      );
    }
  }
  if (!Array.isArray(list)) {
    throw rowError(
      row,
      column,
      `expected a list of {${speakerKey}, ${textKey}} objects, got ${describeValue(list)}.`,
    );
  }
  return list.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw rowError(
        row,
        column,
        `item ${index}: expected an object with "${speakerKey}" and "${textKey}", got ${describeValue(item)}.`,
      );
    }
    const record = item as Record<string, unknown>;
    const speaker = record[speakerKey];
    const text = record[textKey];
    if (typeof speaker !== 'string' || speaker === '') {
      throw rowError(
        row,
        column,
        `item ${index}: "${speakerKey}" should be a non-empty string, got ${describeValue(speaker)}.`,
      );
    }
    if (typeof text !== 'string') {
      throw rowError(
        row,
        column,
        `item ${index}: "${textKey}" should be a string, got ${describeValue(text)}.`,
      );
    }
    return { speaker, text };
  });
}
