import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, InvalidArgumentError, systemPromptPresets } from '@tonekit/core';
import { type QaRecord, readQaRecords } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareChatData } from '../src/prepare-chat-data.js';
import { writeToneDataset } from './support/tone-dataset.js';

let root: string;
let datasetDir: string;
const blank = [1, 2, 5];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tonekit-prepare-'));
  datasetDir = join(root, 'dataset');
  await writeToneDataset(datasetDir, { count: 24, validationSize: 6, subsetSizes: [4, 12], blank });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function records(file: string): Promise<QaRecord[]> {
  const rows: QaRecord[] = [];
  for await (const record of readQaRecords(join(datasetDir, file))) rows.push(record);
  return rows;
}

async function lines(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

const usable = (rows: QaRecord[]) => rows.filter((row) => row.conversational_answer.trim() !== '');

describe('prepareChatData', () => {
  it("writes OpenAI chat JSONL in the split's order, skipping and counting rows with empty answers", async () => {
    const outDir = join(root, 'run-full');
    const prepared = await prepareChatData({
      dataset: { path: datasetDir },
      systemPrompt: systemPromptPresets.concise,
      outDir,
    });
    const train = await records('train.parquet');
    const validation = await records('validation.parquet');
    const skipped = train.length - usable(train).length + validation.length - usable(validation).length;
    expect(skipped).toBe(blank.length);
    expect(prepared).toEqual({
      trainFile: join(outDir, 'data', 'train.jsonl'),
      validationFile: join(outDir, 'data', 'validation.jsonl'),
      trainExamples: usable(train).length,
      validationExamples: usable(validation).length,
      skippedExamples: blank.length,
    });
    const expected = (rows: QaRecord[]) =>
      usable(rows).map((row) => ({
        messages: [
          { role: 'system', content: systemPromptPresets.concise },
          { role: 'user', content: row.question },
          { role: 'assistant', content: row.conversational_answer },
        ],
      }));
    expect(await lines(prepared.trainFile)).toEqual(expected(train));
    expect(await lines(prepared.validationFile!)).toEqual(expected(validation));
    expect((await readdir(join(outDir, 'data'))).sort()).toEqual([
      'train.jsonl',
      'train.jsonl.meta.json',
      'validation.jsonl',
      'validation.jsonl.meta.json',
    ]);
  });

  it('reads nested subsets, the original answers, and leaves the system message out for null', async () => {
    const prepared = await prepareChatData({
      dataset: { path: datasetDir, split: 'train-4', validationSplit: null, answerColumn: 'answer' },
      systemPrompt: null,
      outDir: join(root, 'run-subset'),
    });
    const subset = await records('subsets/train-4.parquet');
    expect(prepared.validationFile).toBeNull();
    expect(prepared.trainExamples).toBe(4);
    expect(prepared.validationExamples).toBe(0);
    expect(await lines(prepared.trainFile)).toEqual(
      subset.map((row) => ({
        messages: [
          { role: 'user', content: row.question },
          { role: 'assistant', content: row.answer },
        ],
      })),
    );
  });

  it('is idempotent: the same inputs leave the files alone, other inputs or an edited file rewrite them', async () => {
    const outDir = join(root, 'run-idempotent');
    const options = { dataset: { path: datasetDir }, systemPrompt: 'Be brief.', outDir };
    const first = await prepareChatData(options);
    const before = await stat(first.trainFile);
    const second = await prepareChatData(options);
    expect(second).toEqual(first);
    const after = await stat(first.trainFile);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);

    await prepareChatData({ ...options, systemPrompt: 'Be chatty.' });
    const rewritten = await lines(first.trainFile);
    expect((rewritten[0] as { messages: unknown[] }).messages[0]).toEqual({
      role: 'system',
      content: 'Be chatty.',
    });

    await writeFile(first.trainFile, '{"messages": []}\n');
    const repaired = await prepareChatData({ ...options, systemPrompt: 'Be chatty.' });
    expect(await lines(repaired.trainFile)).toEqual(rewritten);
    expect((await readdir(join(outDir, 'data'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('trains without validation when the folder has none', async () => {
    const noValidation = join(root, 'dataset-no-validation');
    await writeToneDataset(noValidation, { count: 8, validationSize: 0, subsetSizes: [] });
    const prepared = await prepareChatData({
      dataset: { path: noValidation },
      systemPrompt: null,
      outDir: join(root, 'run-no-validation'),
    });
    expect(prepared).toMatchObject({ validationFile: null, trainExamples: 8, validationExamples: 0 });
  });

  it('rejects unknown splits, folders that are not datasets and splits with nothing to train on', async () => {
    const outDir = join(root, 'run-errors');
    await expect(
      prepareChatData({ dataset: { path: datasetDir, split: 'train-50' }, systemPrompt: null, outDir }),
    ).rejects.toThrow(/has no split "train-50"; it has train, validation, train-4, train-12\./);
    const notDataset = prepareChatData({ dataset: { path: root }, systemPrompt: null, outDir });
    await expect(notDataset).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(notDataset).rejects.toThrow(/is not a dataset folder/);

    const allBlank = join(root, 'dataset-blank');
    await writeToneDataset(allBlank, { count: 4, validationSize: 0, subsetSizes: [], blank: [0, 1, 2, 3] });
    await expect(
      prepareChatData({ dataset: { path: allBlank }, systemPrompt: null, outDir }),
    ).rejects.toThrow(
      'split "train" of ' +
        allBlank +
        ' has no row with both a question and a conversational_answer (4 skipped)',
    );
  });

  it('stops with CancelledError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      prepareChatData({
        dataset: { path: datasetDir },
        systemPrompt: null,
        outDir: join(root, 'run-cancelled'),
        signal: controller.signal,
      }),
    ).rejects.toSatisfy(CancelledError.isInstance);
  });
});

describe('prepareChatData from chat .jsonl files', () => {
  it('keeps conversations that end with an assistant turn, adds the system prompt where none is, and checks every line', async () => {
    const dir = await mkdtemp(join(root, 'chat-'));
    const train = join(dir, 'train.jsonl');
    const validation = join(dir, 'validation.jsonl');
    const lines = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n');
    await writeFile(
      train,
      lines([
        {
          messages: [
            { role: 'user', content: 'i lost my dog' },
            { role: 'assistant', content: 'oh no, i am sorry' },
          ],
        },
        {
          messages: [
            { role: 'system', content: 'be kind' },
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
          ],
        },
        { messages: [{ role: 'user', content: 'no answer yet' }] },
      ]),
    );
    await writeFile(
      validation,
      lines([
        {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
          ],
        },
      ]),
    );
    const prepared = await prepareChatData({
      dataset: { path: train, validationPath: validation },
      systemPrompt: 'concise prompt',
      outDir: join(dir, 'run'),
    });
    expect([prepared.trainExamples, prepared.validationExamples, prepared.skippedExamples]).toEqual([
      2, 1, 1,
    ]);
    const written = (await readFile(prepared.trainFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(written[0].messages[0]).toEqual({ role: 'system', content: 'concise prompt' });
    expect(written[1].messages[0]).toEqual({ role: 'system', content: 'be kind' });
    expect(written[1].messages).toHaveLength(3);

    await writeFile(train, lines([{ messages: [{ role: 'robot', content: 'x' }] }]));
    const error = await prepareChatData({
      dataset: { path: train },
      systemPrompt: null,
      outDir: join(dir, 'bad'),
    }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `${train}:1: messages[0] needs a role (system, user or assistant)`,
    );
  });
});
