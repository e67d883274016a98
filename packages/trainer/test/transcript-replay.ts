import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `packages/trainer/fixtures/transcripts`, shared with the Python suite (PROTOCOL.md, "Transcripts"). */
export const transcriptsDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'transcripts',
);

export interface TranscriptEntry {
  dir: 'in' | 'out';
  message: Record<string, unknown>;
}

export function listTranscripts(): string[] {
  try {
    return readdirSync(transcriptsDir)
      .filter((name) => name.endsWith('.jsonl'))
      .sort();
  } catch {
    return [];
  }
}

export function readTranscript(name: string): TranscriptEntry[] {
  return readFileSync(path.join(transcriptsDir, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TranscriptEntry);
}

/**
 * PROTOCOL.md's wildcards: `"<any>"` matches anything, `"<number>"` any number, `"<string>"` any string.
 * Returns the first difference as a path and a description, or null when `actual` matches.
 */
export function mismatch(expected: unknown, actual: unknown, at = '$'): string | null {
  if (expected === '<any>') return null;
  if (expected === '<number>')
    return typeof actual === 'number' ? null : `${at}: expected a number, got ${JSON.stringify(actual)}`;
  if (expected === '<string>')
    return typeof actual === 'string' ? null : `${at}: expected a string, got ${JSON.stringify(actual)}`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    }
    for (let index = 0; index < expected.length; index++) {
      const found = mismatch(expected[index], actual[index], `${at}[${index}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      if (!(key in expected))
        return `${at}.${key}: not expected, got ${JSON.stringify((actual as Record<string, unknown>)[key])}`;
      if (!(key in actual)) return `${at}.${key}: missing`;
      const found = mismatch(
        (expected as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        `${at}.${key}`,
      );
      if (found !== null) return found;
    }
    return null;
  }
  return Object.is(expected, actual)
    ? null
    : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** Replaces the wildcards of an `out` message by concrete values a worker could have sent. */
export function concretize(value: unknown): unknown {
  if (value === '<any>') return null;
  if (value === '<number>') return 7;
  if (value === '<string>') return 'text';
  if (Array.isArray(value)) return value.map(concretize);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, concretize(item)]));
  }
  return value;
}

// The fake worker plays the `out` lines of a transcript in order and, at each `in` line, waits for the
// driver's next line and checks it (wildcards as above). A mismatch is reported on stderr and the fake
// exits 3, so the driver rejects with WorkerCrashedError whose stderr tail says what differed. Every
// received line is also appended to the log file for a final comparison.
const replayScript = String.raw`
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const [transcriptFile, logFile] = process.argv.slice(2);
const entries = readFileSync(transcriptFile, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
${mismatch.toString()}
const lines = [];
let wake = null;
createInterface({ input: process.stdin }).on('line', (line) => {
  appendFileSync(logFile, line + '\n');
  lines.push(line);
  wake?.();
}).on('close', () => { lines.push(null); wake?.(); });
const nextLine = () => lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise((resolve) => { wake = () => { wake = null; resolve(lines.shift()); }; });
const write = (message) => new Promise((resolve) => process.stdout.write(JSON.stringify(message) + '\n', resolve));
for (const [index, entry] of entries.entries()) {
  if (entry.dir === 'out') {
    await write(entry.message);
    continue;
  }
  const line = await nextLine();
  if (line === null) {
    process.stderr.write('MISMATCH at entry ' + index + ': the driver closed stdin, expected ' + JSON.stringify(entry.message) + '\n');
    process.exit(3);
  }
  const difference = mismatch(entry.message, JSON.parse(line));
  if (difference !== null) {
    process.stderr.write('MISMATCH at entry ' + index + ': ' + difference + '\n  expected ' + JSON.stringify(entry.message) + '\n  got      ' + line + '\n');
    process.exit(3);
  }
}
process.exit(0);
`;

export interface ReplayWorker {
  dir: string;
  /** The `command` option running the fake on `entries`. */
  command: string[];
  /** Lines the driver sent, parsed. */
  received(): unknown[];
  cleanup(): Promise<void>;
}

/** Writes the fake and `entries` (concrete `out` values, so a driver can consume them) to a temp dir. */
export async function writeReplayWorker(entries: TranscriptEntry[]): Promise<ReplayWorker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tonekit-replay-'));
  const scriptPath = path.join(dir, 'replay-worker.mjs');
  const transcriptPath = path.join(dir, 'transcript.jsonl');
  const logPath = path.join(dir, 'received.jsonl');
  await writeFile(scriptPath, replayScript);
  await writeFile(transcriptPath, entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
  await writeFile(logPath, '');
  return {
    dir,
    command: [process.execPath, scriptPath, transcriptPath, logPath],
    received: () =>
      readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
