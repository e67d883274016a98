/**
 * Parquet throughput of @tonekit/dataset (parquet-wasm + apache-arrow) against DuckDB, measured in the
 * same run on the same data: a table like a generated dataset, with text columns and a 768-d float32
 * embedding column.
 *
 * For each codec (zstd, snappy) it times
 *   - write: ours = createParquetWriter fed 10,000-row batches; DuckDB = COPY <in-memory table> TO file
 *   - read:  ours = readParquet over every batch, touching every embedding; DuckDB = read_parquet into
 *            a temporary table (all columns materialized)
 * in alternating rounds, and prints medians: rows/s, file size, the growth of the process's RSS during
 * the step, and ours/DuckDB speed ratios.
 * DuckDB uses all cores (it is multi-threaded); ours decodes in one worker thread and encodes on the
 * main thread. Nothing here is a pass/fail threshold.
 *
 * Usage (from the repository root):
 *   npx tsx packages/dataset/bench/parquet-throughput.ts [--rows 100000] [--rounds 3]
 *   npx tsx packages/dataset/bench/parquet-throughput.ts --stream 1000000   (bounded-memory streaming write)
 *   npm run bench -w @tonekit/dataset                                          (builds dist/ first)
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
// The sources, so the benchmark runs with plain `npx tsx` whether or not dist/ is built; tsx only strips
// types, so the code measured is the code that ships.
import {
  createParquetWriter,
  embeddingAt,
  makeEmbeddingVector,
  makeUtf8Vector,
  type ParquetCompression,
  readParquet,
} from '../src/index.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const rows = Number(argument('--rows') ?? 100_000);
const rounds = Number(argument('--rounds') ?? 3);
const streamRows = argument('--stream') === undefined ? undefined : Number(argument('--stream'));
const dimensions = 768;
const batchRows = 10_000;

const words =
  'the of and to in a is that for it as was with be by on not he this are or his from at which but'.split(
    ' ',
  );

/** Deterministic pseudo-text, so compression sees something like prose rather than a repeated string. */
function text(seed: number, length: number): string {
  let state = seed * 2654435761;
  let result = '';
  while (result.length < length) {
    state = (state * 1103515245 + 12345) >>> 0;
    result += `${words[state % words.length]} `;
  }
  return result.slice(0, length);
}

function makeBatch(start: number, count: number): arrow.RecordBatch {
  const embeddings = new Float32Array(count * dimensions);
  let state = start + 1;
  for (let index = 0; index < embeddings.length; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    embeddings[index] = state / 2 ** 32 - 0.5;
  }
  const rowsOf = <T>(make: (row: number) => T) =>
    Array.from({ length: count }, (_, index) => make(start + index));
  return new arrow.Table({
    id: makeUtf8Vector(rowsOf((row) => `qa-${row}`)),
    question: makeUtf8Vector(rowsOf((row) => text(row, 90))),
    conversational_answer: makeUtf8Vector(rowsOf((row) => text(row + 7, 400))),
    source_text: makeUtf8Vector(rowsOf((row) => text(row + 13, 1_200))),
    flesch: arrow.makeVector(Float64Array.from(rowsOf((row) => 60 + (row % 40)))),
    question_embedding: makeEmbeddingVector(
      rowsOf((row) => embeddings.subarray((row - start) * dimensions, (row - start + 1) * dimensions)),
      dimensions,
    ),
  }).batches[0] as arrow.RecordBatch;
}

/** Peak RSS while `work` runs, sampled every 5 ms and at the end. */
async function measure<T>(work: () => Promise<T>): Promise<{ seconds: number; peakRss: number; result: T }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  try {
    const result = await work();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return { seconds: (performance.now() - started) / 1000, peakRss, result };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const rate = (count: number, seconds: number) =>
  `${Math.round(count / seconds).toLocaleString('en-US')} rows/s`;

async function readAll(path: string): Promise<number> {
  let total = 0;
  let checksum = 0;
  for await (const batch of readParquet(path)) {
    const embeddings = batch.getChild('question_embedding') as arrow.Vector<
      arrow.FixedSizeList<arrow.Float32>
    >;
    for (let index = 0; index < batch.numRows; index++) checksum += embeddingAt(embeddings, index)?.[0] ?? 0;
    total += batch.numRows;
  }
  if (!Number.isFinite(checksum)) throw new Error('bad checksum');
  return total;
}

interface Step {
  seconds: number[];
  rssGrowth: number[];
}

const newStep = (): Step => ({ seconds: [], rssGrowth: [] });
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function timed<T>(step: Step, work: () => Promise<T>): Promise<T> {
  const before = process.memoryUsage().rss;
  const { seconds, peakRss, result } = await measure(work);
  step.seconds.push(seconds);
  step.rssGrowth.push(peakRss - before);
  return result;
}

async function compare(dir: string): Promise<void> {
  const batches: arrow.RecordBatch[] = [];
  for (let start = 0; start < rows; start += batchRows)
    batches.push(makeBatch(start, Math.min(batchRows, rows - start)));
  const table = new arrow.Table(batches);
  const arrowBytes = batches.reduce(
    (sum, batch) => sum + arrow.tableToIPC(new arrow.Table([batch]), 'stream').byteLength,
    0,
  );
  console.log(
    `data: ${rows.toLocaleString('en-US')} rows, ${dimensions}-d float32 embedding + 4 text/number columns, ` +
      `${mb(arrowBytes)} as Arrow; ${rounds} rounds, ours and DuckDB alternating, medians shown\n`,
  );

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const threads = (
    await connection.runAndReadAll("SELECT current_setting('threads') AS t")
  ).getRowObjectsJson()[0]?.['t'];
  const codecs: ParquetCompression[] = ['zstd', 'snappy'];
  const results = new Map<string, { ours: Step; duck: Step; oursBytes: number; duckBytes: number }>();
  for (const compression of codecs) {
    for (const step of ['write', 'read'])
      results.set(`${step} ${compression}`, { ours: newStep(), duck: newStep(), oursBytes: 0, duckBytes: 0 });
  }
  for (let round = 0; round < rounds; round++) {
    for (const compression of codecs) {
      const ours = join(dir, `ours-${compression}.parquet`);
      const theirs = join(dir, `duckdb-${compression}.parquet`);
      const write = results.get(`write ${compression}`)!;
      const read = results.get(`read ${compression}`)!;
      const { bytes } = await timed(write.ours, async () => {
        const writer = createParquetWriter(ours, {
          schema: table.schema,
          compression,
          rowGroupSize: batchRows,
        });
        for (const batch of batches) await writer.write(batch);
        return writer.close();
      });
      write.oursBytes = bytes;
      // DuckDB gets the same rows into its own memory first (untimed), then writes them.
      await connection.run(`CREATE OR REPLACE TABLE source AS SELECT * FROM read_parquet('${ours}')`);
      await timed(write.duck, () =>
        connection.run(
          `COPY source TO '${theirs}' (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${batchRows})`,
        ),
      );
      await connection.run('DROP TABLE source');
      write.duckBytes = (await stat(theirs)).size;
      const count = await timed(read.ours, () => readAll(ours));
      if (count !== rows) throw new Error(`read ${count} rows, expected ${rows}`);
      await timed(read.duck, () =>
        connection.run(`CREATE OR REPLACE TEMP TABLE back AS SELECT * FROM read_parquet('${ours}')`),
      );
      await connection.run('DROP TABLE back');
    }
  }
  connection.closeSync();
  instance.closeSync();

  const lines: string[][] = [
    ['step', 'ours', 'DuckDB', 'ours / DuckDB', 'file: ours / DuckDB', 'peak RSS growth: ours / DuckDB'],
  ];
  for (const [name, { ours, duck, oursBytes, duckBytes }] of results) {
    const oursSeconds = median(ours.seconds);
    const duckSeconds = median(duck.seconds);
    lines.push([
      name,
      `${rate(rows, oursSeconds)} (${oursSeconds.toFixed(2)} s)`,
      `${rate(rows, duckSeconds)} (${duckSeconds.toFixed(2)} s)`,
      (duckSeconds / oursSeconds).toFixed(2),
      name.startsWith('write') ? `${mb(oursBytes)} / ${mb(duckBytes)}` : '(reads ours)',
      `+${mb(Math.max(...ours.rssGrowth))} / +${mb(Math.max(...duck.rssGrowth))}`,
    ]);
  }
  printTable(lines);
  console.log(`\nours / DuckDB is a speed ratio (> 1: ours faster). DuckDB threads: ${String(threads)}.`);
  console.log(
    'RSS growth: largest over the rounds, above the RSS at the start of the step (the table is already in ' +
      'memory, and memory kept from an earlier round is not counted again).',
  );
  console.log(
    `all rounds (s): ${[...results].map(([name, { ours, duck }]) => `${name} ours ${ours.seconds.map((v) => v.toFixed(2)).join('/')} duckdb ${duck.seconds.map((v) => v.toFixed(2)).join('/')}`).join('; ')}`,
  );
}

async function stream(dir: string, total: number): Promise<void> {
  const path = join(dir, 'stream.parquet');
  console.log(
    `streaming ${total.toLocaleString('en-US')} rows (${dimensions}-d embedding + text) in ${batchRows.toLocaleString('en-US')}-row batches, generated on the fly\n`,
  );
  const startRss = process.memoryUsage().rss;
  const schema = makeBatch(0, 1).schema;
  let arrowBytes = 0;
  let generating = 0;
  const write = await measure(async () => {
    const writer = createParquetWriter(path, { schema });
    for (let start = 0; start < total; start += batchRows) {
      const generated = performance.now();
      const batch = makeBatch(start, Math.min(batchRows, total - start));
      generating += (performance.now() - generated) / 1000;
      if (start === 0)
        arrowBytes =
          arrow.tableToIPC(new arrow.Table([batch]), 'stream').byteLength * Math.ceil(total / batchRows);
      await writer.write(batch);
    }
    return writer.close();
  });
  const read = await measure(() => readAll(path));
  printTable([
    ['step', 'rows/s', 'time', 'peak RSS', 'data as Arrow', 'file'],
    [
      'write',
      rate(total, write.seconds - generating),
      `${(write.seconds - generating).toFixed(1)} s (+ ${generating.toFixed(1)} s generating the data)`,
      mb(write.peakRss),
      `≈ ${mb(arrowBytes)}`,
      mb(write.result.bytes),
    ],
    ['read', rate(read.result, read.seconds), `${read.seconds.toFixed(1)} s`, mb(read.peakRss), '', ''],
  ]);
  console.log(
    `\nRSS before: ${mb(startRss)}. Peak RSS stays far below the data size: batches are written and read one row group at a time.`,
  );
}

function printTable(lines: string[][]): void {
  const widths = (lines[0] ?? []).map((_, column) =>
    Math.max(...lines.map((line) => (line[column] ?? '').length)),
  );
  for (const line of lines)
    console.log(line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`@tonekit/dataset Parquet benchmark — ${new Date().toISOString()}`);
console.log(
  `${cpus().length} cores (${cpu}), ${mb(totalmem())} RAM, Node ${process.version}, load average at start ` +
    `${loadavg()[0]?.toFixed(2)} (other work on the machine slows both sides)\n`,
);
const dir = await mkdtemp(join(tmpdir(), 'tonekit-parquet-bench-'));
try {
  if (streamRows !== undefined) await stream(dir, streamRows);
  else await compare(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
