import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLlamaCppLogitSource } from '@tonekit/inference';
import { blend } from '@tonekit/logit-blend';
import { type TinyLlamaGguf, writeTinyLlamaGguf } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLines, runTonekit } from './run-tonekit.js';

let dir: string;
let a: TinyLlamaGguf;
let b: TinyLlamaGguf;
const common = ['--threads', '1', '--gpu', 'cpu', '--context-size', '256'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-blend-'));
  // Two "exact" models with one vocabulary but different weights, so every mix answers differently.
  const boosts = { '<|im_end|>': 3, '.': 2 };
  a = await writeTinyLlamaGguf({
    path: path.join(dir, 'a.gguf'),
    variant: 'exact',
    seed: 1,
    logitBoosts: boosts,
  });
  b = await writeTinyLlamaGguf({
    path: path.join(dir, 'b.gguf'),
    variant: 'exact',
    seed: 2,
    logitBoosts: boosts,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tonekit blend', () => {
  it('streams the same greedy answer as the blend API, with per-token attribution', async () => {
    const result = await runTonekit([
      'blend',
      '--model',
      `${a.path}=0.25`,
      '--model',
      `${b.path}=0.75`,
      '--temperature',
      '0',
      '--max-tokens',
      '12',
      '--attribution',
      ...common,
      'hello there',
    ]);
    expect(result.stderr).toMatch(/tokens, stop: (eos|max-tokens), seed \d+\]/);
    expect(result.exitCode).toBe(0);

    const sources = [
      await createLlamaCppLogitSource({ modelPath: a.path, threads: 1, gpu: 'cpu', contextSize: 256 }),
      await createLlamaCppLogitSource({ modelPath: b.path, threads: 1, gpu: 'cpu', contextSize: 256 }),
    ];
    try {
      const expected = await blend({
        sources,
        weights: [0.25, 0.75],
        temperature: 0,
        maxTokens: 12,
        messages: [{ role: 'user', content: 'hello there' }],
      });
      const [text, header, ...rows] = result.stdout.split('\n').filter((line) => line !== '');
      expect(text).toBe(expected.text.trim() === '' ? undefined : expected.text.split('\n')[0]);
      expect(header).toBe('step\ttoken\tblend\ta\tb');
      expect(rows).toHaveLength(expected.tokens.length);
      rows.forEach((row, index) => {
        const token = expected.tokens[index];
        const cells = row.split('\t');
        expect(Number(cells[0])).toBe(index);
        expect(Number(cells[2])).toBeCloseTo(token?.probability ?? Number.NaN, 4);
        expect(cells[3]?.endsWith('*')).toBe(token?.sources[0]?.isArgmax);
      });
    } finally {
      await Promise.all(sources.map((source) => source.dispose()));
    }
  });

  it('writes one JSONL per α for the evaluator, resumes, and α = 1 equals the first model alone', async () => {
    const prompts = path.join(dir, 'prompts.jsonl');
    await writeFile(
      prompts,
      [
        { id: 'p1', question: 'how are you', reference: 'fine thanks.' },
        {
          id: 'p2',
          messages: [{ role: 'user', content: 'tell me a story' }],
          reference: 'once upon a time.',
        },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const out = path.join(dir, 'mixes');
    const args = [
      'blend',
      '--model',
      a.path,
      '--model',
      b.path,
      '--alphas',
      '0,0.5,1',
      '--prompts',
      prompts,
      '--out',
      out,
    ];
    const first = await runTonekit([...args, '--temperature', '0', '--max-tokens', '8', ...common]);
    expect(first.stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('6 answers written (0 already there)');
    const again = await runTonekit([...args, '--temperature', '0', '--max-tokens', '8', ...common]);
    expect(again.stdout).toContain('0 answers written (6 already there)');

    const rowsAt = async (alpha: number) =>
      parseJsonLines(await readFile(path.join(out, `alpha-${alpha}.jsonl`), 'utf8'));
    const one = await rowsAt(1);
    expect(one.map((row) => row['id'])).toEqual(['p1', 'p2']);
    expect(one[0]).toMatchObject({ alpha: 1, question: 'how are you', reference: 'fine thanks.' });

    // α = 1 is model a alone: its greedy answer through the CLI's single-model path.
    const single = await runTonekit([
      'blend',
      '--model',
      a.path,
      '--temperature',
      '0',
      '--max-tokens',
      '8',
      ...common,
      'how are you',
    ]);
    expect(`${one[0]?.['response']}\n`).toBe(single.stdout);

    const scored = await runTonekit([
      'eval',
      '--sweep',
      out,
      '--blend-name',
      'a×b',
      '--no-similarity',
      '--out',
      path.join(dir, 'evals'),
    ]);
    expect(scored.exitCode).toBe(0);
    expect(scored.stdout).toContain('a×b · α 0.5 — 2 responses');
  });

  it('explains bad weights and missing flags', async () => {
    const both = await runTonekit(['blend', '--model', `${a.path}=1`, '--model', b.path, ...common, 'hi']);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('give every model a weight (file=weight) or none');
    const sweep = await runTonekit([
      'blend',
      '--model',
      a.path,
      '--model',
      b.path,
      '--alphas',
      '0,1',
      ...common,
    ]);
    expect(sweep.exitCode).toBe(2);
    expect(sweep.stderr).toContain('--alphas needs --prompts');
    const missing = await runTonekit(['blend', '--model', path.join(dir, 'nope.gguf'), 'hi']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('no such file or folder');
  });
});
