import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import {
  CONVERSATIONAL_THRESHOLD,
  DEFAULT_READABILITY_MODE,
  READABILITY_MODES,
  REPHRASE_THRESHOLD,
  type ReadabilityMode,
  textStatistics,
} from '@tonekit/readability';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo, TextSink } from '../cli-io.js';
import { formatNumber } from '../format/format-number.js';
import { formatRows } from '../format/format-rows.js';
import { formatShare } from '../format/format-share.js';
import { type OutputFile, openOutputFile } from '../io/open-output-file.js';
import { readTableRows, type TableFormat } from '../io/read-table-rows.js';
import { readTextInput } from '../io/read-text-input.js';
import { resolveInputFile } from '../io/resolve-input-file.js';
import { writeText } from '../io/write-text.js';
import { MAX_LISTED, scoreTableRows, type TableScoreSummary } from '../readability/score-table-rows.js';
import { parseThreshold } from './parse-threshold.js';

type InputFormat = 'text' | TableFormat;

interface ReadabilityCommandOptions {
  file?: string;
  mode: ReadabilityMode;
  threshold: number;
  json?: boolean;
  column?: string;
  format?: InputFormat;
  perRow?: boolean;
  out?: string;
  force?: boolean;
  skipInvalid?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit readability "Hello there. How are you today?"
  $ tonekit readability --json --mode textstat-0.7.5 "The mitochondrion is the powerhouse of the cell."
  $ tonekit readability -f answer.txt
  $ pbpaste | tonekit readability
  $ tonekit readability -f data.jsonl --column conversational_answer
  $ tonekit readability -f answers.csv --column answer --json
  $ tonekit readability -f data.jsonl --column answer --out scores.jsonl
  $ tonekit readability -f data.jsonl --column answer --per-row > scores.jsonl
  $ cat data.jsonl | tonekit readability --format jsonl --column answer --skip-invalid

Text starting with "-" goes after "--":  tonekit readability -- "-5 degrees is cold."
With --column, each row's text is scored and the summary gives the share of rows at or above
FRE ${CONVERSATIONAL_THRESHOLD} (conversational, seed A's evaluation threshold) and ${REPHRASE_THRESHOLD} (seed A's data-generation threshold).
Row numbers are 0-based record indexes, as pandas or Hugging Face datasets number rows.
`;

export function createReadabilityCommand(io: ResolvedCliIo): Command {
  return new Command('readability')
    .description(
      'Score English text with textstat-compatible Flesch reading ease (FRE) and Flesch–Kincaid grade; ' +
        'or score one column of every row of a JSONL/CSV file.',
    )
    .argument('[text...]', 'text to score, joined with spaces (default: --file, else stdin)')
    .option('-f, --file <path>', 'read from a file ("-" for stdin); a .jsonl/.csv file needs --column')
    .addOption(
      new Option('--mode <mode>', 'which textstat release to reproduce')
        .choices(READABILITY_MODES)
        .default(DEFAULT_READABILITY_MODE),
    )
    .option(
      '--threshold <n>',
      'FRE at or above which text counts as conversational',
      parseThreshold,
      CONVERSATIONAL_THRESHOLD,
    )
    .option('--json', 'print JSON instead of a table')
    .option('--column <name>', 'score this text column of every row of a JSONL or CSV input')
    .addOption(
      new Option('--format <format>', 'input format (default: from the file extension, else text)').choices([
        'text',
        'jsonl',
        'csv',
      ]),
    )
    .option('--per-row', 'with --column: write per-row scores as JSONL to stdout; the summary goes to stderr')
    .option('--out <path>', 'with --column: write per-row scores as JSONL to this file')
    .option('--force', 'with --out: overwrite the file if it exists')
    .option('--skip-invalid', 'with --column: count and skip malformed JSONL lines or CSV records')
    .addHelpText('after', EXAMPLES)
    .action(async (texts: string[], options: ReadabilityCommandOptions) => {
      const format = resolveInputFormat(options);
      if (format === 'text') {
        await scoreText(texts, options, io);
      } else {
        if (texts.length > 0) throw CliError.usage('text arguments cannot be combined with --column');
        await scoreTable(format, options as ReadabilityCommandOptions & { column: string }, io);
      }
    });
}

function resolveInputFormat(options: ReadabilityCommandOptions): InputFormat {
  const fromFile = options.file !== undefined && options.file !== '-';
  const format = options.format ?? (fromFile ? formatFromExtension(options.file!) : 'text');
  if (format === 'text') {
    if (options.column !== undefined) {
      if (options.format === 'text') throw CliError.usage('--column needs --format jsonl or --format csv');
      throw CliError.usage(
        fromFile
          ? `--column: cannot tell whether ${options.file} is JSONL or CSV from its extension; pass --format jsonl or --format csv`
          : '--column: pass --format jsonl or --format csv to say how stdin is laid out',
      );
    }
    for (const [flag, set] of [
      ['--per-row', options.perRow],
      ['--out', options.out !== undefined],
      ['--skip-invalid', options.skipInvalid],
      ['--force', options.force],
    ] as const) {
      if (set) throw CliError.usage(`${flag} applies only with --column <name> and a JSONL or CSV input`);
    }
    return 'text';
  }
  if (options.column === undefined) {
    throw CliError.usage(
      `--column <name> is required to score a ${format === 'jsonl' ? 'JSONL' : 'CSV'} input, e.g. --column answer ` +
        '(or pass --format text to score the whole file as one text)',
    );
  }
  if (options.force && options.out === undefined) {
    throw CliError.usage('--force applies only with --out <path>');
  }
  return format;
}

function formatFromExtension(file: string): InputFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.csv') return 'csv';
  return 'text';
}

async function scoreText(
  texts: string[],
  options: ReadabilityCommandOptions,
  io: ResolvedCliIo,
): Promise<void> {
  const input = await readTextInput({
    texts,
    ...(options.file === undefined ? {} : { file: options.file }),
    stdin: io.stdin,
    cwd: io.cwd,
    helpCommand: 'tonekit readability --help',
  });
  // Scoring nothing would print textstat's degenerate values as if they meant something.
  if (input.text.trim() === '') throw new CliError(`no text to score: ${input.source} is empty`);

  const stats = textStatistics(input.text, { mode: options.mode });
  const conversational = stats.fleschReadingEase >= options.threshold;
  if (options.json) {
    await writeText(
      io.stdout,
      `${JSON.stringify({ ...stats, conversational, threshold: options.threshold }, null, 2)}\n`,
    );
    return;
  }
  const verdict = conversational
    ? `conversational (FRE >= ${options.threshold})`
    : `not conversational (FRE < ${options.threshold})`;
  const table = formatRows([
    ['Flesch reading ease', formatNumber(stats.fleschReadingEase)],
    ['Flesch–Kincaid grade', formatNumber(stats.fleschKincaidGrade)],
    ['Words', String(stats.lexiconCount)],
    ['Sentences', String(stats.sentenceCount)],
    ['Syllables', String(stats.syllableCount)],
    ['Verdict', verdict],
    ['Mode', stats.mode],
  ]);
  await writeText(io.stdout, `${table}\n`);
}

async function scoreTable(
  format: TableFormat,
  options: ReadabilityCommandOptions & { column: string },
  io: ResolvedCliIo,
): Promise<void> {
  const fromFile = options.file !== undefined && options.file !== '-';
  if (!fromFile && io.stdin.isTTY) {
    throw CliError.usage(`no input: pass -f <path> or pipe ${format.toUpperCase()} on stdin`);
  }
  const source = fromFile ? options.file! : 'stdin';
  const inputPath = fromFile ? await resolveInputFile(options.file!, io.cwd, '--file') : undefined;
  // Opened before reading so a path problem fails fast instead of after scoring a large file.
  const out: OutputFile | undefined =
    options.out === undefined
      ? undefined
      : await openOutputFile(options.out, {
          cwd: io.cwd,
          flag: '--out',
          force: options.force ?? false,
          inputs: inputPath === undefined ? [] : [inputPath],
        });
  const input = inputPath === undefined ? io.stdin : createReadStream(inputPath);
  const invalid = { count: 0, first: [] as { line?: number; message: string }[] };

  let summary: TableScoreSummary;
  try {
    const rows = readTableRows(input, {
      format,
      source,
      skipInvalid: options.skipInvalid ?? false,
      onInvalid(record) {
        invalid.count += 1;
        if (invalid.first.length < MAX_LISTED) invalid.first.push(record);
      },
    });
    summary = await scoreTableRows(rows, {
      source,
      format,
      column: options.column,
      mode: options.mode,
      threshold: options.threshold,
      invalid,
      async onRow(score) {
        const line = `${JSON.stringify(score)}\n`;
        if (options.perRow) await writeText(io.stdout, line);
        if (out) await out.write(line);
      },
    });
    await out?.commit();
  } catch (error) {
    await out?.abort();
    throw error;
  } finally {
    if (input !== io.stdin) (input as ReturnType<typeof createReadStream>).destroy();
  }

  // With --per-row stdout is pure JSONL, so the summary moves to stderr.
  const summarySink: TextSink = options.perRow ? io.stderr : io.stdout;
  if (options.json) {
    await writeText(summarySink, `${JSON.stringify(summary, null, 2)}\n`);
  } else {
    await writeText(summarySink, `${formatTableSummary(summary, options)}\n`);
  }
}

function formatTableSummary(summary: TableScoreSummary, options: ReadabilityCommandOptions): string {
  const { skipped, invalid } = summary;
  const skippedDetail =
    skipped.count === 0
      ? '0'
      : `${skipped.count}: ${skipped.missing} missing, ${skipped.notString} not a string, ${skipped.blank} blank ` +
        `(rows ${listFirst(skipped.firstRows, skipped.count)})`;
  const rows: string[][] = [
    ['Source', `${summary.source} (${summary.format}, column "${summary.column}")`],
    ['Rows scored', formatShare(summary.rowsScored, summary.rowsRead)],
    ['Rows skipped', skippedDetail],
  ];
  if (options.skipInvalid) {
    const where = invalid.first.map((record) =>
      record.line === undefined ? record.message : `line ${record.line}`,
    );
    const detail =
      invalid.count === 0
        ? '0'
        : `${invalid.count} (${where.join('; ')}${invalid.count > where.length ? '; …' : ''})`;
    rows.push([summary.format === 'jsonl' ? 'Invalid lines skipped' : 'Invalid records skipped', detail]);
  }
  rows.push(
    ['FRE mean', formatNumber(summary.fleschReadingEase.mean)],
    ['FRE median', formatNumber(summary.fleschReadingEase.median)],
    [
      'FRE min / max',
      `${formatNumber(summary.fleschReadingEase.min)} / ${formatNumber(summary.fleschReadingEase.max)}`,
    ],
    ['FK grade mean', formatNumber(summary.fleschKincaidGrade.mean)],
    [
      `FRE >= ${summary.conversational.threshold}`,
      `${formatShare(summary.conversational.count, summary.rowsScored)}  conversational`,
    ],
    [
      `FRE >= ${summary.rephrase.threshold}`,
      `${formatShare(summary.rephrase.count, summary.rowsScored)}  datagen rephrase threshold`,
    ],
    ['Mode', summary.mode],
  );
  if (options.out !== undefined) rows.push(['Per-row scores', options.out]);
  return formatRows(rows);
}

function listFirst(indexes: readonly number[], total: number): string {
  return indexes.join(', ') + (total > indexes.length ? `, … (first ${indexes.length} shown)` : '');
}
