import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import {
  DatasetFormatError,
  type Dialogue,
  DialogueFormatError,
  readDialogues,
  unescapeEmpatheticDialoguesText,
  writeJsonl,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './support/temporary-directory.js';

let dir: string;
beforeAll(async () => {
  dir = await temporaryDirectory('tonekit-dialogues-read-');
});

/** Rows as the Hub's `facebook/empathetic_dialogues` Parquet conversion has them (same columns and types). */
interface EmpatheticRow {
  conv_id: string;
  utterance_idx: number;
  context: string;
  prompt: string;
  speaker_idx: number;
  utterance: string;
}

function empatheticTable(rows: EmpatheticRow[]): arrow.Table {
  const column = <K extends keyof EmpatheticRow>(key: K) => rows.map((row) => row[key]);
  return new arrow.Table({
    conv_id: arrow.vectorFromArray(column('conv_id'), new arrow.Utf8()),
    utterance_idx: arrow.vectorFromArray(column('utterance_idx'), new arrow.Int32()),
    context: arrow.vectorFromArray(column('context'), new arrow.Utf8()),
    prompt: arrow.vectorFromArray(column('prompt'), new arrow.Utf8()),
    speaker_idx: arrow.vectorFromArray(column('speaker_idx'), new arrow.Int32()),
    utterance: arrow.vectorFromArray(column('utterance'), new arrow.Utf8()),
    selfeval: arrow.vectorFromArray(
      rows.map(() => '5|5|5_2|2|5'),
      new arrow.Utf8(),
    ),
    tags: arrow.vectorFromArray(
      rows.map(() => ''),
      new arrow.Utf8(),
    ),
  });
}

const situation = 'I remember going to the fireworks with my best friend_comma_ it was great.';
// Out of order and interleaved on purpose: grouping is by conv_id, order by utterance_idx.
const empatheticRows: EmpatheticRow[] = [
  {
    conv_id: 'hit:0_conv:1',
    utterance_idx: 2,
    context: 'sentimental',
    prompt: situation,
    speaker_idx: 0,
    utterance: 'Was this a friend you were in love with_comma_ or just a best friend?',
  },
  {
    conv_id: 'hit:0_conv:1',
    utterance_idx: 1,
    context: 'sentimental',
    prompt: situation,
    speaker_idx: 1,
    utterance: 'I remember going to see the fireworks with my best friend.',
  },
  {
    conv_id: 'hit:1_conv:2',
    utterance_idx: 1,
    context: 'afraid',
    prompt: 'A storm_comma_ at night.',
    speaker_idx: 2,
    utterance: 'Storms scare me.',
  },
  {
    conv_id: 'hit:0_conv:1',
    utterance_idx: 3,
    context: 'sentimental',
    prompt: situation,
    speaker_idx: 1,
    utterance: 'This was a best friend. I miss her.',
  },
  {
    conv_id: 'hit:1_conv:2',
    utterance_idx: 2,
    context: 'afraid',
    prompt: 'A storm_comma_ at night.',
    speaker_idx: 3,
    utterance: 'Oh no_comma_ did the power go out?',
  },
  {
    conv_id: 'hit:0_conv:1',
    utterance_idx: 4,
    context: 'sentimental',
    prompt: situation,
    speaker_idx: 0,
    utterance: 'Where has she gone?',
  },
];

const turnStruct = new arrow.Struct([
  new arrow.Field('speaker', new arrow.Utf8(), true),
  new arrow.Field('text', new arrow.Utf8(), true),
  new arrow.Field('checked_sentence', new arrow.Utf8(), true),
]);

interface WizardTurn {
  speaker: string;
  text: string;
  checked_sentence?: string | null;
}

/** Rows as ParlAI's JSON has them, minus the bulky passages: `chosen_topic`, `persona`, `wizard_eval`, `dialog`. */
function wizardTable(rows: { topic: string; dialog: WizardTurn[] | null }[]): arrow.Table {
  return new arrow.Table({
    chosen_topic: arrow.vectorFromArray(
      rows.map((row) => row.topic),
      new arrow.Utf8(),
    ),
    persona: arrow.vectorFromArray(
      rows.map(() => 'i like to read.'),
      new arrow.Utf8(),
    ),
    wizard_eval: arrow.vectorFromArray(
      rows.map(() => 5n),
      new arrow.Int64(),
    ),
    dialog: arrow.vectorFromArray(
      rows.map((row) => row.dialog?.map((turn) => ({ checked_sentence: null, ...turn })) ?? null),
      new arrow.List(new arrow.Field('item', turnStruct, true)),
    ),
  });
}

const wizardDialog: WizardTurn[] = [
  {
    speaker: '0_Wizard',
    text: 'Have you heard of the Blue Whale?',
    checked_sentence: 'The blue whale is a marine mammal.',
  },
  { speaker: '1_Apprentice', text: 'Yes, it is huge!' },
  { speaker: '0_Wizard', text: 'It is the largest animal known to have ever existed.' },
];

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('readDialogues: empathetic-dialogues', () => {
  it('groups utterances by conv_id, orders them by utterance_idx and unescapes _comma_ (Parquet)', async () => {
    const file = join(dir, 'ed-train.parquet');
    await writeParquet(file, empatheticTable(empatheticRows));
    const dialogues = await readDialogues([file], { format: 'empathetic-dialogues' });
    expect(dialogues).toEqual<Dialogue[]>([
      {
        id: 'hit:0_conv:1',
        turns: [
          { speaker: '1', text: 'I remember going to see the fireworks with my best friend.' },
          { speaker: '0', text: 'Was this a friend you were in love with, or just a best friend?' },
          { speaker: '1', text: 'This was a best friend. I miss her.' },
          { speaker: '0', text: 'Where has she gone?' },
        ],
        meta: {
          emotion: 'sentimental',
          situation: 'I remember going to the fireworks with my best friend, it was great.',
        },
      },
      {
        id: 'hit:1_conv:2',
        turns: [
          { speaker: '2', text: 'Storms scare me.' },
          { speaker: '3', text: 'Oh no, did the power go out?' },
        ],
        meta: { emotion: 'afraid', situation: 'A storm, at night.' },
      },
    ]);
  });

  it('reads the same rows from JSON Lines, with numbers as text, and groups across files', async () => {
    const first = join(dir, 'ed-a.jsonl');
    const second = join(dir, 'ed-b.jsonl');
    const asText = (row: EmpatheticRow) => ({ ...row, utterance_idx: String(row.utterance_idx) });
    await writeJsonl(first, empatheticRows.slice(0, 3).map(asText));
    await writeJsonl(second, empatheticRows.slice(3).map(asText));
    const fromJsonl = await readDialogues([first, second], { format: 'empathetic-dialogues' });
    const parquet = join(dir, 'ed-same.parquet');
    await writeParquet(parquet, empatheticTable(empatheticRows));
    expect(fromJsonl).toEqual(await readDialogues([parquet], { format: 'empathetic-dialogues' }));
    expect(fromJsonl.map((dialogue) => dialogue.turns.length)).toEqual([4, 2]);
  });

  it('labels speakers by position when speaker_idx is absent', async () => {
    const file = join(dir, 'ed-no-speaker.jsonl');
    await writeJsonl(file, [
      { conv_id: 'c', utterance_idx: 1, utterance: 'a' },
      { conv_id: 'c', utterance_idx: 2, utterance: 'b' },
      { conv_id: 'c', utterance_idx: 3, utterance: 'c' },
    ]);
    const [dialogue] = await readDialogues([file], { format: 'empathetic-dialogues' });
    expect(dialogue?.turns.map((turn) => turn.speaker)).toEqual(['speaker', 'listener', 'speaker']);
    expect(dialogue?.meta).toBeUndefined();
  });

  it('unescapes every _comma_', () => {
    expect(unescapeEmpatheticDialoguesText('a_comma_ b_comma_c _comma_')).toBe('a, b,c ,');
    expect(unescapeEmpatheticDialoguesText('no commas')).toBe('no commas');
  });

  it('names the file and the missing column of a Parquet file before reading rows', async () => {
    const file = join(dir, 'ed-missing.parquet');
    await writeParquet(
      file,
      new arrow.Table({
        conv_id: arrow.vectorFromArray(['c'], new arrow.Utf8()),
        utterance_idx: arrow.vectorFromArray([1], new arrow.Int32()),
        text: arrow.vectorFromArray(['hello'], new arrow.Utf8()),
      }),
    );
    const error = await rejection(readDialogues([file], { format: 'empathetic-dialogues' }));
    expect(DialogueFormatError.isInstance(error)).toBe(true);
    expect(DatasetFormatError.isInstance(error)).toBe(true);
    const formatError = error as DialogueFormatError;
    expect(formatError.file).toBe(file);
    expect(formatError.column).toBe('utterance');
    expect(formatError.message).toContain(file);
    expect(formatError.message).toContain('"utterance"');
    expect(formatError.message).toContain('conv_id, utterance_idx, text');
  });

  it('names the file, row, line and column of a bad value in JSON Lines', async () => {
    const file = join(dir, 'ed-bad.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({ conv_id: 'c', utterance_idx: 1, utterance: 'hi' }),
        '',
        JSON.stringify({ conv_id: 'c', utterance_idx: 'two', utterance: 'there' }),
      ].join('\n'),
    );
    const error = (await rejection(
      readDialogues([file], { format: 'empathetic-dialogues' }),
    )) as DialogueFormatError;
    expect(DialogueFormatError.isInstance(error)).toBe(true);
    expect([error.file, error.row, error.line, error.column]).toEqual([file, 1, 3, 'utterance_idx']);
    expect(error.message).toBe(
      `${file}, row 1 (line 3), column "utterance_idx": expected an integer, got the string "two".`,
    );
  });

  it('rejects a repeated utterance_idx, naming the second row', async () => {
    const file = join(dir, 'ed-duplicate.jsonl');
    await writeJsonl(file, [
      { conv_id: 'c', utterance_idx: 1, utterance: 'a' },
      { conv_id: 'd', utterance_idx: 1, utterance: 'x' },
      { conv_id: 'c', utterance_idx: 1, utterance: 'b' },
    ]);
    const error = (await rejection(
      readDialogues([file], { format: 'empathetic-dialogues' }),
    )) as DialogueFormatError;
    expect([error.row, error.column]).toEqual([2, 'utterance_idx']);
    expect(error.message).toContain('conversation "c" has utterance_idx 1 twice');
  });
});

describe('readDialogues: wizard-of-wikipedia', () => {
  it('reads one dialogue per row from Parquet, with list<struct> dialogs and knowledge fields ignored', async () => {
    const file = join(dir, 'wow', 'train.parquet');
    await writeParquet(
      file,
      wizardTable([
        { topic: 'Blue whale', dialog: wizardDialog },
        { topic: 'Empty', dialog: [] },
      ]),
    );
    const dialogues = await readDialogues([file], { format: 'wizard-of-wikipedia' });
    expect(dialogues).toEqual<Dialogue[]>([
      {
        id: 'wow/train.parquet:0',
        turns: wizardDialog.map(({ speaker, text }) => ({ speaker, text })),
        meta: { topic: 'Blue whale', persona: 'i like to read.', wizardEval: 5 },
      },
      {
        id: 'wow/train.parquet:1',
        turns: [],
        meta: { topic: 'Empty', persona: 'i like to read.', wizardEval: 5 },
      },
    ]);
  });

  it("reads ParlAI's JSON array and JSON Lines, keeping an id column and parsing a dialog stored as a string", async () => {
    const json = join(dir, 'valid_random_split.json');
    await writeFile(json, JSON.stringify([{ chosen_topic: 'Blue whale', dialog: wizardDialog }]));
    const jsonl = join(dir, 'wow-string.jsonl');
    await writeJsonl(jsonl, [{ id: 'w-7', dialog: JSON.stringify(wizardDialog) }]);
    const dialogues = await readDialogues([json, jsonl], { format: 'wizard-of-wikipedia' });
    expect(dialogues.map((dialogue) => dialogue.id)).toEqual([
      `${dir.split('/').at(-1)}/valid_random_split.json:0`,
      'w-7',
    ]);
    expect(dialogues[0]?.turns).toEqual(dialogues[1]?.turns);
    expect(dialogues[1]?.turns[2]).toEqual({ speaker: '0_Wizard', text: wizardDialog[2]?.text });
    expect(dialogues[1]?.meta).toBeUndefined();
  });

  it('names file and column when `dialog` is missing, and file, row and column when it is malformed', async () => {
    const missing = join(dir, 'wow-missing.parquet');
    await writeParquet(
      missing,
      new arrow.Table({ dialogue: arrow.vectorFromArray(['x'], new arrow.Utf8()) }),
    );
    const missingError = (await rejection(
      readDialogues([missing], { format: 'wizard-of-wikipedia' }),
    )) as DialogueFormatError;
    expect([missingError.file, missingError.row, missingError.column]).toEqual([
      missing,
      undefined,
      'dialog',
    ]);
    expect(missingError.message).toContain('columns are dialogue');

    const nullDialog = join(dir, 'wow-null.parquet');
    await writeParquet(
      nullDialog,
      wizardTable([
        { topic: 'ok', dialog: wizardDialog },
        { topic: 'bad', dialog: null },
      ]),
    );
    const nullError = (await rejection(
      readDialogues([nullDialog], { format: 'wizard-of-wikipedia' }),
    )) as DialogueFormatError;
    expect([nullError.file, nullError.row, nullError.column]).toEqual([nullDialog, 1, 'dialog']);
    expect(nullError.message).toContain('got null');

    const badTurn = join(dir, 'wow-bad-turn.jsonl');
    await writeJsonl(badTurn, [
      { dialog: wizardDialog },
      { dialog: [{ speaker: '0_Wizard', text: 'hi' }, { speaker: '1_Apprentice' }] },
    ]);
    const turnError = (await rejection(
      readDialogues([badTurn], { format: 'wizard-of-wikipedia' }),
    )) as DialogueFormatError;
    expect([turnError.row, turnError.line, turnError.column]).toEqual([1, 2, 'dialog']);
    expect(turnError.message).toBe(
      `${badTurn}, row 1 (line 2), column "dialog": item 1: "text" should be a string, got nothing.`,
    );

    const noKey = join(dir, 'wow-no-key.jsonl');
    await writeJsonl(noKey, [{ topic: 'x', turns: [] }]);
    const keyError = (await rejection(
      readDialogues([noKey], { format: 'wizard-of-wikipedia' }),
    )) as DialogueFormatError;
    expect([keyError.row, keyError.column]).toEqual([0, 'dialog']);
    expect(keyError.message).toContain('the row has keys topic, turns');
  });
});

describe('readDialogues: turns', () => {
  it('reads `turns` and `messages` rows; system messages go to meta', async () => {
    const file = join(dir, 'chats.jsonl');
    await writeJsonl(file, [
      {
        id: 'a',
        turns: [
          { speaker: 'Ann', text: 'Hi' },
          { speaker: 'Bob', text: 'Hello' },
        ],
      },
      {
        id: 7,
        meta: { source: 'demo' },
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
        ],
      },
      { messages: [] },
    ]);
    expect(await readDialogues([file], { format: 'turns' })).toEqual<Dialogue[]>([
      {
        id: 'a',
        turns: [
          { speaker: 'Ann', text: 'Hi' },
          { speaker: 'Bob', text: 'Hello' },
        ],
      },
      {
        id: '7',
        turns: [
          { speaker: 'user', text: 'Hi' },
          { speaker: 'assistant', text: 'Hello!' },
        ],
        meta: { source: 'demo', system: 'Be kind.' },
      },
      { id: `${dir.split('/').at(-1)}/chats.jsonl:2`, turns: [] },
    ]);
  });

  it('reads `messages` as list<struct> from Parquet', async () => {
    const file = join(dir, 'chats.parquet');
    const message = new arrow.Struct([
      new arrow.Field('role', new arrow.Utf8(), true),
      new arrow.Field('content', new arrow.Utf8(), true),
    ]);
    await writeParquet(
      file,
      new arrow.Table({
        id: arrow.vectorFromArray(['p'], new arrow.Utf8()),
        messages: arrow.vectorFromArray(
          [
            [
              { role: 'user', content: 'Q' },
              { role: 'assistant', content: 'A' },
            ],
          ],
          new arrow.List(new arrow.Field('item', message, true)),
        ),
      }),
    );
    expect(await readDialogues([file], { format: 'turns' })).toEqual([
      {
        id: 'p',
        turns: [
          { speaker: 'user', text: 'Q' },
          { speaker: 'assistant', text: 'A' },
        ],
      },
    ]);
  });

  it('names the row when neither turns nor messages is there, and the item when content is not text', async () => {
    const file = join(dir, 'chats-bad.jsonl');
    await writeJsonl(file, [{ id: 'x', text: 'hello' }]);
    const error = (await rejection(readDialogues([file], { format: 'turns' }))) as DialogueFormatError;
    expect([error.row, error.line, error.column]).toEqual([0, 1, 'turns']);
    expect(error.message).toContain('the row has keys id, text');

    const content = join(dir, 'chats-content.jsonl');
    await writeJsonl(content, [{ messages: [{ role: 'user', content: 3 }] }]);
    const contentError = (await rejection(
      readDialogues([content], { format: 'turns' }),
    )) as DialogueFormatError;
    expect(contentError.column).toBe('messages');
    expect(contentError.message).toContain('item 0: "content" should be a string, got number 3.');
  });
});

describe('readDialogues: arguments', () => {
  it('rejects an unknown format, an unsupported file type and an aborted signal', async () => {
    const file = join(dir, 'args.jsonl');
    await writeJsonl(file, [{ turns: [] }]);
    const format = await rejection(readDialogues([file], { format: 'ubuntu' as 'turns' }));
    expect(InvalidArgumentError.isInstance(format)).toBe(true);
    expect(format.message).toContain('empathetic-dialogues, wizard-of-wikipedia, turns');

    const csv = join(dir, 'train.csv');
    await writeFile(csv, 'conv_id,utterance_idx\n');
    const type = await rejection(readDialogues([csv], { format: 'empathetic-dialogues' }));
    expect(InvalidArgumentError.isInstance(type)).toBe(true);
    expect(type.message).toContain('.parquet, .jsonl, .ndjson, .json');

    const controller = new AbortController();
    controller.abort();
    const aborted = await rejection(readDialogues([file], { format: 'turns', signal: controller.signal }));
    expect(CancelledError.isInstance(aborted)).toBe(true);
  });
});
