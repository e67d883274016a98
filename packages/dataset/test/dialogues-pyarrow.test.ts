import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readDialogues } from '@tonekit/dataset';
import { beforeAll, describe, expect, it } from 'vitest';
import { pyarrowUnavailable, pythonPath } from './support/python.js';
import { temporaryDirectory } from './support/temporary-directory.js';

const unavailable = pyarrowUnavailable();
if (unavailable) {
  console.warn(`\n⚠️  SKIPPING dialogue pyarrow interop tests: ${unavailable}\n`);
}

// Files as the Hub's datasets library writes them: pyarrow, Parquet format 2.6, snappy; ED with
// string/int32 columns, WoW with a list<struct> `dialog` whose items carry knowledge fields (nested
// lists of structs included), and a large_string variant as polars and some converters write.
const script = `
import sys
import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]
ed = pa.table({
    "conv_id": pa.array(["hit:3_conv:6", "hit:3_conv:6", "hit:3_conv:6"], pa.string()),
    "utterance_idx": pa.array([1, 3, 2], pa.int32()),
    "context": pa.array(["proud"] * 3, pa.string()),
    "prompt": pa.array(["I finished my first marathon_comma_ finally."] * 3, pa.string()),
    "speaker_idx": pa.array([7, 7, 8], pa.int32()),
    "utterance": pa.array(["I ran a marathon!", "Thanks_comma_ it was hard.", "Wow_comma_ congratulations!"], pa.string()),
    "selfeval": pa.array(["5|5|5_2|2|5", "", ""], pa.string()),
    "tags": pa.array(["", "", ""], pa.string()),
})
pq.write_table(ed, out + "/ed.parquet")

passage = pa.struct([("title", pa.string()), ("sentences", pa.list_(pa.string()))])
turn = pa.struct([
    ("speaker", pa.string()),
    ("text", pa.string()),
    ("checked_sentence", pa.string()),
    ("retrieved_passages", pa.list_(passage)),
])
wow = pa.table({
    "chosen_topic": pa.array(["Lisbon"], pa.string()),
    "persona": pa.array(["i love travelling."], pa.string()),
    "wizard_eval": pa.array([4], pa.int64()),
    "dialog": pa.array([[
        {"speaker": "1_Apprentice", "text": "Have you been to Lisbon?", "checked_sentence": None,
         "retrieved_passages": []},
        {"speaker": "0_Wizard", "text": "Lisbon is the capital of Portugal.",
         "checked_sentence": "Lisbon is the capital and largest city of Portugal.",
         "retrieved_passages": [{"title": "Lisbon", "sentences": ["Lisbon is the capital.", "It is old."]}]},
    ]], pa.list_(turn)),
})
pq.write_table(wow, out + "/wow.parquet")

large = pa.table({
    "id": pa.array(["L1"], pa.large_string()),
    "messages": pa.array([[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]],
                         pa.large_list(pa.struct([("role", pa.large_string()), ("content", pa.large_string())]))),
})
pq.write_table(large, out + "/turns.parquet")
`;

let dir: string;
beforeAll(async () => {
  if (unavailable) return;
  dir = await temporaryDirectory('tonekit-dialogues-pyarrow-');
  const result = spawnSync(pythonPath, ['-c', script, dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pyarrow script failed:\n${result.stderr}`);
});

describe.skipIf(unavailable !== undefined)('readDialogues on files pyarrow wrote', () => {
  it('reads Empathetic Dialogues as the Hub stores it', async () => {
    expect(await readDialogues([join(dir, 'ed.parquet')], { format: 'empathetic-dialogues' })).toEqual([
      {
        id: 'hit:3_conv:6',
        turns: [
          { speaker: '7', text: 'I ran a marathon!' },
          { speaker: '8', text: 'Wow, congratulations!' },
          { speaker: '7', text: 'Thanks, it was hard.' },
        ],
        meta: { emotion: 'proud', situation: 'I finished my first marathon, finally.' },
      },
    ]);
  });

  it('reads Wizard of Wikipedia with nested knowledge fields', async () => {
    const [dialogue] = await readDialogues([join(dir, 'wow.parquet')], { format: 'wizard-of-wikipedia' });
    expect(dialogue).toEqual({
      id: `${dir.split('/').at(-1)}/wow.parquet:0`,
      turns: [
        { speaker: '1_Apprentice', text: 'Have you been to Lisbon?' },
        { speaker: '0_Wizard', text: 'Lisbon is the capital of Portugal.' },
      ],
      meta: { topic: 'Lisbon', persona: 'i love travelling.', wizardEval: 4 },
    });
  });

  it('reads large_string and large_list columns', async () => {
    expect(await readDialogues([join(dir, 'turns.parquet')], { format: 'turns' })).toEqual([
      {
        id: 'L1',
        turns: [
          { speaker: 'user', text: 'Hi' },
          { speaker: 'assistant', text: 'Hello' },
        ],
      },
    ]);
  });
});
