import { embedMany } from '@tonekit/embeddings';
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
import { countRows, readRowChunks, resolveRowFiles } from '../embeddings/row-chunks.js';
import { openRowSink } from '../embeddings/row-sink.js';
import { writeText } from '../io/write-text.js';

interface EmbedCommandOptions extends EmbedderFlags {
  in: string;
  column: string;
  out: string;
  embeddingColumn?: string;
  force?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit embed --in data.parquet --column question --out emb.parquet
  $ tonekit embed --in qa.jsonl --column question --out qa-emb.jsonl --model-path ./models/gte-modernbert-base
  $ tonekit embed --in data.parquet --column answer --out emb.parquet --model sentence-transformers/all-MiniLM-L6-v2 --pooling mean

Writes every input row with one more column, <column>_embedding (a float32 vector per row; null where
the text is missing). Parquet in, Parquet out (FixedSizeList<Float32>); JSONL in, JSONL out (arrays).
${EMBEDDER_ENVIRONMENT}
`;

export function createEmbedCommand(io: ResolvedCliIo): Command {
  const command = new Command('embed')
    .description('Embed one text column of a Parquet or JSONL file with a sentence-embedding model.')
    .requiredOption('--in <file>', 'input .parquet or .jsonl file')
    .requiredOption('--column <name>', 'the text column to embed')
    .requiredOption('--out <file>', 'output file, same format as --in')
    .option('--embedding-column <name>', 'name of the new column (default <column>_embedding)')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print the summary as JSON');
  addEmbedderOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (options: EmbedCommandOptions) => {
    await runEmbed(options, io);
  });
}

async function runEmbed(options: EmbedCommandOptions, io: ResolvedCliIo): Promise<void> {
  const { input, output, format } = resolveRowFiles(options, io.cwd);
  const embeddingColumn = options.embeddingColumn ?? `${options.column}_embedding`;

  const started = Date.now();
  const total = await countRows(input, format);
  const progress = createProgressLine(io.stderr);
  await using embedder = await loadEmbedderForCli(options, io, progress);
  const sink = await openRowSink(output, format, { force: options.force === true, flag: '--out' });
  let rows = 0;
  let missing = 0;
  try {
    for await (const chunk of readRowChunks(input, format, { column: options.column, chunkSize: 1024 })) {
      if (chunk.format === 'parquet' && chunk.table.getChild(embeddingColumn) !== null) {
        throw CliError.usage(`--embedding-column ${embeddingColumn}: the input already has this column`);
      }
      const present = chunk.texts.flatMap((text, index) => (text === null ? [] : [index]));
      const { embeddings } = await embedMany(
        embedder,
        present.map((index) => chunk.texts[index] as string),
        { batchSize: options.batchSize },
      );
      const vectors: (Float32Array | null)[] = chunk.texts.map(() => null);
      present.forEach((index, position) => {
        vectors[index] = embeddings[position] ?? null;
      });
      missing += chunk.texts.length - present.length;
      await sink.write(chunk, {
        embedding: { name: embeddingColumn, dimensions: embedder.dimensions, vectors },
      });
      rows += chunk.texts.length;
      const seconds = (Date.now() - started) / 1000;
      progress.update(`embedded ${formatCount(rows, total)} rows (${(rows / seconds).toFixed(1)} rows/s)`);
    }
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  } finally {
    progress.done();
  }

  const summary = {
    input: options.in,
    output: options.out,
    column: options.column,
    embeddingColumn,
    model: embedder.modelId,
    dimensions: embedder.dimensions,
    pooling: embedder.pooling,
    rows,
    rowsWithoutText: missing,
    seconds: (Date.now() - started) / 1000,
  };
  if (options.json) {
    await writeText(io.stdout, `${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  await writeText(
    io.stdout,
    `Embedded ${rows.toLocaleString('en-US')} rows of "${options.column}" with ${summary.model} ` +
      `(${summary.dimensions} dimensions, ${summary.pooling} pooling) in ${summary.seconds.toFixed(1)} s\n` +
      (missing > 0 ? `${missing} rows had no text; their ${embeddingColumn} is null\n` : '') +
      `Wrote ${options.out}\n`,
  );
}
