import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@tonekit/core';
import {
  createHubClient,
  DialogueFormatError,
  downloadHubDataset,
  type PreparedDialogueData,
  prepareDialogueData,
  writeJsonl,
  writeParquet,
} from '@tonekit/dataset';
import { startFakeHuggingFaceHub } from '@tonekit/test-kit';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './support/temporary-directory.js';

let dir: string;
beforeAll(async () => {
  dir = await temporaryDirectory('tonekit-dialogues-prepare-');
});

interface ChatLine {
  messages: { role: string; content: string }[];
}
interface PromptLine {
  id: string;
  question: string;
  messages: { role: string; content: string }[];
  reference: string;
}

async function readLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as T);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Empathetic Dialogues rows (one per utterance) for conversations `c<first>`..; conversation k has 2 + k % 4 utterances. */
function empatheticRows(first: number, count: number) {
  const rows = [];
  for (let k = first; k < first + count; k++) {
    for (let index = 1; index <= 2 + (k % 4); index++) {
      rows.push({
        conv_id: `hit:${k}_conv:${k}`,
        utterance_idx: index,
        context: 'joyful',
        prompt: `Situation ${k}_comma_ told by the speaker.`,
        speaker_idx: index % 2,
        utterance: `c${k} u${index}_comma_ ${index % 2 === 1 ? 'says the speaker' : 'answers the listener'}`,
      });
    }
  }
  return rows;
}

function empatheticTable(rows: ReturnType<typeof empatheticRows>): arrow.Table {
  const strings = (values: string[]) => arrow.vectorFromArray(values, new arrow.Utf8());
  const ints = (values: number[]) => arrow.vectorFromArray(values, new arrow.Int32());
  return new arrow.Table({
    conv_id: strings(rows.map((row) => row.conv_id)),
    utterance_idx: ints(rows.map((row) => row.utterance_idx)),
    context: strings(rows.map((row) => row.context)),
    prompt: strings(rows.map((row) => row.prompt)),
    speaker_idx: ints(rows.map((row) => row.speaker_idx)),
    utterance: strings(rows.map((row) => row.utterance)),
    selfeval: strings(rows.map(() => '')),
    tags: strings(rows.map(() => '')),
  });
}

/** Wizard of Wikipedia rows: dialogue k alternates Wizard/Apprentice for 3 + k % 3 turns, opened by the Wizard when k is even. */
function wizardTable(first: number, count: number): arrow.Table {
  const turn = new arrow.Struct([
    new arrow.Field('speaker', new arrow.Utf8(), true),
    new arrow.Field('text', new arrow.Utf8(), true),
  ]);
  const dialogs = Array.from({ length: count }, (_, offset) => {
    const k = first + offset;
    const wizardFirst = k % 2 === 0;
    return Array.from({ length: 3 + (k % 3) }, (_, index) => {
      const isWizard = (index % 2 === 0) === wizardFirst;
      const speaker = isWizard ? `${wizardFirst ? 0 : 1}_Wizard` : `${wizardFirst ? 1 : 0}_Apprentice`;
      return { speaker, text: `w${k} t${index} ${isWizard ? 'knows' : 'asks'}` };
    });
  });
  return new arrow.Table({
    chosen_topic: arrow.vectorFromArray(
      dialogs.map((_, offset) => `Topic ${first + offset}`),
      new arrow.Utf8(),
    ),
    dialog: arrow.vectorFromArray(dialogs, new arrow.List(new arrow.Field('item', turn, true))),
  });
}

describe('prepareDialogueData: splits from file names', () => {
  it("writes chat examples for train and validation and test prompts for test, from the dataset's splits", async () => {
    const source = join(dir, 'ed-named');
    await mkdir(source, { recursive: true });
    const files = ['train', 'valid', 'test'].map((split) => join(source, `${split}.jsonl`));
    await writeJsonl(files[0] as string, empatheticRows(0, 6));
    await writeJsonl(files[1] as string, empatheticRows(100, 2));
    await writeJsonl(files[2] as string, empatheticRows(200, 3));
    const outDir = join(dir, 'ed-named-out');
    const result = await prepareDialogueData({ source: files, format: 'empathetic-dialogues', outDir });

    // Conversation k has 2 + k % 4 utterances, so floor((2 + k % 4) / 2) listener turns.
    const responses = (first: number, count: number) =>
      Array.from({ length: count }, (_, offset) => Math.floor((2 + ((first + offset) % 4)) / 2)).reduce(
        (sum, value) => sum + value,
        0,
      );
    expect(result).toEqual<PreparedDialogueData>({
      splitMode: 'files',
      splitSources: { train: 'files', validation: 'files', test: 'files' },
      files: {
        train: join(outDir, 'train.jsonl'),
        validation: join(outDir, 'validation.jsonl'),
        test: join(outDir, 'test.jsonl'),
        manifest: join(outDir, 'dialogue-data.json'),
      },
      counts: {
        train: { dialogues: 6, rows: responses(0, 6), availableRows: responses(0, 6) },
        validation: { dialogues: 2, rows: responses(100, 2), availableRows: responses(100, 2) },
        test: { dialogues: 3, rows: responses(200, 3), availableRows: responses(200, 3) },
      },
    });
    expect((await readdir(outDir)).sort()).toEqual([
      'dialogue-data.json',
      'test.jsonl',
      'train.jsonl',
      'validation.jsonl',
    ]);

    const train = await readLines<ChatLine>(result.files.train);
    expect(train).toHaveLength(responses(0, 6));
    // Conversation 1 (3 utterances) gives one example; conversation 3 (5 utterances) gives two.
    expect(train[1]).toEqual({
      messages: [
        { role: 'user', content: 'c1 u1, says the speaker' },
        { role: 'assistant', content: 'c1 u2, answers the listener' },
      ],
    });
    expect(train.every((line) => Object.keys(line).join() === 'messages')).toBe(true);
    expect(train.every((line) => line.messages.at(-1)?.role === 'assistant')).toBe(true);

    const test = await readLines<PromptLine>(result.files.test);
    expect(test[0]).toEqual({
      id: 'hit:200_conv:200#1',
      question: 'c200 u1, says the speaker',
      messages: [{ role: 'user', content: 'c200 u1, says the speaker' }],
      reference: 'c200 u2, answers the listener',
    });
    expect(test.map((prompt) => prompt.id)).toEqual([
      'hit:200_conv:200#1',
      'hit:201_conv:201#1',
      'hit:202_conv:202#1',
      'hit:202_conv:202#3',
    ]);

    const manifest = JSON.parse(await readFile(result.files.manifest, 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'tonekit.dialogue-data',
      format: 'empathetic-dialogues',
      splitMode: 'files',
      seed: 0,
      conversion: { responder: 'odd', systemPrompt: null, maxContextTurns: null, leadingAssistant: 'keep' },
      counts: result.counts,
    });
    expect(
      manifest.sources.map((entry: { path: string; split: string }) => [entry.path, entry.split]),
    ).toEqual([
      [files[0], 'train'],
      [files[1], 'validation'],
      [files[2], 'test'],
    ]);
    expect(manifest.sources[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.outputs.train).toMatchObject({ file: 'train.jsonl', rows: responses(0, 6) });
  });

  it('carves a missing validation split out of the train dialogues, with the seed', async () => {
    const source = join(dir, 'wow-named');
    await mkdir(source, { recursive: true });
    const train = join(source, 'train-00000-of-00001.parquet');
    const test = join(source, 'test-00000-of-00001.parquet');
    await writeParquet(train, wizardTable(0, 20));
    await writeParquet(test, wizardTable(100, 4));
    const run = (outDir: string, seed: number) =>
      prepareDialogueData({
        source: [train, test],
        format: 'wizard-of-wikipedia',
        outDir: join(dir, outDir),
        splits: { validation: 5 },
        seed,
        systemPrompt: 'You are a knowledgeable wizard.',
      });
    const first = await run('wow-a', 1);
    expect(first.splitSources).toEqual({ train: 'files', validation: 'carved-from-train', test: 'files' });
    expect([
      first.counts.train.dialogues,
      first.counts.validation.dialogues,
      first.counts.test.dialogues,
    ]).toEqual([15, 5, 4]);
    const again = await run('wow-b', 1);
    const other = await run('wow-c', 2);
    const text = async (result: PreparedDialogueData, split: 'train' | 'validation' | 'test') =>
      readFile(result.files[split], 'utf8');
    expect(await text(again, 'validation')).toBe(await text(first, 'validation'));
    expect(await text(again, 'train')).toBe(await text(first, 'train'));
    expect(await text(other, 'validation')).not.toBe(await text(first, 'validation'));
    expect(await text(other, 'test')).toBe(await text(first, 'test'));

    // The Wizard responds, after the system prompt; no dialogue is in two splits.
    const dialoguesOf = async (result: PreparedDialogueData, split: 'train' | 'validation') =>
      new Set(
        (await readLines<ChatLine>(result.files[split])).map(
          (line) => /^w(\d+) /.exec(line.messages.at(-1)?.content ?? '')?.[1],
        ),
      );
    const trainSet = await dialoguesOf(first, 'train');
    const validationSet = await dialoguesOf(first, 'validation');
    expect([...validationSet].filter((k) => trainSet.has(k))).toEqual([]);
    const examples = await readLines<ChatLine>(first.files.train);
    expect(examples.every((line) => line.messages[0]?.content === 'You are a knowledgeable wizard.')).toBe(
      true,
    );
    expect(examples.every((line) => / knows$/.test(line.messages.at(-1)?.content ?? ''))).toBe(true);
  });
});

describe('prepareDialogueData: seeded split', () => {
  it('splits unnamed files by dialogue, the same way for the same seed', async () => {
    const file = join(dir, 'dialogues.jsonl');
    const dialogues = Array.from({ length: 50 }, (_, k) => ({
      id: `d${k}`,
      turns: Array.from({ length: 2 + (k % 3) }, (_, index) => ({
        speaker: index % 2 === 0 ? 'Ann' : 'Bob',
        text: `d${k} turn ${index}`,
      })),
    }));
    await writeJsonl(file, dialogues);
    const run = (name: string, seed: number) =>
      prepareDialogueData({
        source: file,
        format: 'turns',
        outDir: join(dir, name),
        splits: { validation: 0.2, test: 5 },
        seed,
      });
    const first = await run('seeded-a', 42);
    expect(first.splitMode).toBe('seeded');
    expect(first.splitSources).toEqual({ train: 'seeded', validation: 'seeded', test: 'seeded' });
    expect([
      first.counts.train.dialogues,
      first.counts.validation.dialogues,
      first.counts.test.dialogues,
    ]).toEqual([35, 10, 5]);
    const same = await run('seeded-b', 42);
    const other = await run('seeded-c', 43);
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(await readFile(same.files[split], 'utf8')).toBe(await readFile(first.files[split], 'utf8'));
    }
    expect(await readFile(other.files.test, 'utf8')).not.toBe(await readFile(first.files.test, 'utf8'));

    const idsOf = async (result: PreparedDialogueData) => {
      const ids = { train: new Set<string>(), validation: new Set<string>(), test: new Set<string>() };
      for (const split of ['train', 'validation'] as const) {
        for (const line of await readLines<ChatLine>(result.files[split])) {
          ids[split].add(/^(d\d+) /.exec(line.messages.at(-1)?.content ?? '')?.[1] as string);
        }
      }
      for (const line of await readLines<PromptLine>(result.files.test))
        ids.test.add(line.id.split('#')[0] as string);
      return ids;
    };
    const ids = await idsOf(first);
    // Every dialogue is in exactly one split and each split keeps the file's order.
    expect([...ids.train, ...ids.validation, ...ids.test].sort()).toEqual(dialogues.map((d) => d.id).sort());
    const order = (set: Set<string>) => [...set].map((id) => Number(id.slice(1)));
    for (const set of Object.values(ids)) expect(order(set)).toEqual([...order(set)].sort((a, b) => a - b));
  });

  it('limits rows per split to a seeded subset in dataset order, without changing the split', async () => {
    const file = join(dir, 'ed-unnamed.jsonl');
    await writeJsonl(file, empatheticRows(0, 40));
    const full = await prepareDialogueData({
      source: [file],
      format: 'empathetic-dialogues',
      outDir: join(dir, 'full'),
    });
    const limited = await prepareDialogueData({
      source: [file],
      format: 'empathetic-dialogues',
      outDir: join(dir, 'limited'),
      limit: { train: 10, test: 3 },
    });
    expect(limited.counts.train).toEqual({ ...full.counts.train, rows: 10 });
    expect(limited.counts.test).toEqual({ ...full.counts.test, rows: 3 });
    expect(limited.counts.validation).toEqual(full.counts.validation);
    const all = await readLines<ChatLine>(full.files.train);
    const subset = await readLines<ChatLine>(limited.files.train);
    const positions = subset.map((line) =>
      all.findIndex((candidate) => JSON.stringify(candidate) === JSON.stringify(line)),
    );
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(10);
    const again = await prepareDialogueData({
      source: [file],
      format: 'empathetic-dialogues',
      outDir: join(dir, 'limited-again'),
      limit: { train: 10, test: 3 },
    });
    expect(await readFile(again.files.train, 'utf8')).toBe(await readFile(limited.files.train, 'utf8'));
  });
});

describe('prepareDialogueData: errors', () => {
  it('checks options before reading anything, and refuses a mix of named and unnamed files', async () => {
    const missing = join(dir, 'does-not-exist.jsonl');
    const cases: [Record<string, unknown>, string][] = [
      [{ source: [] }, 'source'],
      [{ source: [missing], format: 'reddit' }, 'format'],
      [{ source: [missing], maxContextTurns: -1 }, 'maxContextTurns'],
      [{ source: [missing], splits: { test: 1.5 } }, 'splits.test'],
      [{ source: [missing], limit: { train: -1 } }, 'limit.train'],
      [{ source: [missing], limit: { dev: 3 } }, 'limit.dev'],
      [{ source: [missing], responder: 'first' }, 'responder'],
      [{ source: [join(dir, 'train.jsonl'), missing] }, 'source'],
    ];
    for (const [options, argument] of cases) {
      const error = await rejection(
        prepareDialogueData({ format: 'turns', outDir: join(dir, 'never'), ...options } as never),
      );
      expect(InvalidArgumentError.isInstance(error), `${argument}: ${error.message}`).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    await expect(readdir(join(dir, 'never'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses held-out sizes that leave nothing to train on', async () => {
    const file = join(dir, 'three.jsonl');
    await writeJsonl(
      file,
      Array.from({ length: 3 }, (_, k) => ({
        id: `t${k}`,
        turns: [
          { speaker: 'a', text: 'x' },
          { speaker: 'b', text: 'y' },
        ],
      })),
    );
    const error = await rejection(
      prepareDialogueData({
        source: file,
        format: 'turns',
        outDir: join(dir, 'three'),
        splits: { validation: 2, test: 1 },
      }),
    );
    expect((error as InvalidArgumentError).argument).toBe('splits');
    expect(error.message).toContain('3 dialogue(s) cannot fill 2 validation and 1 test');
  });

  it('leaves earlier outputs untouched and no temporary files when a source is malformed', async () => {
    const source = join(dir, 'atomic');
    await mkdir(source, { recursive: true });
    const good = join(source, 'train.jsonl');
    await writeJsonl(good, empatheticRows(0, 8));
    const outDir = join(dir, 'atomic-out');
    const before = await prepareDialogueData({ source: [good], format: 'empathetic-dialogues', outDir });
    const snapshot = await Promise.all(Object.values(before.files).map((file) => readFile(file, 'utf8')));

    const bad = join(source, 'test.jsonl');
    await writeFile(bad, `${JSON.stringify({ conv_id: 'x', utterance_idx: 1, utterance: null })}\n`);
    const error = await rejection(
      prepareDialogueData({ source: [good, bad], format: 'empathetic-dialogues', outDir }),
    );
    expect(DialogueFormatError.isInstance(error)).toBe(true);
    expect((error as DialogueFormatError).file).toBe(bad);
    expect((error as DialogueFormatError).column).toBe('utterance');
    expect(await Promise.all(Object.values(before.files).map((file) => readFile(file, 'utf8')))).toEqual(
      snapshot,
    );
    expect((await readdir(outDir)).sort()).toEqual([
      'dialogue-data.json',
      'test.jsonl',
      'train.jsonl',
      'validation.jsonl',
    ]);
  });
});

describe('prepareDialogueData: from the Hugging Face Hub', () => {
  it('downloads ED- and WoW-shaped Parquet shards from the fake Hub and prepares both end to end', async () => {
    const shards = join(dir, 'shards');
    await mkdir(shards, { recursive: true });
    const parquetBytes = async (name: string, table: arrow.Table) => {
      const file = join(shards, name);
      await writeParquet(file, table);
      return readFile(file);
    };
    const edFiles = {
      'README.md': '# empathetic_dialogues\n',
      'data/train-00000-of-00001.parquet': await parquetBytes(
        'ed-train.parquet',
        empatheticTable(empatheticRows(0, 12)),
      ),
      'data/validation-00000-of-00001.parquet': await parquetBytes(
        'ed-valid.parquet',
        empatheticTable(empatheticRows(50, 3)),
      ),
      'data/test-00000-of-00001.parquet': await parquetBytes(
        'ed-test.parquet',
        empatheticTable(empatheticRows(90, 4)),
      ),
    };
    // The Hub's automatic conversion layout: one folder per split, shards named by number only.
    const wowFiles = {
      'default/train/0000.parquet': await parquetBytes('wow-train.parquet', wizardTable(0, 10)),
      'default/validation/0000.parquet': await parquetBytes('wow-valid.parquet', wizardTable(40, 2)),
      'default/test/0000.parquet': await parquetBytes('wow-test.parquet', wizardTable(80, 3)),
    };
    await using hub = await startFakeHuggingFaceHub({
      datasets: {
        'facebook/empathetic_dialogues': { files: edFiles },
        'tonekit-fixtures/wizard_of_wikipedia': { files: wowFiles },
      },
    });
    const cacheDir = join(dir, 'hub-cache');
    const client = createHubClient({ endpoint: hub.url, retry: { initialDelayMs: 1, jitter: false } });

    const prepare = async (
      uri: string,
      format: 'empathetic-dialogues' | 'wizard-of-wikipedia',
      name: string,
    ) => {
      const download = await downloadHubDataset(uri, { client, cacheDir });
      return prepareDialogueData({
        source: download.files.map((file) => file.localPath),
        format,
        outDir: join(dir, name),
      });
    };
    const ed = await prepare('hf://datasets/facebook/empathetic_dialogues', 'empathetic-dialogues', 'hub-ed');
    expect(ed.splitMode).toBe('files');
    expect([ed.counts.train.dialogues, ed.counts.validation.dialogues, ed.counts.test.dialogues]).toEqual([
      12, 3, 4,
    ]);
    const edTest = await readLines<PromptLine>(ed.files.test);
    expect(edTest[0]).toEqual({
      id: 'hit:90_conv:90#1',
      question: 'c90 u1, says the speaker',
      messages: [{ role: 'user', content: 'c90 u1, says the speaker' }],
      reference: 'c90 u2, answers the listener',
    });
    expect(edTest.every((prompt) => / answers the listener$/.test(prompt.reference))).toBe(true);

    const wow = await prepare(
      'hf://datasets/tonekit-fixtures/wizard_of_wikipedia',
      'wizard-of-wikipedia',
      'hub-wow',
    );
    expect(wow.splitSources).toEqual({ train: 'files', validation: 'files', test: 'files' });
    expect([wow.counts.train.dialogues, wow.counts.validation.dialogues, wow.counts.test.dialogues]).toEqual([
      10, 2, 3,
    ]);
    const wowTest = await readLines<PromptLine>(wow.files.test);
    // Dialogue 80 (Wizard opens, 5 turns): the Wizard answers at turns 2 and 4.
    expect(wowTest.slice(0, 2)).toEqual([
      {
        id: 'test/0000.parquet:0#2',
        question: 'w80 t1 asks',
        messages: [
          { role: 'assistant', content: 'w80 t0 knows' },
          { role: 'user', content: 'w80 t1 asks' },
        ],
        reference: 'w80 t2 knows',
      },
      {
        id: 'test/0000.parquet:0#4',
        question: 'w80 t3 asks',
        messages: [
          { role: 'assistant', content: 'w80 t0 knows' },
          { role: 'user', content: 'w80 t1 asks' },
          { role: 'assistant', content: 'w80 t2 knows' },
          { role: 'user', content: 'w80 t3 asks' },
        ],
        reference: 'w80 t4 knows',
      },
    ]);
    const wowTrain = await readLines<ChatLine>(wow.files.train);
    expect(wowTrain.every((line) => / knows$/.test(line.messages.at(-1)?.content ?? ''))).toBe(true);
    expect(wowTrain.every((line) => line.messages.at(-2)?.role === 'user')).toBe(true);
  });
});
