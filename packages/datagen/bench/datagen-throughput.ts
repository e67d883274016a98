/**
 * Throughput of generateDataset against a loopback fake OpenAI-compatible server with a fixed latency and
 * a client-side requests-per-minute limit, compared with the theoretical bound for the same run. The
 * limiter is a token bucket that starts full (a burst of `rpm` calls, then `rpm` per minute), so N chat
 * calls cannot finish faster than
 *
 *   T_min = max(N × latency / concurrency, (N − rpm) / rpm minutes)
 *
 * and the run's efficiency is T_min / T_actual (equivalently kept/min over the bound's kept/min).
 *
 * Also prints CPU milliseconds (user + system of this process) per kept sample. The fake server runs in
 * a child process, so the figure is the pipeline's: HTTP client, JSON, readability, dedup, checkpoint
 * writes and the Parquet dataset at the end (the mock embedder's hashing is included, a real one is not).
 *
 * Usage: npx tsx packages/datagen/bench/datagen-throughput.ts [--count 300] [--latency 300] [--rpm 1200]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenAICompatibleChatModel } from '@tonekit/inference';
import { createMockEmbedder } from '@tonekit/test-kit';
import { generateDataset } from '../src/index.js';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const count = option('count', 300);
const latencyMs = option('latency', 300);
const rpm = option('rpm', 300);
const concurrency = option('concurrency', 16);

// The fake server runs in a child process: this process's CPU time is then the pipeline's own.
const child = spawn(
  process.execPath,
  [
    ...process.execArgv,
    fileURLToPath(new URL('./fake-generator-server.ts', import.meta.url)),
    String(latencyMs),
  ],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const serverUrl = await new Promise<string>((resolve, reject) => {
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /listening (\S+)/.exec(output);
    if (match?.[1]) resolve(match[1]);
  });
  child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
});
const chatModel = createOpenAICompatibleChatModel({
  baseURL: serverUrl,
  model: 'fake-chat-model',
  requestsPerMinute: rpm,
  maxRetries: 0,
});
const embedder = createMockEmbedder({ dimensions: 64 });
const documents = Array.from({ length: count * 2 }, (_, i) => ({
  id: `c${i}`,
  title: `chunk ${i}`,
  text: `This is chunk ${i}. ${'Some long source text about history and places. '.repeat(20)}`,
  source: { file: 'memory', row: i },
}));

const dir = await mkdtemp(path.join(tmpdir(), 'tonekit-datagen-bench-'));
const cpuBefore = process.cpuUsage();
const started = performance.now();
const result = await generateDataset(
  { source: documents, outputDir: dir, count, validationSize: 10, subsetSizes: [50], concurrency, seed: 1 },
  { chatModel, embedder },
);
const minutes = (performance.now() - started) / 60_000;
const cpu = process.cpuUsage(cpuBefore);
child.stdin.end();
await rm(dir, { recursive: true, force: true });

const { counts } = result;
// Question and rephrase/simplify calls go through the limiter; the mock embedder does not.
const chatCalls = counts.chunksProcessed + counts.rephraseCalls;
const chatCallsPerKept = chatCalls / counts.kept;
const minimumMinutes = Math.max(
  (chatCalls * latencyMs) / concurrency / 60_000,
  Math.max(0, chatCalls - rpm) / rpm,
);
const keptBound = counts.kept / minimumMinutes;
const keptPerMinute = counts.kept / minutes;
console.log(`datagen throughput — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);
console.log(
  `fake server latency ${latencyMs} ms, client limit ${rpm} requests/min, concurrency ${concurrency}`,
);
console.log(
  `kept ${counts.kept} in ${(minutes * 60).toFixed(1)} s; ${chatCalls} chat calls (${chatCallsPerKept.toFixed(2)} per kept sample), ${counts.paidCalls} paid calls incl. embeddings`,
);
console.log(`fastest possible for ${chatCalls} chat calls: ${(minimumMinutes * 60).toFixed(1)} s`);
console.log(
  `kept samples/min: ${keptPerMinute.toFixed(1)} of a bound of ${keptBound.toFixed(1)} = ${((100 * keptPerMinute) / keptBound).toFixed(1)}%`,
);
console.log(
  `CPU per kept sample: ${((cpu.user + cpu.system) / 1000 / counts.kept).toFixed(2)} ms (this process; the fake server runs in a child process)`,
);
