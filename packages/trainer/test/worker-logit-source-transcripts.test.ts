import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PythonWorker } from '../src/worker/python-worker.js';
import { createWorkerLogitSources } from '../src/worker-logit-source/create-worker-logit-sources.js';
import {
  concretize,
  mismatch,
  readTranscript,
  type TranscriptEntry,
  transcriptsDir,
  writeReplayWorker,
} from './transcript-replay.js';

const name = 'blend-step.jsonl';
const present = existsSync(path.join(transcriptsDir, name));
if (!present)
  console.warn(`\n!!! ${name} is missing from ${transcriptsDir}: its LogitSource replay is SKIPPED.\n`);

const vocabularySize = 320;

/** Row `row` of step `step`: distinct values, so a row delivered to the wrong sequence is caught. */
function rowValues(step: number, row: number): Float32Array {
  return Float32Array.from({ length: vocabularySize }, (_, index) => -(index + 1) / 64 - row - step * 10);
}

/**
 * blend-step.jsonl as a client of the LogitSource API produces it: the exchange that steps a closed
 * group on purpose (a misuse the sources never commit) is left out and later ids shift down by one;
 * the wildcards the sources consume get concrete values.
 */
function asSourcesTranscript(entries: TranscriptEntry[]): TranscriptEntry[] {
  const methods = new Map<unknown, string>();
  for (const entry of entries)
    if (entry.dir === 'in') methods.set(entry.message.id, entry.message.method as string);
  const closedStep = entries.find(
    (entry, index) =>
      entry.dir === 'in' &&
      entry.message.method === 'step' &&
      entries
        .slice(0, index)
        .some((earlier) => earlier.dir === 'in' && earlier.message.method === 'close_sequences'),
  )?.message.id as number;
  expect(closedStep).toBeTypeOf('number');
  let step = 0;
  return entries
    .filter((entry) => entry.message.id !== closedStep)
    .map((entry) => {
      const message = { ...entry.message };
      if (typeof message.id === 'number' && message.id > closedStep) message.id -= 1;
      if (entry.dir === 'in') return { dir: entry.dir, message };
      const result = message.result as Record<string, unknown> | undefined;
      switch (methods.get(entry.message.id)) {
        case 'load_model':
          message.result = {
            ...result,
            vocabulary_size: vocabularySize,
            vocabulary_hash: 'hash',
            bos: 1,
            eos: [2],
            pad: null,
          };
          break;
        case 'tokenize':
          message.result = { tokens: [3, 300, 301, 302] };
          break;
        case 'step': {
          const rows = ((result?.log_probs ?? []) as unknown[]).map((_, row) =>
            Buffer.from(rowValues(step, row).buffer).toString('base64'),
          );
          step++;
          message.result = { log_probs: rows };
          break;
        }
      }
      return { dir: entry.dir, message: concretize(message) as Record<string, unknown> };
    });
}

describe.skipIf(!present)('worker logit sources replay blend-step.jsonl', () => {
  it('sends exactly the transcript lines and decodes the log-probs', async () => {
    const entries = asSourcesTranscript(readTranscript(name));
    const fake = await writeReplayWorker(entries);
    try {
      const worker = await PythonWorker.start({ command: fake.command });
      const blend = await createWorkerLogitSources({
        worker,
        model: 'tiny-llama',
        adapters: [
          { name: 'ed', path: 'adapter-a' },
          { name: 'wow', path: 'adapter-b' },
        ],
        includeBase: true,
        device: 'cpu',
      });
      const [ed, wow, base] = blend.sources;
      expect([ed?.modelId, wow?.modelId, base?.modelId]).toEqual([
        'tiny-llama#ed',
        'tiny-llama#wow',
        'tiny-llama',
      ]);
      expect(ed!.tokenizer).toEqual({
        vocabularyHash: 'hash',
        vocabularySize,
        specialTokens: { bos: 1, eos: [2] },
      });
      const prompt = await ed!.applyChatTemplate!([{ role: 'user', content: 'Why is the sky blue?' }]);
      expect(prompt).toBe('text');
      const tokens = await wow!.tokenize('Why is the sky blue?');
      expect(tokens).toEqual([3, 300, 301, 302]);
      const sequences = await Promise.all(blend.sources.map((source) => source.createSequence()));
      const first = await Promise.all(sequences.map((sequence) => sequence.doNextLogProbs({ tokens })));
      first.forEach((values, row) => {
        expect(values).toEqual(rowValues(0, row));
      });
      const second = await Promise.all(
        sequences.map((sequence, row) => sequence.doNextLogProbs({ tokens: [303 + row] })),
      );
      second.forEach((values, row) => {
        expect(values).toEqual(rowValues(1, row));
      });
      expect(await base!.detokenize([303, 304])).toBe('text');
      await Promise.all(sequences.map((sequence) => sequence.dispose()));
      await blend.dispose();
      await worker.close({ graceMs: 5_000 });
      const sent = entries.filter((entry) => entry.dir === 'in').map((entry) => entry.message);
      const received = fake.received();
      expect(received).toHaveLength(sent.length);
      sent.forEach((message, index) => {
        expect(mismatch(message, received[index])).toBeNull();
      });
    } finally {
      await fake.cleanup();
    }
  });
});
