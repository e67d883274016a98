import * as path from 'node:path';
import { readJsonl, readParquet, readParquetMetadata } from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { CliError } from '../cli-error.js';

/** Row files the embedding commands read and write. */
export type RowFileFormat = 'parquet' | 'jsonl';

/** A slice of the input: its rows (as Arrow for Parquet, as objects for JSONL) and their texts. */
export type RowChunk =
  | { format: 'parquet'; table: arrow.Table; texts: (string | null)[] }
  | { format: 'jsonl'; rows: Record<string, unknown>[]; texts: (string | null)[] };

export function rowFileFormat(file: string, flag: string): RowFileFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.parquet') return 'parquet';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw CliError.usage(`${flag} ${file}: expected a .parquet or .jsonl file`);
}

/** Resolves `--in`/`--out` of the embedding commands: same format, different files. */
export function resolveRowFiles(
  options: { in: string; out: string },
  cwd: string,
): { input: string; output: string; format: RowFileFormat } {
  const input = path.resolve(cwd, options.in);
  const output = path.resolve(cwd, options.out);
  const format = rowFileFormat(options.in, '--in');
  if (rowFileFormat(options.out, '--out') !== format) {
    throw CliError.usage(`--out ${options.out}: must be a .${format} file like --in`);
  }
  if (input === output)
    throw CliError.usage(`--out ${options.out}: is also the input file; choose another path`);
  return { input, output, format };
}

/** Row count when the file says so up front (Parquet footer), for progress with a total. */
export async function countRows(file: string, format: RowFileFormat): Promise<number | undefined> {
  if (format !== 'parquet') return undefined;
  return (await readParquetMetadata(file)).numRows;
}

/**
 * Streams the input in chunks of about `chunkSize` rows, pulling the text of `column` from each row
 * (null when missing or not a string), so files of any size go through bounded memory.
 */
export async function* readRowChunks(
  file: string,
  format: RowFileFormat,
  { column, chunkSize, abortSignal }: { column: string; chunkSize: number; abortSignal?: AbortSignal },
): AsyncGenerator<RowChunk> {
  if (format === 'parquet') {
    for await (const batch of readParquet(file, { batchSize: chunkSize, abortSignal })) {
      const table = new arrow.Table(batch);
      const vector = table.getChild(column);
      if (vector === null) {
        const columns = table.schema.fields.map((field) => field.name).join(', ');
        throw CliError.usage(`--column ${column}: ${file} has no such column; its columns are ${columns}`);
      }
      const texts: (string | null)[] = [];
      for (let row = 0; row < table.numRows; row++) {
        const value: unknown = vector.get(row);
        texts.push(typeof value === 'string' ? value : null);
      }
      yield { format, table, texts };
    }
    return;
  }
  let rows: Record<string, unknown>[] = [];
  const flush = (): RowChunk => {
    const chunk: RowChunk = {
      format,
      rows,
      texts: rows.map((row) => (typeof row[column] === 'string' ? (row[column] as string) : null)),
    };
    rows = [];
    return chunk;
  };
  for await (const row of readJsonl(file, { abortSignal })) {
    rows.push(row);
    if (rows.length >= chunkSize) yield flush();
  }
  if (rows.length > 0) yield flush();
}
