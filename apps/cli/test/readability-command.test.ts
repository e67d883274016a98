import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { textStatistics } from '@tonekit/readability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

const SIMPLE = 'Hello there. How are you today?';
const FORMAL =
  'Photosynthesis is the biochemical process by which plants, algae and certain bacteria convert light energy ' +
  'into chemical energy, synthesizing carbohydrates from carbon dioxide and water.';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-text-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('tonekit readability <text>', () => {
  it('prints an aligned table with the scores, counts, verdict and mode', async () => {
    const result = await runTonekit(['readability', SIMPLE]);
    const stats = textStatistics(SIMPLE);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Flesch reading ease   ${stats.fleschReadingEase.toFixed(2)}`);
    expect(result.stdout).toContain(`Flesch–Kincaid grade  ${stats.fleschKincaidGrade.toFixed(2)}`);
    expect(result.stdout).toMatch(new RegExp(`Words +${stats.lexiconCount}\\n`));
    expect(result.stdout).toMatch(new RegExp(`Sentences +${stats.sentenceCount}\\n`));
    expect(result.stdout).toMatch(new RegExp(`Syllables +${stats.syllableCount}\\n`));
    expect(result.stdout).toMatch(/Verdict +conversational \(FRE >= 60\)\n/);
    expect(result.stdout).toMatch(/Mode +textstat-0\.7\.11\n/);
  });

  it('joins several arguments with spaces, as the shell split them', async () => {
    const result = await runTonekit([
      'readability',
      '--json',
      'Hello',
      'there.',
      'How',
      'are',
      'you',
      'today?',
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject(textStatistics(SIMPLE));
  });

  it('--json prints the TextStatistics object plus the verdict, equal to the library', async () => {
    const result = await runTonekit(['readability', '--json', FORMAL]);
    expect(result.exitCode).toBe(0);
    const stats = textStatistics(FORMAL);
    expect(JSON.parse(result.stdout)).toEqual({
      ...stats,
      conversational: stats.fleschReadingEase >= 60,
      threshold: 60,
    });
    expect(stats.fleschReadingEase).toBeLessThan(60);
  });

  it('--mode textstat-0.7.5 scores with the older textstat rules', async () => {
    const text = "It's a well-known fact that the U.S. economy grew 3.5% in 2019, isn't it?";
    const result = await runTonekit(['readability', '--json', '--mode', 'textstat-0.7.5', text]);
    expect(result.exitCode).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject(textStatistics(text, { mode: 'textstat-0.7.5' }));
    expect(parsed.mode).toBe('textstat-0.7.5');
  });

  it('--threshold changes the verdict', async () => {
    const stats = textStatistics(SIMPLE);
    const above = Math.ceil(stats.fleschReadingEase + 1);
    const result = await runTonekit(['readability', '--threshold', String(above), SIMPLE]);
    expect(result.stdout).toContain(`not conversational (FRE < ${above})`);
    const json = await runTonekit(['readability', '--json', '--threshold', String(above), SIMPLE]);
    expect(JSON.parse(json.stdout)).toMatchObject({ conversational: false, threshold: above });
  });

  it('-f scores a whole text file as one text, relative to the working directory', async () => {
    const text = `${FORMAL}\n\nSecond paragraph here. It is short.\n`;
    await writeFile(path.join(directory, 'answer.txt'), `\ufeff${text}`);
    const result = await runTonekit(['readability', '--json', '-f', 'answer.txt'], { cwd: directory });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject(textStatistics(text));
  });

  it('reads stdin when no text and no file are given', async () => {
    const result = await runTonekit(['readability', '--json'], { stdin: FORMAL });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject(textStatistics(FORMAL));
    const dash = await runTonekit(['readability', '--json', '-f', '-'], { stdin: SIMPLE });
    expect(JSON.parse(dash.stdout)).toMatchObject(textStatistics(SIMPLE));
  });

  it('asks for input instead of waiting when stdin is a terminal', async () => {
    const terminal = Object.assign(Readable.from([]), { isTTY: true });
    const result = await runTonekit(['readability'], { stdin: terminal });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: no text to score: pass text as arguments, --file <path>, or pipe/);
    expect(result.stderr).toContain('--help');
  });

  it('rejects empty input with a clear error', async () => {
    const result = await runTonekit(['readability'], { stdin: '  \n' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: no text to score: stdin is empty\n');
  });

  it('names the flag and the resolved path when the file is missing', async () => {
    const result = await runTonekit(['readability', '-f', 'nope.txt'], { cwd: directory });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `error: --file nope.txt: no such file (resolved to ${path.join(directory, 'nope.txt')})`,
    );
    expect(result.stderr).not.toContain('    at ');
  });

  it('rejects an invalid --mode, listing the allowed modes', async () => {
    const result = await runTonekit(['readability', '--mode', 'textstat-0.8', SIMPLE]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: option '--mode <mode>' argument 'textstat-0.8' is invalid");
    expect(result.stderr).toContain('textstat-0.7.11, textstat-0.7.5');
    expect(result.stderr).toContain('--help');
  });

  it('rejects a non-numeric --threshold', async () => {
    const result = await runTonekit(['readability', '--threshold', 'sixty', SIMPLE]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("option '--threshold <n>' argument 'sixty' is invalid");
  });

  it('rejects text arguments together with --file', async () => {
    const result = await runTonekit(['readability', '-f', 'answer.txt', SIMPLE], { cwd: directory });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error: pass the text as arguments or with --file, not both');
  });

  it('rejects table-only flags without --column', async () => {
    const result = await runTonekit(['readability', '--per-row', SIMPLE]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('error: --per-row applies only with --column');
  });
});
