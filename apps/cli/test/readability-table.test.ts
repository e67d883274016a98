import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { textStatistics } from '@tonekit/readability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, runTonekit } from './run-tonekit.js';

const SENTENCES = [
  'The cat sat on the mat.',
  'We went to the park and had a lot of fun.',
  'Photosynthesis converts electromagnetic radiation into chemical energy within chloroplasts.',
  'Historians attribute the disintegration of the empire to economic deterioration and political instability.',
  'It is about three hundred meters tall. You can see it from far away.',
  'Vaccines stimulate adaptive immunity by introducing attenuated antigens.',
  'Coffee comes from the seeds of red berries. People roast them.',
  "It's a spot in space where nothing gets out. Not even light can.",
  'The library has a large collection of old maps that students often use for their research.',
];

/** 40 texts with a spread of scores (below 60, 60–75, above 75), so both thresholds split the rows. */
const TEXTS = Array.from({ length: 40 }, (_, i) => {
  const first = SENTENCES[i % SENTENCES.length]!;
  const second = SENTENCES[(i * 3 + 1) % SENTENCES.length]!;
  return i < 2 * SENTENCES.length ? first : `${first} ${second}`;
});

function expectedSummary(
  texts: readonly string[],
  mode: 'textstat-0.7.11' | 'textstat-0.7.5' = 'textstat-0.7.11',
) {
  const scores = texts.map((text) => textStatistics(text, { mode }).fleschReadingEase);
  const sorted = [...scores].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const at60 = scores.filter((s) => s >= 60).length;
  const at75 = scores.filter((s) => s >= 75).length;
  return {
    scores,
    mean: scores.reduce((a, b) => a + b, 0) / scores.length,
    median,
    at60,
    at75,
  };
}

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-table-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeJsonl(name: string, lines: readonly string[]): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('tonekit readability --column (JSONL)', () => {
  it('scores every row and reports counts, mean, median and the shares at 60 and 75', async () => {
    const lines = TEXTS.map((text, i) => JSON.stringify({ id: i, answer: text }));
    // Rows the column cannot be scored in: counted and listed, never silently dropped.
    lines.splice(5, 0, JSON.stringify({ id: 'missing' }));
    lines.splice(9, 0, JSON.stringify({ id: 'number', answer: 42 }));
    lines.splice(12, 0, '', JSON.stringify({ id: 'blank', answer: '   ' }));
    const file = await writeJsonl('data.jsonl', lines);

    const result = await runTonekit(['readability', '-f', file, '--column', 'answer', '--json']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout);
    const expected = expectedSummary(TEXTS);
    expect(expected.at60).toBeGreaterThan(0);
    expect(expected.at60).toBeLessThan(TEXTS.length);
    expect(expected.at75).toBeLessThan(expected.at60);

    expect(summary).toMatchObject({
      format: 'jsonl',
      column: 'answer',
      mode: 'textstat-0.7.11',
      rowsRead: TEXTS.length + 3,
      rowsScored: TEXTS.length,
      skipped: { count: 3, missing: 1, notString: 1, blank: 1, firstRows: [5, 9, 12] },
      invalid: { count: 0 },
      conversational: { threshold: 60, count: expected.at60, share: expected.at60 / TEXTS.length },
      rephrase: { threshold: 75, count: expected.at75, share: expected.at75 / TEXTS.length },
    });
    expect(summary.fleschReadingEase.mean).toBeCloseTo(expected.mean, 9);
    expect(summary.fleschReadingEase.median).toBe(expected.median);
    expect(summary.fleschReadingEase.min).toBe(Math.min(...expected.scores));
    expect(summary.fleschReadingEase.max).toBe(Math.max(...expected.scores));
  });

  it('prints a human summary with shares as count and percent', async () => {
    const file = await writeJsonl(
      'human.jsonl',
      TEXTS.map((answer) => JSON.stringify({ answer })),
    );
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    const expected = expectedSummary(TEXTS);
    const percent = (n: number) => ((100 * n) / TEXTS.length).toFixed(1);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Rows scored +40 of 40 \(100\.0%\)/);
    expect(result.stdout).toMatch(new RegExp(`FRE mean +${expected.mean.toFixed(2)}`));
    expect(result.stdout).toMatch(new RegExp(`FRE median +${expected.median.toFixed(2)}`));
    expect(result.stdout).toContain(`${expected.at60} of 40 (${percent(expected.at60)}%)  conversational`);
    expect(result.stdout).toContain(
      `${expected.at75} of 40 (${percent(expected.at75)}%)  datagen rephrase threshold`,
    );
  });

  it('--mode textstat-0.7.5 applies to every row', async () => {
    const file = await writeJsonl(
      'mode.jsonl',
      TEXTS.map((answer) => JSON.stringify({ answer })),
    );
    const result = await runTonekit([
      'readability',
      '-f',
      file,
      '--column',
      'answer',
      '--json',
      '--mode',
      'textstat-0.7.5',
    ]);
    const expected = expectedSummary(TEXTS, 'textstat-0.7.5');
    const summary = JSON.parse(result.stdout);
    expect(summary.mode).toBe('textstat-0.7.5');
    expect(summary.fleschReadingEase.median).toBe(expected.median);
    expect(summary.conversational.count).toBe(expected.at60);
  });

  it('--per-row writes one JSON line per scored row to stdout and the summary to stderr', async () => {
    const file = await writeJsonl('per-row.jsonl', [
      JSON.stringify({ answer: TEXTS[0] }),
      '',
      JSON.stringify({ other: 'x' }),
      JSON.stringify({ answer: TEXTS[1] }),
    ]);
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer', '--per-row', '--json']);
    expect(result.exitCode).toBe(0);
    const rows = parseJsonLines(result.stdout);
    const stats = [TEXTS[0]!, TEXTS[1]!].map((text) => textStatistics(text));
    expect(rows).toEqual([
      { row: 0, line: 1, ...withoutMode(stats[0]!), conversational: stats[0]!.fleschReadingEase >= 60 },
      { row: 2, line: 4, ...withoutMode(stats[1]!), conversational: stats[1]!.fleschReadingEase >= 60 },
    ]);
    expect(JSON.parse(result.stderr)).toMatchObject({
      rowsRead: 3,
      rowsScored: 2,
      skipped: { firstRows: [1] },
    });
  });

  it('--out writes per-row JSONL to a file and refuses to overwrite it without --force', async () => {
    const file = await writeJsonl(
      'out.jsonl',
      TEXTS.slice(0, 5).map((answer) => JSON.stringify({ answer })),
    );
    const out = path.join(directory, 'scores.jsonl');
    const first = await runTonekit(
      ['readability', '-f', file, '--column', 'answer', '--out', 'scores.jsonl'],
      {
        cwd: directory,
      },
    );
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/Per-row scores +scores\.jsonl/);
    const rows = parseJsonLines(await readFile(out, 'utf8'));
    expect(rows.map((row) => row['fleschReadingEase'])).toEqual(
      TEXTS.slice(0, 5).map((text) => textStatistics(text).fleschReadingEase),
    );

    const again = await runTonekit(
      ['readability', '-f', file, '--column', 'answer', '--out', 'scores.jsonl'],
      {
        cwd: directory,
      },
    );
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('error: --out scores.jsonl: file exists (pass --force to overwrite it)');
    const forced = await runTonekit(
      ['readability', '-f', file, '--column', 'answer', '--out', 'scores.jsonl', '--force'],
      { cwd: directory },
    );
    expect(forced.exitCode).toBe(0);
  });

  it('reads JSONL from stdin with --format jsonl', async () => {
    const stdin = TEXTS.slice(0, 4)
      .map((answer) => JSON.stringify({ answer }))
      .join('\r\n');
    const result = await runTonekit(['readability', '--format', 'jsonl', '--column', 'answer', '--json'], {
      stdin,
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'stdin', rowsScored: 4 });
  });

  it('fails on a bad JSONL line, naming the file and the line number', async () => {
    const file = await writeJsonl('bad.jsonl', [
      JSON.stringify({ answer: TEXTS[0] }),
      JSON.stringify({ answer: TEXTS[1] }),
      '{"answer": "unterminated',
      JSON.stringify({ answer: TEXTS[2] }),
    ]);
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ${escapeRegExp(file)} line 3: invalid JSON \\(`));
    expect(result.stderr).toContain('--skip-invalid');
    expect(result.stderr).not.toContain('    at ');
  });

  it('fails on a line that is JSON but not an object', async () => {
    const file = await writeJsonl('array.jsonl', [JSON.stringify({ answer: TEXTS[0] }), '[1, 2]']);
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 2: expected a JSON object, got an array');
  });

  it('--skip-invalid counts bad lines and goes on', async () => {
    const file = await writeJsonl('skip.jsonl', [
      JSON.stringify({ answer: TEXTS[0] }),
      'not json at all',
      JSON.stringify({ answer: TEXTS[1] }),
      '{"answer": ',
      JSON.stringify({ answer: TEXTS[2] }),
    ]);
    const result = await runTonekit([
      'readability',
      '-f',
      file,
      '--column',
      'answer',
      '--skip-invalid',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.rowsScored).toBe(3);
    expect(summary.invalid.count).toBe(2);
    expect(summary.invalid.first.map((invalid: { line: number }) => invalid.line)).toEqual([2, 4]);

    const human = await runTonekit(['readability', '-f', file, '--column', 'answer', '--skip-invalid']);
    expect(human.stdout).toMatch(/Invalid lines skipped +2 \(line 2; line 4\)/);
  });

  it('lists the available columns when no row has the column', async () => {
    const file = await writeJsonl('columns.jsonl', [
      JSON.stringify({ question: 'q', Answer: TEXTS[0] }),
      JSON.stringify({ question: 'q', conversational_answer: TEXTS[1] }),
    ]);
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: --column answer: not found in any of the 2 rows of ${file} (did you mean --column Answer?); ` +
        'available columns: question, Answer, conversational_answer\n',
    );
  });

  it('requires --column for a .jsonl file and --format for stdin', async () => {
    const file = await writeJsonl('needs-column.jsonl', [JSON.stringify({ answer: TEXTS[0] })]);
    const noColumn = await runTonekit(['readability', '-f', file]);
    expect(noColumn.exitCode).toBe(2);
    expect(noColumn.stderr).toContain('error: --column <name> is required to score a JSONL input');
    const noFormat = await runTonekit(['readability', '--column', 'answer'], { stdin: '{}' });
    expect(noFormat.exitCode).toBe(2);
    expect(noFormat.stderr).toContain('--format jsonl or --format csv');
  });
});

describe('tonekit readability --column (CSV)', () => {
  const tricky = [
    'First, we boil the water. Then, we add the tea.',
    'He said "hello, friend" and left.\nThen he came back, smiling.',
    'Photosynthesis converts electromagnetic radiation into chemical energy, remarkably efficiently.',
  ];

  it('parses RFC 4180 quoting: commas, escaped quotes and newlines inside fields', async () => {
    const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const csv = [
      'id,answer,note',
      `1,${quote(tricky[0]!)},plain`,
      `2,${quote(tricky[1]!)},"multi\nline note"`,
      `3,${quote(tricky[2]!)},`,
      '4,,empty answer',
    ].join('\r\n');
    const file = path.join(directory, 'answers.csv');
    await writeFile(file, `\ufeff${csv}\r\n`);

    const result = await runTonekit(['readability', '-f', file, '--column', 'answer', '--per-row', '--json']);
    expect(result.exitCode).toBe(0);
    const rows = parseJsonLines(result.stdout);
    expect(rows.map((row) => row['row'])).toEqual([0, 1, 2]);
    expect(rows.map((row) => row['fleschReadingEase'])).toEqual(
      tricky.map((text) => textStatistics(text).fleschReadingEase),
    );
    expect(rows.map((row) => row['lexiconCount'])).toEqual(
      tricky.map((text) => textStatistics(text).lexiconCount),
    );
    const summary = JSON.parse(result.stderr);
    expect(summary).toMatchObject({
      format: 'csv',
      rowsRead: 4,
      rowsScored: 3,
      skipped: { blank: 1, firstRows: [3] },
    });
  });

  it('--format csv overrides the extension', async () => {
    const file = path.join(directory, 'answers.txt');
    await writeFile(file, `answer\n"${tricky[0]}"\n`);
    const result = await runTonekit([
      'readability',
      '-f',
      file,
      '--format',
      'csv',
      '--column',
      'answer',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).rowsScored).toBe(1);
  });

  it('lists the header columns when the column is not in it', async () => {
    const file = path.join(directory, 'header.csv');
    await writeFile(file, 'id,question,response\n1,q,"a, b"\n');
    const result = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `error: --column answer: not found in the header of ${file}; available columns: id, question, response\n`,
    );
  });

  it('fails on a malformed record with its line, or skips it with --skip-invalid', async () => {
    const file = path.join(directory, 'ragged.csv');
    await writeFile(file, `id,answer\n1,"${tricky[0]}"\n2,too,many,fields\n3,"${tricky[2]}"\n`);
    const failed = await runTonekit(['readability', '-f', file, '--column', 'answer']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^error: ${escapeRegExp(file)}: .*line 3`));
    expect(failed.stderr).toContain('--skip-invalid');

    const skipped = await runTonekit([
      'readability',
      '-f',
      file,
      '--column',
      'answer',
      '--skip-invalid',
      '--json',
    ]);
    expect(skipped.exitCode).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ rowsScored: 2, invalid: { count: 1 } });
  });

  it('leaves no partial --out file when the input fails midway', async () => {
    const file = path.join(directory, 'fails-late.csv');
    await writeFile(file, `id,answer\n1,"${tricky[0]}"\n2,"unterminated\n`);
    const result = await runTonekit(
      ['readability', '-f', file, '--column', 'answer', '--out', 'late.jsonl'],
      {
        cwd: directory,
      },
    );
    expect(result.exitCode).toBe(1);
    const leftovers = (await readdir(directory)).filter((name) => name.includes('late.jsonl'));
    expect(leftovers).toEqual([]);
  });
});

function withoutMode(stats: ReturnType<typeof textStatistics>) {
  const { mode: _mode, ...rest } = stats;
  return rest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
