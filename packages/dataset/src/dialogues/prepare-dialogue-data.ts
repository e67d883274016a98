import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { sha256File } from '../files/sha256-file.js';
import { temporaryPath } from '../files/temporary-path.js';
import { writeJsonl } from '../jsonl/write-jsonl.js';
import { packageName, packageVersion } from '../package-version.js';
import { deriveSeed, normalizeSeed, type Seed } from '../random/create-seeded-random.js';
import { seededPermutation } from '../random/seeded-permutation.js';
import { type Dialogue, type DialogueFormat, dialogueFormats } from './dialogue.js';
import {
  type DialogueResponder,
  defaultResponder,
  describeResponder,
  toResponderPredicate,
} from './dialogue-responder.js';
import type { DialogueConversionOptions } from './dialogue-response-turns.js';
import { type DialogueSplitName, dialogueSplitOfFile } from './dialogue-split-of-file.js';
import { dialoguesToChatExamples } from './dialogues-to-chat-examples.js';
import { dialoguesToTestPrompts } from './dialogues-to-test-prompts.js';
import { readDialogues } from './read-dialogues.js';

/**
 * Dialogues held out when the files do not come split: a fraction of the dialogues when below 1,
 * otherwise a count (so `1` is one dialogue, not all of them).
 */
export interface DialogueSplitSizes {
  /** Default 0.1. */
  validation?: number;
  /** Default 0.1. */
  test?: number;
}

export interface PrepareDialogueDataOptions extends Omit<DialogueConversionOptions, 'responder'> {
  /** Local Parquet / JSON Lines / JSON files (for a Hub dataset: `downloadHubDataset(...).files`' local paths). */
  source: string | readonly string[];
  format: DialogueFormat;
  /** Gets `train.jsonl`, `validation.jsonl`, `test.jsonl` and `dialogue-data.json`. Created if needed. */
  outDir: string;
  /** Default `defaultResponder(format)`. */
  responder?: DialogueResponder;
  /**
   * Sizes of the held-out splits drawn with `seed` when the files are not named by split, and of a
   * validation or test split missing from named files (carved from the train dialogues).
   */
  splits?: DialogueSplitSizes;
  /**
   * At most this many rows per file (one number for all three, or per split): a seeded random subset,
   * kept in dataset order. Default: everything.
   */
  limit?: number | Partial<Record<DialogueSplitName, number>>;
  /** Seed of the split and of the `limit` subsets. Default 0. */
  seed?: Seed;
  signal?: AbortSignal;
}

export interface DialogueSplitCounts {
  dialogues: number;
  /** Rows written: chat examples (train, validation) or test prompts (test). */
  rows: number;
  /** Rows before `limit`. */
  availableRows: number;
}

/** Where a split's dialogues came from. */
export type DialogueSplitSource = 'files' | 'seeded' | 'carved-from-train' | 'none';

export interface PreparedDialogueData {
  /** `files` when every file is named by split, `seeded` when none is. */
  splitMode: 'files' | 'seeded';
  splitSources: Record<DialogueSplitName, DialogueSplitSource>;
  /** Absolute paths of what was written. */
  files: Record<DialogueSplitName | 'manifest', string>;
  counts: Record<DialogueSplitName, DialogueSplitCounts>;
}

const splitNames: readonly DialogueSplitName[] = ['train', 'validation', 'test'];
const defaultHeldOut = 0.1;
// Independent random streams, so that e.g. changing the limit does not change the split.
const splitStream = 1;
const carveValidationStream = 2;
const carveTestStream = 3;
const limitStream: Record<DialogueSplitName, number> = { train: 10, validation: 11, test: 12 };

/**
 * Turns dialogue files into what seed B trains and evaluates on, in `outDir`:
 * - `train.jsonl`, `validation.jsonl`: OpenAI chat fine-tuning examples (`dialoguesToChatExamples`);
 * - `test.jsonl`: test prompts `{id, question, messages, reference}` (`dialoguesToTestPrompts`);
 * - `dialogue-data.json`: the options, the sources with their sha256, the counts.
 *
 * Splits are the dataset's own when every file names one (`train`, `valid`/`validation`/`dev`, `test`
 * in its name or its folder's name, as Hub shards are named); a named dataset without validation or
 * test files gets them carved from its train dialogues. When no file names a split, the dialogues are
 * split with `seed`. Splitting is by dialogue, never by turn, so no test conversation leaks into
 * training. Files are written to temporary names and renamed only once all of them are complete.
 */
export async function prepareDialogueData(
  options: PrepareDialogueDataOptions,
): Promise<PreparedDialogueData> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      argument: 'options',
      value: options,
      message: 'expected an options object.',
    });
  }
  const { source, format, outDir, splits = {}, limit, seed = 0, signal } = options;
  const files = typeof source === 'string' ? [source] : Array.isArray(source) ? [...source] : undefined;
  if (
    files === undefined ||
    files.length === 0 ||
    files.some((file) => typeof file !== 'string' || file === '')
  ) {
    throw new InvalidArgumentError({
      argument: 'source',
      value: source,
      message: 'expected one or more file paths.',
    });
  }
  if (!dialogueFormats.includes(format)) {
    throw new InvalidArgumentError({
      argument: 'format',
      value: format,
      message: `expected one of ${dialogueFormats.join(', ')}.`,
    });
  }
  if (typeof outDir !== 'string' || outDir === '') {
    throw new InvalidArgumentError({ argument: 'outDir', value: outDir, message: 'expected a folder path.' });
  }
  normalizeSeed(seed);
  const limits = resolveLimits(limit);
  const validationSize = checkSize(splits.validation ?? defaultHeldOut, 'splits.validation');
  const testSize = checkSize(splits.test ?? defaultHeldOut, 'splits.test');
  const responder = options.responder ?? defaultResponder(format);
  toResponderPredicate(responder);
  const conversion: DialogueConversionOptions = {
    responder,
    ...(options.systemPrompt === undefined ? {} : { systemPrompt: options.systemPrompt }),
    ...(options.maxContextTurns === undefined ? {} : { maxContextTurns: options.maxContextTurns }),
    ...(options.leadingAssistant === undefined ? {} : { leadingAssistant: options.leadingAssistant }),
  };
  // Conversion options are checked before reading anything: a typo should not cost a download's worth of parsing.
  dialoguesToChatExamples([], conversion);

  const fileSplits = files.map((file) => ({ file, split: dialogueSplitOfFile(file) }));
  const unnamed = fileSplits.filter((entry) => entry.split === undefined);
  if (unnamed.length > 0 && unnamed.length < files.length) {
    throw new InvalidArgumentError({
      argument: 'source',
      value: files,
      message:
        `some files name a split (train, validation/valid/dev, test) and some do not: ${unnamed.map((entry) => entry.file).join(', ')}. ` +
        'Pass files of named splits only, or only unnamed files to split them with the seed.',
    });
  }
  const splitMode = unnamed.length === 0 ? 'files' : 'seeded';
  const read = (paths: string[]) => readDialogues(paths, { format, ...(signal ? { signal } : {}) });

  const dialogues = {} as Record<DialogueSplitName, Dialogue[]>;
  const splitSources = {} as Record<DialogueSplitName, DialogueSplitSource>;
  if (splitMode === 'seeded') {
    const all = await read(files);
    const validationCount = countOf(validationSize, all.length);
    const testCount = countOf(testSize, all.length);
    if (validationCount + testCount >= all.length) {
      throw new InvalidArgumentError({
        argument: 'splits',
        value: splits,
        message: `${all.length} dialogue(s) cannot fill ${validationCount} validation and ${testCount} test dialogue(s) and leave any to train on.`,
      });
    }
    const order = seededPermutation(all.length, deriveSeed(seed, splitStream));
    const pick = (from: number, to: number) =>
      Array.from(order.subarray(from, to))
        .sort((a, b) => a - b)
        .map((index) => all[index] as Dialogue);
    dialogues.test = pick(0, testCount);
    dialogues.validation = pick(testCount, testCount + validationCount);
    dialogues.train = pick(testCount + validationCount, all.length);
    splitSources.train = splitSources.validation = splitSources.test = 'seeded';
  } else {
    for (const split of splitNames) {
      const paths = fileSplits.filter((entry) => entry.split === split).map((entry) => entry.file);
      dialogues[split] = paths.length === 0 ? [] : await read(paths);
      splitSources[split] = paths.length === 0 ? 'none' : 'files';
    }
    if (splitSources.train === 'files') {
      for (const [split, size, stream] of [
        ['validation', validationSize, carveValidationStream],
        ['test', testSize, carveTestStream],
      ] as const) {
        if (splitSources[split] !== 'none') continue;
        const count = countOf(size, dialogues.train.length);
        if (count >= dialogues.train.length) {
          throw new InvalidArgumentError({
            argument: `splits.${split}`,
            value: size,
            message: `the ${dialogues.train.length} train dialogue(s) cannot give ${count} ${split} dialogue(s) and keep any to train on.`,
          });
        }
        const order = seededPermutation(dialogues.train.length, deriveSeed(seed, stream));
        const held = new Set(order.subarray(0, count));
        dialogues[split] = dialogues.train.filter((_, index) => held.has(index));
        dialogues.train = dialogues.train.filter((_, index) => !held.has(index));
        splitSources[split] = 'carved-from-train';
      }
    }
  }
  if (signal?.aborted) throw CancelledError.fromSignal(signal);

  const rows: Record<DialogueSplitName, unknown[]> = {
    train: dialoguesToChatExamples(dialogues.train, conversion),
    validation: dialoguesToChatExamples(dialogues.validation, conversion),
    test: dialoguesToTestPrompts(dialogues.test, conversion),
  };
  const counts = {} as Record<DialogueSplitName, DialogueSplitCounts>;
  for (const split of splitNames) {
    const available = rows[split].length;
    const max = limits[split];
    if (max !== undefined && available > max) {
      const keep = Array.from(
        seededPermutation(available, deriveSeed(seed, limitStream[split])).subarray(0, max),
      ).sort((a, b) => a - b);
      rows[split] = keep.map((index) => rows[split][index]);
    }
    counts[split] = {
      dialogues: dialogues[split].length,
      rows: rows[split].length,
      availableRows: available,
    };
  }

  const directory = resolve(outDir);
  await mkdir(directory, { recursive: true });
  const targets = {
    train: join(directory, 'train.jsonl'),
    validation: join(directory, 'validation.jsonl'),
    test: join(directory, 'test.jsonl'),
    manifest: join(directory, 'dialogue-data.json'),
  };
  const pending = new Map<string, string>();
  try {
    const outputs: Record<string, { file: string; rows: number; bytes: number; sha256: string }> = {};
    for (const split of splitNames) {
      const temporary = temporaryPath(targets[split]);
      pending.set(temporary, targets[split]);
      const written = await writeJsonl(temporary, rows[split], signal ? { abortSignal: signal } : {});
      outputs[split] = {
        file: `${split}.jsonl`,
        rows: written.rows,
        bytes: written.bytes,
        sha256: await sha256File(temporary, signal),
      };
    }
    const sources = [];
    for (const { file, split } of fileSplits) {
      sources.push({
        path: file,
        split: split ?? null,
        bytes: (await stat(file)).size,
        sha256: await sha256File(file, signal),
      });
    }
    const manifest = {
      kind: 'tonekit.dialogue-data',
      schemaVersion: 1,
      package: { name: packageName, version: packageVersion() },
      format,
      seed: typeof seed === 'bigint' ? seed.toString() : seed,
      splitMode,
      splitSources,
      splitSizes: { validation: validationSize, test: testSize },
      limit: limits,
      conversion: {
        responder: describeResponder(responder),
        systemPrompt:
          typeof options.systemPrompt === 'function' ? 'function' : (options.systemPrompt ?? null),
        maxContextTurns: options.maxContextTurns ?? null,
        leadingAssistant: options.leadingAssistant ?? 'keep',
      },
      sources,
      outputs,
      counts,
    };
    const manifestTemporary = temporaryPath(targets.manifest);
    pending.set(manifestTemporary, targets.manifest);
    await writeFile(manifestTemporary, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    // The manifest goes last, so a manifest never describes files older than itself.
    for (const [temporary, target] of pending) await rename(temporary, target);
    pending.clear();
  } finally {
    for (const temporary of pending.keys()) await rm(temporary, { force: true });
  }
  return { splitMode, splitSources, files: targets, counts };
}

function checkSize(size: number, argument: string): number {
  const ok =
    typeof size === 'number' &&
    Number.isFinite(size) &&
    size >= 0 &&
    (size < 1 || Number.isSafeInteger(size));
  if (!ok) {
    throw new InvalidArgumentError({
      argument,
      value: size,
      message: 'expected a fraction in [0, 1) or a whole number of dialogues.',
    });
  }
  return size;
}

function countOf(size: number, total: number): number {
  return size < 1 ? Math.round(size * total) : size;
}

function resolveLimits(
  limit: PrepareDialogueDataOptions['limit'],
): Partial<Record<DialogueSplitName, number>> {
  if (limit === undefined) return {};
  const check = (value: unknown, argument: string): number => {
    if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
      throw new InvalidArgumentError({ argument, value, message: 'expected a whole number of rows (>= 0).' });
    }
    return value;
  };
  if (typeof limit === 'number') {
    const value = check(limit, 'limit');
    return { train: value, validation: value, test: value };
  }
  if (typeof limit !== 'object' || limit === null) {
    throw new InvalidArgumentError({
      argument: 'limit',
      value: limit,
      message: 'expected a number or {train?, validation?, test?}.',
    });
  }
  const limits: Partial<Record<DialogueSplitName, number>> = {};
  for (const [key, value] of Object.entries(limit)) {
    if (!splitNames.includes(key as DialogueSplitName)) {
      throw new InvalidArgumentError({
        argument: `limit.${key}`,
        value,
        message: 'expected train, validation or test.',
      });
    }
    if (value !== undefined) limits[key as DialogueSplitName] = check(value, `limit.${key}`);
  }
  return limits;
}
