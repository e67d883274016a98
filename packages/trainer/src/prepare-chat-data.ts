import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import {
  type DatasetManifest,
  type DatasetSplitName,
  openDatasetSplit,
  readDatasetManifest,
  readJsonlLines,
  writeJsonl,
} from '@tonekit/dataset';
import { hashFile } from './files/hash-file.js';
import { writeFileAtomically } from './files/write-file-atomically.js';
import type { TrainDatasetSpec } from './train-spec.js';

export interface PrepareChatDataOptions {
  dataset: TrainDatasetSpec;
  /** Text of the system message of every conversation; `null` for none. */
  systemPrompt: string | null;
  /** The run folder: files go to `<outDir>/data/`. */
  outDir: string;
  signal?: AbortSignal;
}

export interface PreparedChatData {
  /** Absolute path of `<outDir>/data/train.jsonl`. */
  trainFile: string;
  /** Absolute path of `<outDir>/data/validation.jsonl`, or null without validation. */
  validationFile: string | null;
  trainExamples: number;
  validationExamples: number;
  /** Rows of both splits left out because their question or answer was empty. */
  skippedExamples: number;
}

/** Bumped when the written format changes, so files prepared by an older version are rewritten. */
const preparedFormatVersion = 1;

interface PreparedFileRecord {
  formatVersion: number;
  /** Hash of everything the file is made of: the split file's bytes, the split, the column, the prompt. */
  inputsHash: string;
  /** Hash of the written file, so an edited or truncated file is not mistaken for a prepared one. */
  outputSha256: string;
  examples: number;
  skipped: number;
  source: { dataset: string; split: string; file: string; answerColumn: string };
}

interface PreparedSplit {
  file: string;
  examples: number;
  skipped: number;
}

/**
 * Turns a dataset folder's train split (or nested subset) and its validation split into OpenAI's chat
 * fine-tuning JSONL — `{"messages": [system?, user = question, assistant = answer]}` per line — which
 * both backends train on: the OpenAI API takes it as is and the Python worker renders it with the base
 * model's chat template. Rows with an empty question or answer are skipped and counted.
 *
 * Files are written atomically (temporary file + rename) and only when needed: a sidecar
 * `<file>.meta.json` records a hash of the inputs (the split file's bytes, the split, the answer
 * column and the system prompt) and of the output, so preparing the same data again is a no-op, and a
 * resumed run trains on exactly the bytes it started with.
 */
export async function prepareChatData({
  dataset,
  systemPrompt,
  outDir,
  signal,
}: PrepareChatDataOptions): Promise<PreparedChatData> {
  if (signal?.aborted) throw CancelledError.fromSignal(signal);
  const dataDir = join(resolve(outDir), 'data');
  if (dataset.path.toLowerCase().endsWith('.jsonl')) {
    return prepareChatFiles({ dataset, systemPrompt, dataDir, signal });
  }
  const datasetDir = resolve(dataset.path);
  const manifest = await readDatasetManifest(datasetDir);
  const split = dataset.split ?? 'train';
  const answerColumn = dataset.answerColumn ?? 'conversational_answer';
  for (const column of ['question', answerColumn]) {
    if (!manifest.columns.some((candidate) => candidate.name === column)) {
      throw new InvalidArgumentError({
        argument: column === 'question' ? 'dataset.path' : 'dataset.answerColumn',
        value: column === 'question' ? dataset.path : answerColumn,
        message: `${datasetDir} has no column "${column}" (its columns: ${manifest.columns.map((c) => c.name).join(', ')}).`,
      });
    }
  }
  const hasValidation = Object.values(manifest.files).some((file) => file.split === 'validation');
  const validationSplit =
    dataset.validationSplit === undefined ? (hasValidation ? 'validation' : null) : dataset.validationSplit;

  await mkdir(dataDir, { recursive: true });
  const common = { datasetDir, manifest, answerColumn, systemPrompt, signal };
  const train = await prepareSplit({ ...common, split, file: join(dataDir, 'train.jsonl') });
  if (train.examples === 0) {
    throw new InvalidArgumentError({
      argument: 'dataset.split',
      value: split,
      message: `split "${split}" of ${datasetDir} has no row with both a question and a ${answerColumn} (${train.skipped} skipped); there is nothing to train on.`,
    });
  }
  const validation =
    validationSplit === null
      ? null
      : await prepareSplit({ ...common, split: validationSplit, file: join(dataDir, 'validation.jsonl') });
  return {
    trainFile: train.file,
    // An empty validation file would only make the trainer divide by zero: train without one.
    validationFile: validation !== null && validation.examples > 0 ? validation.file : null,
    trainExamples: train.examples,
    validationExamples: validation?.examples ?? 0,
    skippedExamples: train.skipped + (validation?.skipped ?? 0),
  };
}

async function prepareSplit({
  datasetDir,
  manifest,
  split,
  answerColumn,
  systemPrompt,
  file,
  signal,
}: {
  datasetDir: string;
  manifest: DatasetManifest;
  split: DatasetSplitName;
  answerColumn: string;
  systemPrompt: string | null;
  file: string;
  signal: AbortSignal | undefined;
}): Promise<PreparedSplit> {
  const entry = Object.entries(manifest.files).find(([, candidate]) => candidate.split === split);
  if (entry === undefined) {
    throw new InvalidArgumentError({
      argument: split === 'validation' ? 'dataset.validationSplit' : 'dataset.split',
      value: split,
      message: `${datasetDir} has no split "${split}"; it has ${Object.values(manifest.files)
        .map((candidate) => candidate.split)
        .join(', ')}.`,
    });
  }
  const sourceFile = join(datasetDir, entry[0]);
  const inputsHash = sha256Text(
    JSON.stringify({
      formatVersion: preparedFormatVersion,
      sourceSha256: await sha256File(sourceFile, signal),
      split,
      answerColumn,
      systemPrompt,
    }),
  );
  const counts = { examples: 0, skipped: 0 };
  async function* conversations() {
    for await (const batch of openDatasetSplit(datasetDir, split, {
      columns: ['question', answerColumn],
      ...(signal === undefined ? {} : { abortSignal: signal }),
    })) {
      const questions = batch.getChild('question');
      const answers = batch.getChild(answerColumn);
      for (let row = 0; row < batch.numRows; row++) {
        const question: unknown = questions?.get(row);
        const answer: unknown = answers?.get(row);
        if (!isNonBlank(question) || !isNonBlank(answer)) {
          counts.skipped++;
          continue;
        }
        counts.examples++;
        yield {
          messages: [
            ...(systemPrompt === null ? [] : [{ role: 'system', content: systemPrompt }]),
            { role: 'user', content: question },
            { role: 'assistant', content: answer },
          ],
        };
      }
    }
  }
  return writePreparedFile({
    file,
    inputsHash,
    rows: conversations(),
    counts,
    source: { dataset: datasetDir, split, file: entry[0], answerColumn },
    signal,
  });
}

/** Training from chat `.jsonl` files: checked line by line, the system prompt added where a conversation has none. */
async function prepareChatFiles({
  dataset,
  systemPrompt,
  dataDir,
  signal,
}: {
  dataset: TrainDatasetSpec;
  systemPrompt: string | null;
  dataDir: string;
  signal: AbortSignal | undefined;
}): Promise<PreparedChatData> {
  await mkdir(dataDir, { recursive: true });
  const train = await prepareChatFile({
    source: resolve(dataset.path),
    argument: 'dataset.path',
    systemPrompt,
    file: join(dataDir, 'train.jsonl'),
    signal,
  });
  if (train.examples === 0) {
    throw new InvalidArgumentError({
      argument: 'dataset.path',
      value: dataset.path,
      message: `${dataset.path} has no conversation ending with an assistant turn (${train.skipped} skipped); there is nothing to train on.`,
    });
  }
  const validation =
    dataset.validationPath === undefined
      ? null
      : await prepareChatFile({
          source: resolve(dataset.validationPath),
          argument: 'dataset.validationPath',
          systemPrompt,
          file: join(dataDir, 'validation.jsonl'),
          signal,
        });
  return {
    trainFile: train.file,
    validationFile: validation !== null && validation.examples > 0 ? validation.file : null,
    trainExamples: train.examples,
    validationExamples: validation?.examples ?? 0,
    skippedExamples: train.skipped + (validation?.skipped ?? 0),
  };
}

const chatRoles = new Set(['system', 'user', 'assistant']);

async function prepareChatFile({
  source,
  argument,
  systemPrompt,
  file,
  signal,
}: {
  source: string;
  argument: string;
  systemPrompt: string | null;
  file: string;
  signal: AbortSignal | undefined;
}): Promise<PreparedSplit> {
  const inputsHash = sha256Text(
    JSON.stringify({
      formatVersion: preparedFormatVersion,
      sourceSha256: await sha256File(source, signal).catch((error: NodeJS.ErrnoException) => {
        throw new InvalidArgumentError({
          argument,
          value: source,
          message: `cannot read ${source}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
          cause: error,
        });
      }),
      systemPrompt,
    }),
  );
  const counts = { examples: 0, skipped: 0 };
  async function* conversations() {
    for await (const { line, value } of readJsonlLines(
      source,
      signal === undefined ? {} : { abortSignal: signal },
    )) {
      const messages = value['messages'];
      if (!Array.isArray(messages)) {
        throw new InvalidArgumentError({
          argument,
          value: source,
          message: `${source}:${line}: expected {"messages": [...]} (OpenAI's chat fine-tuning format).`,
        });
      }
      for (const [index, message] of messages.entries()) {
        const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
        if (typeof role !== 'string' || !chatRoles.has(role) || typeof content !== 'string') {
          throw new InvalidArgumentError({
            argument,
            value: source,
            message: `${source}:${line}: messages[${index}] needs a role (system, user or assistant) and string content.`,
          });
        }
      }
      const last = messages.at(-1) as { role: string; content: string } | undefined;
      if (last?.role !== 'assistant' || !isNonBlank(last.content)) {
        counts.skipped++;
        continue;
      }
      counts.examples++;
      const hasSystem = (messages[0] as { role: string }).role === 'system';
      yield {
        messages:
          hasSystem || systemPrompt === null
            ? messages
            : [{ role: 'system', content: systemPrompt }, ...messages],
      };
    }
  }
  return writePreparedFile({
    file,
    inputsHash,
    rows: conversations(),
    counts,
    source: { dataset: source, split: 'chat-jsonl', file: source, answerColumn: 'messages' },
    signal,
  });
}

/**
 * Writes `rows` to `file` unless the sidecar `<file>.meta.json` shows the file already holds exactly
 * these inputs (same `inputsHash`, and the file's bytes unchanged since), then records it. `counts` is
 * filled by the rows generator as it runs.
 */
async function writePreparedFile({
  file,
  inputsHash,
  rows,
  counts,
  source,
  signal,
}: {
  file: string;
  inputsHash: string;
  rows: AsyncIterable<unknown>;
  counts: { examples: number; skipped: number };
  source: PreparedFileRecord['source'];
  signal: AbortSignal | undefined;
}): Promise<PreparedSplit> {
  const metaFile = `${file}.meta.json`;
  const previous = await readPreparedRecord(metaFile);
  if (
    previous?.inputsHash === inputsHash &&
    previous.formatVersion === preparedFormatVersion &&
    (await sha256File(file, signal).catch(() => undefined)) === previous.outputSha256
  ) {
    return { file, examples: previous.examples, skipped: previous.skipped };
  }
  // The old record goes first: a crash between the two renames below must not leave a record that
  // vouches for a file it did not describe.
  await rm(metaFile, { force: true });
  try {
    await writeJsonl(file, rows, signal === undefined ? {} : { abortSignal: signal });
  } catch (error) {
    if (signal?.aborted) throw CancelledError.fromSignal(signal);
    throw error;
  }
  const record: PreparedFileRecord = {
    formatVersion: preparedFormatVersion,
    inputsHash,
    outputSha256: await sha256File(file, signal),
    examples: counts.examples,
    skipped: counts.skipped,
    source,
  };
  await writeFileAtomically(metaFile, `${JSON.stringify(record, null, 2)}\n`);
  return { file, examples: counts.examples, skipped: counts.skipped };
}

function isNonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

async function sha256File(path: string, signal: AbortSignal | undefined): Promise<string> {
  return (await hashFile(path, signal)).sha256;
}

async function readPreparedRecord(path: string): Promise<PreparedFileRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PreparedFileRecord;
  } catch {
    return undefined;
  }
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
