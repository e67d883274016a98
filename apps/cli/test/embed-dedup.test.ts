import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { embeddingAt, readJsonl, readParquetTable, writeParquet } from '@tonekit/dataset';
import { createDedupIndex, createTransformersEmbedder } from '@tonekit/embeddings';
import { writeTinyBertModel } from '@tonekit/test-kit';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

// Questions with exact repeats (cosine 1: always duplicates) and one row without text.
const questions: (string | null)[] = [
  'what is the capital of france',
  'how do plants make food',
  'what is the capital of france',
  null,
  'why is the sky blue',
  'how do plants make food',
  'who wrote the first dictionary',
  'why is the sky blue',
];

let dir: string;
let modelPath: string;
let jsonlInput: string;
let parquetInput: string;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** What the library itself decides for these texts: the CLI must agree row for row. */
async function expectedKeptRows(threshold: number): Promise<number[]> {
  await using embedder = await createTransformersEmbedder({ localPath: modelPath, threads: 1 });
  const present = questions.flatMap((text, row) => (text === null ? [] : [row]));
  const { embeddings } = await embedder.doEmbed({ values: present.map((row) => questions[row] as string) });
  const index = await createDedupIndex({ dimensions: embedder.dimensions, threshold });
  const { kept } = await index.addIfNovel(embeddings);
  index.dispose();
  return questions.flatMap((text, row) => (text === null || kept[present.indexOf(row)] ? [row] : []));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-embed-'));
  modelPath = path.join(dir, 'model');
  await writeTinyBertModel(modelPath, { pooling: 'cls', seed: 7 });
  jsonlInput = path.join(dir, 'questions.jsonl');
  await writeFile(
    jsonlInput,
    questions.map((question, id) => JSON.stringify(question === null ? { id } : { id, question })).join('\n'),
  );
  parquetInput = path.join(dir, 'questions.parquet');
  await writeParquet(
    parquetInput,
    arrow.tableFromArrays({
      id: Int32Array.from(questions.map((_, id) => id)),
      question: questions.map((question) => question ?? null) as string[],
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const model = () => ['--model-path', modelPath, '--threads', '1'];

describe('tonekit embed', () => {
  it('adds a unit-length embedding per JSONL row, equal to the library’s, null without text', async () => {
    const out = path.join(dir, 'embedded.jsonl');
    const result = await runTonekit([
      'embed',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      out,
      ...model(),
    ]);
    expect(result.stderr).not.toContain('error');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Embedded 8 rows');
    const rows = await collect(readJsonl(out));
    expect(rows).toHaveLength(questions.length);
    await using embedder = await createTransformersEmbedder({ localPath: modelPath, threads: 1 });
    const { embeddings } = await embedder.doEmbed({ values: ['why is the sky blue'] });
    const expected = Array.from(embeddings[0] as Float32Array);
    const row4 = rows[4]?.['question_embedding'] as number[];
    expect(row4).toHaveLength(embedder.dimensions);
    for (const [i, value] of row4.entries()) expect(value).toBeCloseTo(expected[i] as number, 5);
    expect(Math.hypot(...row4)).toBeCloseTo(1, 5);
    expect(rows[3]?.['question_embedding']).toBeNull();
    expect(rows[3]?.['id']).toBe(3);
  });

  it('writes Parquet with a FixedSizeList<Float32> column and keeps the other columns', async () => {
    const out = path.join(dir, 'embedded.parquet');
    const result = await runTonekit([
      'embed',
      '--in',
      parquetInput,
      '--column',
      'question',
      '--out',
      out,
      ...model(),
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 8, rowsWithoutText: 1, dimensions: 32 });
    const table = await readParquetTable(out);
    expect(table.numRows).toBe(8);
    expect(table.schema.fields.map((field) => field.name)).toEqual(['id', 'question', 'question_embedding']);
    const column = table.getChild('question_embedding') as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>;
    expect(column.type.listSize).toBe(32);
    expect(embeddingAt(column, 3)).toBeNull();
    expect(Array.from(embeddingAt(column, 0) as Float32Array)).toEqual(
      Array.from(embeddingAt(column, 2) as Float32Array),
    );
  });

  it('refuses to overwrite --out without --force and leaves the file as it was', async () => {
    const out = path.join(dir, 'existing.jsonl');
    await writeFile(out, 'keep me\n');
    const result = await runTonekit([
      'embed',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      out,
      ...model(),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('file exists (pass --force to overwrite it)');
    expect(await readFile(out, 'utf8')).toBe('keep me\n');
  });

  it('names the columns when --column is wrong, and writes nothing', async () => {
    const out = path.join(dir, 'wrong-column.parquet');
    const result = await runTonekit([
      'embed',
      '--in',
      parquetInput,
      '--column',
      'answer',
      '--out',
      out,
      ...model(),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('its columns are id, question');
    await expect(readFile(out)).rejects.toThrow();
  });

  it('says where it looked when the model folder is missing', async () => {
    const out = path.join(dir, 'no-model.jsonl');
    const missing = path.join(dir, 'no-such-model');
    const result = await runTonekit([
      'embed',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      out,
      '--model-path',
      missing,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(missing);
  });

  it('rejects mixing formats', async () => {
    const result = await runTonekit([
      'embed',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      'x.parquet',
      ...model(),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('must be a .jsonl file like --in');
  });
});

describe('tonekit dedup', () => {
  it('keeps exactly the rows the dedup index keeps, rejects exact repeats, keeps rows without text', async () => {
    const out = path.join(dir, 'kept.jsonl');
    const report = path.join(dir, 'report.json');
    const result = await runTonekit([
      'dedup',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      out,
      '--report',
      report,
      ...model(),
    ]);
    expect(result.exitCode).toBe(0);
    const keptIds = (await collect(readJsonl(out))).map((row) => row['id']);
    expect(keptIds).toEqual(await expectedKeptRows(0.8));
    for (const repeat of [2, 5, 7]) expect(keptIds).not.toContain(repeat);
    expect(keptIds).toContain(3);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written.rows).toBe(8);
    expect(written.kept + written.rejected).toBe(8);
    const repeatOfFrance = written.rejectedRows.find((entry: { row: number }) => entry.row === 2);
    expect(repeatOfFrance).toMatchObject({ duplicateOfRow: 0, text: 'what is the capital of france' });
    expect(repeatOfFrance.duplicateOfText).toBe('what is the capital of france');
    expect(repeatOfFrance.similarity).toBeCloseTo(1, 5);
  });

  it('a stricter --threshold keeps what the dedup index keeps at that threshold', async () => {
    const out = path.join(dir, 'kept-strict.jsonl');
    const result = await runTonekit([
      'dedup',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      out,
      '--threshold',
      '0.9999',
      '--json',
      ...model(),
    ]);
    expect(result.exitCode).toBe(0);
    const keptIds = (await collect(readJsonl(out))).map((row) => row['id']);
    expect(keptIds).toEqual(await expectedKeptRows(0.9999));
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 8, rejected: 8 - keptIds.length });
  });

  it('uses an existing embedding column without loading a model', async () => {
    const embedded = path.join(dir, 'embedded-for-dedup.parquet');
    expect(
      (
        await runTonekit([
          'embed',
          '--in',
          parquetInput,
          '--column',
          'question',
          '--out',
          embedded,
          ...model(),
        ])
      ).exitCode,
    ).toBe(0);
    const out = path.join(dir, 'kept.parquet');
    const result = await runTonekit([
      'dedup',
      '--in',
      embedded,
      '--column',
      'question',
      '--embedding-column',
      'question_embedding',
      '--out',
      out,
      '--model-path',
      path.join(dir, 'not-needed'),
    ]);
    expect(result.exitCode).toBe(0);
    const table = await readParquetTable(out);
    expect(Array.from(table.getChild('id') as arrow.Vector, Number)).toEqual(await expectedKeptRows(0.8));
  });

  it('rejects a threshold outside (-1, 1)', async () => {
    const result = await runTonekit([
      'dedup',
      '--in',
      jsonlInput,
      '--column',
      'question',
      '--out',
      'x.jsonl',
      '--threshold',
      '1.5',
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--threshold 1.5');
  });
});
