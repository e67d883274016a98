import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { embeddingAt } from '@tonekit/dataset';
import { createDedupIndex, DEFAULT_DEDUP_THRESHOLD, type DedupIndex, embedMany } from '@tonekit/embeddings';
import type * as arrow from 'apache-arrow';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import {
  addEmbedderOptions,
  EMBEDDER_ENVIRONMENT,
  type EmbedderFlags,
} from '../embeddings/embedder-options.js';
import { loadEmbedderForCli } from '../embeddings/load-embedder-for-cli.js';
import { createProgressLine, formatCount } from '../embeddings/progress-line.js';
import { countRows, type RowChunk, readRowChunks, resolveRowFiles } from '../embeddings/row-chunks.js';
import { openRowSink } from '../embeddings/row-sink.js';
import { writeText } from '../io/write-text.js';

interface DedupCommandOptions extends EmbedderFlags {
  in: string;
  column: string;
  out: string;
  threshold: number;
  embeddingColumn?: string;
  approximate?: boolean;
  report?: string;
  force?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit dedup --in data.parquet --column question --threshold 0.8 --out kept.parquet
  $ tonekit dedup --in emb.parquet --column question --embedding-column question_embedding --out kept.parquet
  $ tonekit dedup --in qa.jsonl --column question --out kept.jsonl --report dedup-report.json

Keeps a row unless its text's embedding has cosine > threshold with a row kept before it (input order),
the rule seed A applies to generated questions. Rows without text are kept and counted. Output rows are
the kept input rows, plus <column>_embedding when the embeddings were computed here. The report lists
every rejected row with the kept row it duplicates, and a sample of decisions near the threshold.
${EMBEDDER_ENVIRONMENT}
`;

function parseThreshold(value: string): number {
  const parsed = Number(value);
  if (!(parsed > -1 && parsed < 1))
    throw CliError.usage(`--threshold ${value}: expected a cosine between -1 and 1`);
  return parsed;
}

export function createDedupCommand(io: ResolvedCliIo): Command {
  const command = new Command('dedup')
    .description('Drop near-duplicate rows of a Parquet or JSONL file by embedding cosine similarity.')
    .requiredOption('--in <file>', 'input .parquet or .jsonl file')
    .requiredOption('--column <name>', 'the text column to compare')
    .requiredOption('--out <file>', 'kept rows, same format as --in')
    .option(
      '--threshold <cosine>',
      'reject a row whose cosine with a kept row is greater',
      parseThreshold,
      DEFAULT_DEDUP_THRESHOLD,
    )
    .option('--embedding-column <name>', 'use this existing embedding column instead of running a model')
    .option('--approximate', 'HNSW search instead of exact (for millions of rows)')
    .option('--report <file>', 'write the full JSON report here')
    .option('--force', 'overwrite --out / --report if they exist')
    .option('--json', 'print the summary as JSON');
  addEmbedderOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (options: DedupCommandOptions) => {
    await runDedup(options, io);
  });
}

interface RejectedRow {
  row: number;
  text: string;
  /** Id of the kept vector it duplicates (ids are dense: keptRows[id] is that row). */
  duplicateOfId: number;
  similarity: number | null;
}

async function runDedup(options: DedupCommandOptions, io: ResolvedCliIo): Promise<void> {
  const { input, output, format } = resolveRowFiles(options, io.cwd);

  const started = Date.now();
  const total = await countRows(input, format);
  const progress = createProgressLine(io.stderr);
  const embedder =
    options.embeddingColumn === undefined ? await loadEmbedderForCli(options, io, progress) : undefined;
  const addedColumn = embedder === undefined ? undefined : `${options.column}_embedding`;
  const sink = await openRowSink(output, format, { force: options.force === true, flag: '--out' });

  let index: DedupIndex | undefined;
  // Kept vectors get sequential ids; these map an id back to its input row and text for the report.
  const keptRows: number[] = [];
  const keptTexts: string[] = [];
  const rejected: RejectedRow[] = [];
  let rows = 0;
  let withoutText = 0;
  try {
    for await (const chunk of readRowChunks(input, format, { column: options.column, chunkSize: 1024 })) {
      const present = chunk.texts.flatMap((text, row) => (text === null ? [] : [row]));
      const vectors =
        embedder === undefined
          ? readEmbeddings(chunk, options.embeddingColumn as string, present, rows)
          : (
              await embedMany(
                embedder,
                present.map((row) => chunk.texts[row] as string),
                { batchSize: options.batchSize },
              )
            ).embeddings;
      const dimensions = vectors[0]?.length;
      if (index === undefined && dimensions !== undefined) {
        index = await createDedupIndex({
          dimensions,
          threshold: options.threshold,
          // Stored embeddings may come from anywhere; computed ones are already unit length.
          normalize: embedder === undefined,
          approximate: options.approximate === true ? { kind: 'hnsw' } : false,
        });
      }
      const decisions = index === undefined ? undefined : await index.addIfNovel(vectors);
      const keep = new Set<number>(chunk.texts.flatMap((text, row) => (text === null ? [row] : [])));
      present.forEach((row, position) => {
        if (decisions === undefined || decisions.kept[position]) {
          keep.add(row);
          keptRows.push(rows + row);
          keptTexts.push(chunk.texts[row] as string);
        } else {
          rejected.push({
            row: rows + row,
            text: chunk.texts[row] as string,
            duplicateOfId: decisions.duplicateOf[position] as number,
            similarity: decisions.similarity[position] ?? null,
          });
        }
      });
      const indices = [...keep].sort((a, b) => a - b);
      const columnVectors: (Float32Array | null)[] = chunk.texts.map(() => null);
      present.forEach((row, position) => {
        columnVectors[row] = vectors[position] ?? null;
      });
      await sink.write(chunk, {
        indices,
        embedding:
          addedColumn === undefined || embedder === undefined
            ? undefined
            : { name: addedColumn, dimensions: embedder.dimensions, vectors: columnVectors },
      });
      withoutText += chunk.texts.length - present.length;
      rows += chunk.texts.length;
      progress.update(
        `deduplicated ${formatCount(rows, total)} rows: ${rejected.length.toLocaleString('en-US')} duplicates`,
      );
    }
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  } finally {
    progress.done();
    await embedder?.dispose();
  }

  const nearThreshold = index?.nearThresholdPairs();
  index?.dispose();
  const textOfId = (id: number | null) => (id === null ? null : (keptTexts[id] ?? null));
  const report = {
    input: options.in,
    output: options.out,
    column: options.column,
    threshold: options.threshold,
    rule: 'a row is rejected when cosine(embedding, kept embedding) > threshold, in input order',
    search: options.approximate === true ? 'hnsw (approximate)' : 'exact',
    embeddings: embedder === undefined ? { column: options.embeddingColumn } : { model: embedder.modelId },
    rows,
    kept: rows - rejected.length,
    rejected: rejected.length,
    rowsWithoutText: withoutText,
    seconds: (Date.now() - started) / 1000,
    nearThreshold:
      nearThreshold === undefined
        ? null
        : {
            margin: nearThreshold.margin,
            seen: nearThreshold.seen,
            sample: nearThreshold.pairs.map((pair) => ({
              kept: pair.kept,
              similarity: pair.similarity,
              text: pair.id === null ? null : textOfId(pair.id),
              neighborRow: keptRows[pair.neighborId] ?? null,
              neighborText: textOfId(pair.neighborId),
            })),
          },
    rejectedRows: rejected.map((entry) => ({
      row: entry.row,
      text: entry.text,
      duplicateOfRow: keptRows[entry.duplicateOfId] ?? null,
      duplicateOfText: textOfId(entry.duplicateOfId),
      similarity: entry.similarity,
    })),
  };
  if (options.report !== undefined) {
    await writeFile(path.resolve(io.cwd, options.report), `${JSON.stringify(report, null, 2)}\n`, {
      flag: options.force === true ? 'w' : 'wx',
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST')
        throw CliError.usage(`--report ${options.report}: file exists (pass --force to overwrite it)`);
      throw error;
    });
  }
  const { rejectedRows: _rows, nearThreshold: _near, ...summary } = report;
  if (options.json) {
    await writeText(
      io.stdout,
      `${JSON.stringify({ ...summary, nearThresholdSeen: nearThreshold?.seen ?? 0 }, null, 2)}\n`,
    );
    return;
  }
  const percent = rows === 0 ? 0 : (100 * rejected.length) / rows;
  await writeText(
    io.stdout,
    `Rows read        ${rows.toLocaleString('en-US')}\n` +
      `Kept             ${report.kept.toLocaleString('en-US')}\n` +
      `Duplicates       ${rejected.length.toLocaleString('en-US')} (${percent.toFixed(1)}%, cosine > ${options.threshold})\n` +
      (withoutText > 0 ? `Without text     ${withoutText.toLocaleString('en-US')} (kept)\n` : '') +
      `Near threshold   ${nearThreshold?.seen ?? 0} decisions within ±${nearThreshold?.margin ?? 0}` +
      (options.report === undefined ? ' (see --report for a sample)\n' : ` (sample in ${options.report})\n`) +
      `Search           ${report.search}; ${report.seconds.toFixed(1)} s\n` +
      `Wrote ${options.out}\n`,
  );
}

function readEmbeddings(
  chunk: RowChunk,
  column: string,
  present: number[],
  firstRow: number,
): Float32Array[] {
  if (chunk.format === 'parquet') {
    const vector = chunk.table.getChild(column) as arrow.Vector<arrow.FixedSizeList<arrow.Float32>> | null;
    if (vector === null) throw CliError.usage(`--embedding-column ${column}: the input has no such column`);
    return present.map((row) => {
      const embedding = embeddingAt(vector, row);
      if (embedding === null)
        throw new CliError(`--embedding-column ${column}: row ${firstRow + row} has text but no embedding`);
      return embedding;
    });
  }
  return present.map((row) => {
    const value = chunk.rows[row]?.[column];
    if (!Array.isArray(value))
      throw new CliError(`--embedding-column ${column}: row ${firstRow + row} has no embedding array`);
    return Float32Array.from(value as number[]);
  });
}
