import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readParquetTable } from '@tonekit/dataset';
import {
  type FakeOpenAIServer,
  hashToUnitVector,
  startFakeOpenAIServer,
  writeTinyLlamaGguf,
} from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTonekit } from './run-tonekit.js';

let dir: string;
let source: string;
let chat: FakeOpenAIServer;
let embeddings: Server;
let embeddingsUrl: string;

const topics = ['rivers', 'volcanoes', 'honeybees', 'lighthouses', 'glaciers', 'comets'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-cli-datagen-'));
  source = path.join(dir, 'chunks.jsonl');
  const long = (topic: string) => `${topic} `.repeat(10) + 'x'.repeat(720);
  const rows = [
    ...topics.map((topic, i) => ({ id: `c${i}`, title: topic, text: long(topic) })),
    { id: 'short', text: 'too short' },
  ];
  await writeFile(source, rows.map((row) => JSON.stringify(row)).join('\n'));
  // Question calls get a grounded JSON answer naming the chunk's topic; rephrase calls an easy sentence.
  chat = await startFakeOpenAIServer({
    chat: (request) => {
      const prompt = request.messages.map((message) => String(message.content)).join('\n');
      if (prompt.includes('Reply with JSON only')) {
        const topic = topics.find((candidate) => prompt.includes(candidate)) ?? 'things';
        return JSON.stringify({
          question: `Why are ${topic} so interesting?`,
          answer: `Scholars have extensively documented the multifaceted characteristics of ${topic}.`,
        });
      }
      return 'They are fun. You can see them and learn a lot.';
    },
  });
  // A minimal /v1/embeddings endpoint: hash-based unit vectors, so only identical questions collide.
  embeddings = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const { input } = JSON.parse(body) as { input: string[] };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          object: 'list',
          model: 'hash',
          data: input.map((text, index) => ({
            object: 'embedding',
            index,
            embedding: Array.from(hashToUnitVector(text, 16)),
          })),
          usage: { prompt_tokens: input.length, total_tokens: input.length },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => embeddings.listen(0, '127.0.0.1', resolve));
  embeddingsUrl = `http://127.0.0.1:${(embeddings.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await chat.close();
  await new Promise((resolve) => embeddings.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const modelFlags = () => [
  '--provider',
  'local',
  '--base-url',
  chat.url,
  '--model',
  'fake-chat-model',
  '--embedder-base-url',
  embeddingsUrl,
  '--embedder-model',
  'hash',
  '--embedder-dimensions',
  '16',
];

describe('tonekit datagen', () => {
  it('--dry-run counts eligible chunks without calling a model', async () => {
    const before = chat.requests.length;
    const result = await runTonekit([
      'datagen',
      '--source',
      source,
      '--out',
      path.join(dir, 'dry'),
      '--dry-run',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('6 chunks of >= 700 characters in 1 file(s)');
    expect(chat.requests.length).toBe(before);
  });

  it('generates a dataset folder, then resumes from the checkpoint without paying again', async () => {
    const out = path.join(dir, 'run');
    const args = [
      'datagen',
      '--source',
      source,
      '--out',
      out,
      '--count',
      '5',
      '--validation',
      '1',
      '--concurrency',
      '2',
      ...modelFlags(),
    ];
    const first = await runTonekit(args);
    expect(first.stderr).not.toContain('error');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Stopped: count-reached — kept 5 of 5');
    const train = await readParquetTable(path.join(out, 'dataset', 'train.parquet'));
    const validation = await readParquetTable(path.join(out, 'dataset', 'validation.parquet'));
    expect(train.numRows + validation.numRows).toBe(5);
    expect(validation.numRows).toBe(1);
    expect(String(train.getChild('conversational_answer')?.get(0))).toBe(
      'They are fun. You can see them and learn a lot.',
    );
    expect(existsSync(path.join(out, 'checkpoint.jsonl'))).toBe(true);
    const manifest = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8'));
    expect(JSON.stringify(manifest)).toContain('count-reached');

    const requestsBefore = chat.requests.length;
    const again = await runTonekit(args);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Calls: 0 paid');
    expect(chat.requests.length).toBe(requestsBefore);
  });

  it('names the variable when the OpenRouter key is missing', async () => {
    const result = await runTonekit(['datagen', '--source', source, '--out', path.join(dir, 'nokey')], {
      env: {},
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('OPENROUTER_API_KEY');
  });

  it('needs --base-url and --model for a local server', async () => {
    const result = await runTonekit([
      'datagen',
      '--source',
      source,
      '--out',
      path.join(dir, 'local'),
      '--provider',
      'local',
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--provider local needs --base-url');
  });

  it('runs a local GGUF model in-process with --provider llama-cpp (grammar-constrained JSON)', async () => {
    // A tiny random model whose noise closes JSON strings and ends turns often enough to finish: the
    // content is meaningless, the plumbing (chat template, JSON grammar, dispose) is llama.cpp's own.
    const gguf = await writeTinyLlamaGguf({
      path: path.join(dir, 'tiny.gguf'),
      seed: 11,
      logitBoosts: { '"': 5, '<|im_end|>': 5, '.': 4, '\u2581the': 4, '\u2581a': 4 },
    });
    const out = path.join(dir, 'llama');
    const result = await runTonekit([
      'datagen',
      '--source',
      source,
      '--out',
      out,
      '--count',
      '2',
      '--validation',
      '1',
      '--min-chars',
      '700',
      '--provider',
      'llama-cpp',
      '--model',
      gguf.path,
      '--threads',
      '1',
      '--context-size',
      '2048',
      '--gpu',
      'cpu',
      '--embedder-base-url',
      embeddingsUrl,
      '--embedder-model',
      'hash',
      '--embedder-dimensions',
      '16',
      '--concurrency',
      '2',
      '--temperature',
      '1',
      // Noise is rarely easy to read: any Flesch score passes, so the run must fill its count.
      '--rephrase-threshold',
      '-1000',
    ]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Stopped: count-reached — kept 2 of 2');
    const train = await readParquetTable(path.join(out, 'dataset', 'train.parquet'));
    const validation = await readParquetTable(path.join(out, 'dataset', 'validation.parquet'));
    expect(train.numRows + validation.numRows).toBe(2);
    expect(String(train.getChild('model')?.get(0))).toBe('llama-cpp/tiny.gguf');
    const manifest = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8'));
    expect(JSON.stringify(manifest)).toContain('llama-cpp');
  });

  it('needs --model with an existing .gguf file for llama-cpp', async () => {
    const result = await runTonekit([
      'datagen',
      '--source',
      source,
      '--out',
      path.join(dir, 'nogguf'),
      '--provider',
      'llama-cpp',
      '--model',
      path.join(dir, 'missing.gguf'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no such file');
  });
});
