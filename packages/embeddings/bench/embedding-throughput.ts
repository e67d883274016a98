/**
 * Throughput of createTransformersEmbedder on a BERT-base-sized model (768 hidden, 12 layers, 12 heads,
 * random weights generated here by @tonekit/test-kit: nothing is downloaded), over texts of varied
 * length: SQuAD questions and Wikipedia paragraphs from ../shared/data/wikipedia (generated sentences
 * when that file is absent), one paragraph per four questions, shuffled with a fixed seed.
 *
 * Three ways to embed the same texts, measured in the same run:
 *   sorted    embedMany → doEmbed sorts by token count, runs of up to 32 (the default path)
 *   unsorted  runs of 32 in input order, each padded to its longest text
 *   single    one doEmbed call per text: no padding, no batching
 * Prints texts/s and tokens/s of each and the ratios, the token slots each mode computes (real tokens
 * plus padding; this part is deterministic), and the largest difference between the vectors the three
 * produce (they must agree). With --rounds > 1 the modes alternate order and the median is reported.
 *
 * Usage: npx tsx packages/embeddings/bench/embedding-throughput.ts [--texts 200] [--max-length 128]
 *        [--rounds 1] [--threads N]
 * (`npm run bench -w @tonekit/embeddings` builds test-kit first, which this imports by name.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as testKit from '@tonekit/test-kit';
import { planRuns } from '../src/create-transformers-embedder.js';
import { createTransformersEmbedder, embedMany } from '../src/index.js';

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const textCount = argument('texts', 200);
// 128 tokens keeps the three modes within about three minutes on two cores; paragraphs are cut there.
const maxLength = argument('max-length', 128);
const rounds = argument('rounds', 1);
const threads = argument('threads', availableParallelism());
const batchSize = 32;

if (typeof testKit.writeTinyBertModel !== 'function') {
  console.error(
    '@tonekit/test-kit resolves to a build without the tiny model writers; run ' +
      '`npx tsc -b tooling/test-kit/tsconfig.build.json` (or `npm run bench -w @tonekit/embeddings`).',
  );
  process.exit(2);
}
const { createSeededRandom, mostFrequentWords, writeTinyBertModel } = testKit;

const texts = loadTexts(textCount);
const words = texts.map((text) => text.split(/\s+/).length);
console.log(
  `${new Date().toISOString().slice(0, 10)}: ${texts.length} texts of ${Math.min(...words)}–${Math.max(...words)} ` +
    `words (median ${median(words)}), maxLength ${maxLength}; ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
    `${availableParallelism()} cores, onnxruntime threads ${threads}, Node ${process.version}`,
);

const workDir = await mkdtemp(path.join(tmpdir(), 'tonekit-embedding-bench-'));
try {
  let started = performance.now();
  // A vocabulary from the texts themselves, so token counts resemble a real uncased BERT's.
  const model = await writeTinyBertModel(path.join(workDir, 'bert-base'), {
    preset: 'bert-base',
    vocabulary: mostFrequentWords(texts, 30_000),
    seed: 0,
  });
  console.log(
    `generated a BERT-base-sized model: ${model.vocabulary.length} tokens, ${(model.onnxBytes / 1e6).toFixed(0)} MB, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  started = performance.now();
  const common = { localPath: model.dir, threads, batchSize, maxLength };
  await using sorted = await createTransformersEmbedder({ ...common, maxBatchSize: 1024 });
  await using unsorted = await createTransformersEmbedder({ ...common, maxBatchSize: batchSize });
  console.log(`loaded twice in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sorted.doEmbed({ values: texts.slice(0, 8) }); // warm-up: the first runs allocate arenas
  await unsorted.doEmbed({ values: texts.slice(0, 8) });

  const tokenCounts: number[] = [];
  const modes: Record<string, () => Promise<Float32Array[]>> = {
    sorted: async () => (await embedMany(sorted, texts)).embeddings,
    unsorted: async () => (await embedMany(unsorted, texts, { sortByLength: false })).embeddings,
    single: async () => {
      const vectors: Float32Array[] = [];
      tokenCounts.length = 0;
      for (const text of texts) {
        const { embeddings, usage } = await sorted.doEmbed({ values: [text] });
        vectors.push(embeddings[0]!);
        tokenCounts.push(usage?.tokens ?? 0);
      }
      return vectors;
    },
  };
  const seconds: Record<string, number[]> = { sorted: [], unsorted: [], single: [] };
  const vectors: Record<string, Float32Array[]> = {};
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that drift (heat, other load) hits every mode alike.
    const order = round % 2 === 0 ? ['sorted', 'unsorted', 'single'] : ['single', 'unsorted', 'sorted'];
    for (const mode of order) {
      const start = performance.now();
      vectors[mode] = await modes[mode]!();
      seconds[mode]!.push((performance.now() - start) / 1000);
    }
  }

  const tokens = tokenCounts.reduce((sum, count) => sum + count, 0);
  const indices = tokenCounts.map((_, index) => index);
  const lengthOf = (index: number) => tokenCounts[index]!;
  const slots = {
    single: tokens,
    sorted: paddedSlots(
      planRuns(
        [...indices].sort((a, b) => lengthOf(a) - lengthOf(b)),
        lengthOf,
        batchSize,
        sorted.maxBatchTokens,
      ),
      lengthOf,
    ),
    unsorted: paddedSlots(chunk(indices, batchSize), lengthOf),
  };
  const rate = (mode: string) => texts.length / median(seconds[mode]!);
  console.log(
    `\n${tokens} tokens (special tokens included)${rounds > 1 ? `; median of ${rounds} rounds` : ''}`,
  );
  for (const mode of ['sorted', 'unsorted', 'single'] as const) {
    console.log(
      `${mode.padEnd(9)} ${rate(mode).toFixed(1).padStart(6)} texts/s ` +
        `${(tokens / median(seconds[mode]!)).toFixed(0).padStart(6)} tokens/s   ` +
        `${String(slots[mode]).padStart(6)} token slots (+${((slots[mode] / tokens - 1) * 100).toFixed(0)}% padding)   ` +
        `${seconds[mode]!.map((value) => value.toFixed(1)).join(', ')} s`,
    );
  }
  console.log(`sorted / single:   ${(rate('sorted') / rate('single')).toFixed(2)}×`);
  console.log(`sorted / unsorted: ${(rate('sorted') / rate('unsorted')).toFixed(2)}×`);
  console.log(`unsorted / single: ${(rate('unsorted') / rate('single')).toFixed(2)}×`);
  const largest = (a: Float32Array[], b: Float32Array[]) =>
    Math.max(
      ...a.map((vector, index) => Math.max(...vector.map((value, d) => Math.abs(value - b[index]![d]!)))),
    );
  console.log(
    `largest vector difference vs single: sorted ${largest(vectors.sorted!, vectors.single!).toExponential(1)}, ` +
      `unsorted ${largest(vectors.unsorted!, vectors.single!).toExponential(1)}`,
  );
} finally {
  await rm(workDir, { recursive: true, force: true });
}

/** Token slots computed when texts run in `runs`: rows × longest length of each run. */
function paddedSlots(runs: number[][], lengthOf: (index: number) => number): number {
  return runs.reduce((sum, run) => sum + run.length * Math.max(...run.map(lengthOf)), 0);
}

function chunk(values: number[], size: number): number[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, index) =>
    values.slice(index * size, (index + 1) * size),
  );
}

function loadTexts(count: number): string[] {
  const corpus = fileURLToPath(
    new URL('../../../../shared/data/wikipedia/squad-dev-paragraphs.jsonl', import.meta.url),
  );
  const random = createSeededRandom(42);
  let texts: string[];
  if (existsSync(corpus)) {
    const rows = readFileSync(corpus, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { text: string; questions: Array<{ question: string }> });
    // Mostly short texts with a long tail, as when embedding questions for dedup and answers for evaluation.
    const paragraphs = rows.map((row) => row.text).slice(0, Math.round(count / 5));
    const questions = rows.flatMap((row) => row.questions.map((question) => question.question));
    texts = [...paragraphs, ...questions.slice(0, count - paragraphs.length)];
  } else {
    console.log(`(${corpus} not found: using generated sentences)`);
    const vocabulary =
      'the a of city river king people music history water north old new war school first'.split(' ');
    texts = Array.from({ length: count }, () => {
      const length =
        random.uniform() < 0.8
          ? 6 + Math.floor(random.uniform() * 10)
          : 60 + Math.floor(random.uniform() * 120);
      return Array.from({ length }, () => vocabulary[Math.floor(random.uniform() * vocabulary.length)]).join(
        ' ',
      );
    });
  }
  // Fisher–Yates with the seeded generator: every unsorted batch sees a realistic mix.
  for (let index = texts.length - 1; index > 0; index--) {
    const other = Math.floor(random.uniform() * (index + 1));
    [texts[index], texts[other]] = [texts[other]!, texts[index]!];
  }
  return texts;
}

function median(values: number[]): number {
  const ordered = [...values].sort((a, b) => a - b);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? ordered[middle]! : (ordered[middle - 1]! + ordered[middle]!) / 2;
}
