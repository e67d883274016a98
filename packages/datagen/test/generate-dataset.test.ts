import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { readDatasetFolder } from '@tonekit/dataset';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatagenEvent, type GenerateDatasetResult, generateDataset } from '../src/index.js';
import {
  expectedCounts,
  fastRetry,
  makeChatModel,
  makeDocuments,
  makeEmbedder,
} from './fixtures/scripted-world.js';

const here = dirname(fileURLToPath(import.meta.url));
const folders: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tonekit-datagen-'));
  folders.push(dir);
  return join(dir, 'run');
}
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const base = { count: 150, validationSize: 20, subsetSizes: [50, 100] };
const documents = makeDocuments(300);

/** What must be identical between runs (created_at is the time of a call, so it differs). */
function essence(result: GenerateDatasetResult) {
  return result.records.map(({ created_at: _created, question_embedding: _embedding, ...rest }) => rest);
}

describe('generateDataset', () => {
  it('runs the whole pipeline and counts exactly what the script implies', async () => {
    const outputDir = await tempDir();
    const { model } = makeChatModel();
    const events: DatagenEvent[] = [];
    const result = await generateDataset(
      { source: documents, outputDir, ...base, concurrency: 8 },
      {
        chatModel: model,
        embedder: makeEmbedder(),
        retry: fastRetry,
        onEvent: (event) => events.push(event),
      },
    );
    const expected = expectedCounts(documents.length, base.count);
    const { counts, manifest } = result;
    expect(counts).toMatchObject({
      sourcesRead: expected.sourcesRead,
      tooShort: expected.tooShort,
      questionFailed: expected.questionFailed,
      questionParseFailed: expected.questionParseFailed,
      dedupRejected: expected.dedupRejected,
      rephraseFailed: expected.rephraseFailed,
      discardedUnreadable: expected.discardedUnreadable,
      kept: 150,
      embedFailed: 0,
      replayedCalls: 0,
    });
    // Every path is exercised.
    for (const key of [
      'tooShort',
      'questionFailed',
      'questionParseFailed',
      'dedupRejected',
      'rephraseFailed',
      'discardedUnreadable',
    ] as const) {
      expect(counts[key], key).toBeGreaterThan(0);
    }
    expect(result.records.map((record) => record.source_id)).toEqual(expected.keptIds);
    expect(manifest.attemptsHistogram).toEqual(expected.attemptsHistogram);
    expect(manifest.stopReason).toBe('count-reached');
    expect(counts.rephraseCallsSavedByDedup).toBeGreaterThanOrEqual(counts.dedupRejected);
    // Calls: one question per chunk (retries of flaky/api-fail are inside it), one embedding per parsed question.
    expect(manifest.stageUsage.question.calls).toBe(counts.chunksProcessed);
    expect(manifest.stageUsage.embed.calls).toBe(
      counts.chunksProcessed - counts.questionFailed - counts.questionParseFailed,
    );
    expect(manifest.stageUsage.rephrase.calls).toBe(counts.rephraseCalls);
    expect(manifest.stageUsage.question.totalTokens).toBeGreaterThan(0);
    for (const record of result.records) {
      expect(record.flesch).toBeGreaterThanOrEqual(75);
      expect(record.model).toBe('mock/scripted-world');
      expect(record.question_embedding).toHaveLength(64);
    }
    expect(new Set(result.records.map((record) => record.question)).size).toBe(150);

    const folder = await readDatasetFolder(join(outputDir, 'dataset'));
    expect(folder.manifest.counts).toMatchObject({
      total: 150,
      validation: 20,
      train: 130,
      'train-50': 50,
      'train-100': 100,
    });
    expect((folder.manifest.extra as { counts: { kept: number } }).counts.kept).toBe(150);
    const runJson = JSON.parse(await readFile(join(outputDir, 'run.json'), 'utf8'));
    expect(runJson.counts.kept).toBe(150);

    const accepted = events.filter((event) => event.type === 'sample-accepted');
    expect(accepted).toHaveLength(150);
    expect(accepted.at(-1)).toMatchObject({ kept: 150, target: 150 });
    const reasons = new Set(
      events.flatMap((event) => (event.type === 'sample-rejected' ? [event.reason] : [])),
    );
    expect([...reasons].sort()).toEqual([
      'duplicate',
      'question-failed',
      'question-parse-failed',
      'rephrase-failed',
      'too-short',
      'unreadable',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', stopReason: 'count-reached', datasetWritten: true });
    expect(events.some((event) => event.type === 'usage')).toBe(true);
    // Events are plain JSON.
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });

  it('keeps the same pairs whatever the concurrency', async () => {
    const run = async (concurrency: number, latencyMs: number) => {
      const { model } = makeChatModel(latencyMs);
      return generateDataset(
        { source: documents, outputDir: await tempDir(), ...base, concurrency },
        { chatModel: model, embedder: makeEmbedder(), retry: fastRetry },
      );
    };
    const sequential = await run(1, 0);
    const parallel = await run(8, 1);
    expect(essence(parallel)).toEqual(essence(sequential));
    expect(parallel.counts).toEqual(sequential.counts);
  });

  it('resumes after an abort without repeating a finished call, ending where an uninterrupted run ends', async () => {
    const reference = await generateDataset(
      { source: documents, outputDir: await tempDir(), ...base, concurrency: 8 },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    const outputDir = await tempDir();
    const first = makeChatModel(2);
    const controller = new AbortController();
    await expect(
      generateDataset(
        { source: documents, outputDir, ...base, concurrency: 8 },
        {
          chatModel: first.model,
          embedder: makeEmbedder(),
          retry: fastRetry,
          abortSignal: controller.signal,
          onEvent: (event) => {
            if (event.type === 'sample-accepted' && event.kept === 60) controller.abort();
          },
        },
      ),
    ).rejects.toSatisfy((error) => CancelledError.isInstance(error));
    expect(first.completed.length).toBeGreaterThan(0);

    const second = makeChatModel();
    const resumed = await generateDataset(
      { source: documents, outputDir, ...base, concurrency: 8 },
      { chatModel: second.model, embedder: makeEmbedder(), retry: fastRetry },
    );
    expect(essence(resumed)).toEqual(essence(reference));
    expect(resumed.counts).toMatchObject({
      ...reference.counts,
      replayedCalls: expect.any(Number),
      paidCalls: expect.any(Number),
      retriedAttempts: expect.any(Number),
    });
    expect(resumed.counts.replayedCalls).toBeGreaterThan(0);
    const paidBefore = new Set(first.completed);
    expect(second.completed.filter((call) => paidBefore.has(call))).toEqual([]);
  });

  it('refuses a checkpoint made with another configuration and leaves it untouched', async () => {
    const outputDir = await tempDir();
    await generateDataset(
      { source: documents.slice(0, 40), outputDir, count: 5, validationSize: 2, subsetSizes: [1] },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    const before = await readFile(join(outputDir, 'checkpoint.jsonl'), 'utf8');
    const error = await generateDataset(
      {
        source: documents.slice(0, 40),
        outputDir,
        count: 5,
        validationSize: 2,
        subsetSizes: [1],
        seed: 7,
        dedupThreshold: 0.9,
      },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    ).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('dedupThreshold, seed');
    expect(await readFile(join(outputDir, 'checkpoint.jsonl'), 'utf8')).toBe(before);
    // Keys that decide nothing per chunk may change: a larger target resumes.
    const more = await generateDataset(
      {
        source: documents.slice(0, 40),
        outputDir,
        count: 8,
        validationSize: 2,
        subsetSizes: [1],
        concurrency: 3,
      },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    expect(more.counts.kept).toBe(8);
  });

  it('reads local files with the seeded shuffle, and refuses an existing checkpoint with resume: false', async () => {
    const outputDir = await tempDir();
    const file = join(dirname(outputDir), 'chunks.jsonl');
    const source = documents.slice(0, 60);
    await writeFile(
      file,
      source.map(({ id, title, text }) => JSON.stringify({ id, title, text })).join('\n'),
    );
    const run = (dir: string, seed: number, resume?: boolean) =>
      generateDataset(
        {
          source: { files: [file] },
          outputDir: dir,
          count: 10,
          validationSize: 2,
          subsetSizes: [4],
          seed,
          ...(resume === undefined ? {} : { resume }),
        },
        { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
      );
    const first = await run(outputDir, 1);
    const again = await run(await tempDir(), 1);
    const other = await run(await tempDir(), 2);
    expect(first.counts.kept).toBe(10);
    expect(first.records.map((record) => record.source_id)).toEqual(
      again.records.map((record) => record.source_id),
    );
    expect(first.records.map((record) => record.source_id)).not.toEqual(
      other.records.map((record) => record.source_id),
    );
    expect(first.records[0]?.source_title).toMatch(/^Topic \d+$/);
    const error = await run(outputDir, 1, false).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('resume');
  });

  it('ignores a torn last line of the checkpoint', async () => {
    const outputDir = await tempDir();
    const source = documents.slice(0, 40);
    const options = { source, outputDir, count: 10, validationSize: 2, subsetSizes: [1] };
    const first = await generateDataset(options, {
      chatModel: makeChatModel().model,
      embedder: makeEmbedder(),
      retry: fastRetry,
    });
    const path = join(outputDir, 'checkpoint.jsonl');
    const content = await readFile(path, 'utf8');
    const lines = content.trimEnd().split('\n');
    // Drop the last two lines and leave half of one: as if killed during a write.
    const torn = `${lines.slice(0, -2).join('\n')}\n${lines.at(-2)!.slice(0, 20)}`;
    await writeFile(path, torn);
    const again = makeChatModel();
    const resumed = await generateDataset(options, {
      chatModel: again.model,
      embedder: makeEmbedder(),
      retry: fastRetry,
    });
    expect(essence(resumed)).toEqual(essence(first));
    expect(again.completed.length).toBeGreaterThanOrEqual(1);
    const reread = await readFile(path, 'utf8');
    for (const line of reread.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('stops at the budget, records why, and a resume with more budget completes the same dataset', async () => {
    const reference = await generateDataset(
      { source: documents, outputDir: await tempDir(), ...base, concurrency: 4 },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    const outputDir = await tempDir();
    const events: DatagenEvent[] = [];
    const maxTokens = Math.round(reference.manifest.stageUsage.question.totalTokens * 0.9);
    const stopped = await generateDataset(
      { source: documents, outputDir, ...base, concurrency: 4, budget: { maxTokens } },
      {
        chatModel: makeChatModel().model,
        embedder: makeEmbedder(),
        retry: fastRetry,
        onEvent: (event) => events.push(event),
      },
    );
    expect(stopped.manifest.stopReason).toBe('budget-exhausted');
    expect(events.filter((event) => event.type === 'budget-exhausted')).toHaveLength(1);
    expect(stopped.counts.kept).toBeLessThan(150);
    expect(stopped.counts.kept).toBeGreaterThanOrEqual(70);
    expect(stopped.manifest.datasetWritten).toBe(true);
    expect(stopped.manifest.notes.join(' ')).toContain('train-100 dropped');
    expect(essence(stopped)).toEqual(essence(reference).slice(0, stopped.counts.kept));
    const folder = await readDatasetFolder(join(outputDir, 'dataset'));
    expect(folder.manifest.subsetSizes).toEqual([50]);

    const resumed = await generateDataset(
      { source: documents, outputDir, ...base, concurrency: 4, budget: {} },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    expect(resumed.manifest.stopReason).toBe('count-reached');
    expect(essence(resumed)).toEqual(essence(reference));
  });

  it('does not write a dataset too small for validation plus the smallest subset', async () => {
    const result = await generateDataset(
      { source: documents.slice(0, 30), outputDir: await tempDir(), ...base },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    expect(result.manifest.stopReason).toBe('source-exhausted');
    expect(result.manifest.datasetWritten).toBe(false);
    expect(result.datasetDir).toBeUndefined();
    expect(result.manifest.notes.join(' ')).toContain('dataset not written');
  });

  it('survives kill -9 of a child process and resumes to the uninterrupted result', async () => {
    const count = 120;
    const reference = await generateDataset(
      {
        source: makeDocuments(400),
        outputDir: await tempDir(),
        count,
        validationSize: 20,
        subsetSizes: [50, 100],
        concurrency: 8,
      },
      { chatModel: makeChatModel().model, embedder: makeEmbedder(), retry: fastRetry },
    );
    const outputDir = await tempDir();
    const child = spawn(
      process.execPath,
      [
        '--conditions=@tonekit/source',
        '--import',
        'tsx',
        join(here, 'fixtures', 'run-child.ts'),
        outputDir,
        String(count),
      ],
      { cwd: join(here, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const killedAt = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (data: Buffer) => {
        buffered += data.toString();
        const kept = [...buffered.matchAll(/kept (\d+)/g)].map((match) => Number(match[1]));
        if ((kept.at(-1) ?? 0) >= 40 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve(kept.at(-1)!);
        }
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited early (${code}): ${stderr}`));
      });
    });
    expect(killedAt).toBeLessThan(count);
    const checkpoint = await readFile(join(outputDir, 'checkpoint.jsonl'), 'utf8');
    expect(checkpoint.split('\n').length).toBeGreaterThan(40);

    const resumedModel = makeChatModel();
    const resumed = await generateDataset(
      {
        source: makeDocuments(400),
        outputDir,
        count,
        validationSize: 20,
        subsetSizes: [50, 100],
        concurrency: 8,
      },
      { chatModel: resumedModel.model, embedder: makeEmbedder(), retry: fastRetry },
    );
    expect(essence(resumed)).toEqual(essence(reference));
    expect(resumed.counts.replayedCalls).toBeGreaterThan(0);
    // Nothing paid in the child is paid again: every replayed call is a logged one.
    const logged = checkpoint.split('\n').filter((line) => line.startsWith('{"kind":"call"')).length;
    expect(resumed.counts.replayedCalls).toBeGreaterThanOrEqual(logged - 1);
  }, 60_000);
});
