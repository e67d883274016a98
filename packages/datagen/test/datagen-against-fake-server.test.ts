import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatGenerateOptions, ChatMessage } from '@tonekit/core';
import { readDatasetFolder } from '@tonekit/dataset';
import { createOpenAICompatibleChatModel } from '@tonekit/inference';
import {
  type FakeOpenAIChatRequest,
  type FakeOpenAIFault,
  type FakeOpenAIServer,
  messageText,
  startFakeOpenAIServer,
} from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatagenEvent, generateDataset } from '../src/index.js';
import { answer, expectedCounts, kindOf, makeDocuments, makeEmbedder } from './fixtures/scripted-world.js';

// The whole pipeline through the real OpenAI-compatible client (openai SDK, streaming, retries in
// datagen) against the loopback fake server, with every fault kind injected at known documents.

const documentCount = 440;
const documents = makeDocuments(documentCount);
/** Transient faults go to documents below this index only, all of which are processed. */
const faultedBelow = 200;

/**
 * The transient fault a document's question call gets, by its position in each block of 20. Truncated
 * streams are not among them: datagen does not stream (that fault is the inference package's test).
 */
function transientFaultOf(i: number): FakeOpenAIFault | undefined {
  if (i >= faultedBelow || kindOf(i) !== 'ok') return undefined;
  switch (i % 20) {
    case 0:
      return { kind: 'status', status: 429, retryAfterMs: 5 };
    case 1:
      return { kind: 'status', status: 500 };
    case 2:
      return { kind: 'status', status: 503 };
    case 4:
      // Each hang costs a client timeout: a few early ones, so they overlap.
      return i < 60 ? { kind: 'hang' } : { kind: 'status', status: 500 };
    case 6:
      return { kind: 'malformed-json' };
    case 8:
      return { kind: 'status', status: 408 };
    case 10:
      return { kind: 'drop-connection' };
    case 19:
      return { kind: 'status', status: 409 };
    default:
      return undefined;
  }
}

// Bodies are matched against every fault: memoize their text so that stays cheap.
const bodyTexts = new WeakMap<object, string>();
function bodyText(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  let text = bodyTexts.get(body);
  if (text === undefined) {
    text = (body as FakeOpenAIChatRequest).messages.map(messageText).join('\n');
    bodyTexts.set(body, text);
  }
  return text;
}
const isQuestionCall = (body: unknown) =>
  typeof body === 'object' && body !== null && (body as FakeOpenAIChatRequest).response_format !== undefined;
const questionOf = (i: number) => (body: unknown) =>
  isQuestionCall(body) && bodyText(body).includes(`[doc:${i}] `);
const rephraseOf = (i: number) => (body: unknown) =>
  !isQuestionCall(body) && bodyText(body).includes(`ANSWER-${i} `);

function faults(): FakeOpenAIFault[] {
  const list: FakeOpenAIFault[] = [];
  for (let i = 0; i < documentCount; i++) {
    const kind = kindOf(i);
    // Permanent failures: every attempt fails, so the chunk is rejected after datagen's retries.
    if (kind === 'api-fail') list.push({ kind: 'status', status: 503, when: questionOf(i) });
    if (kind === 'rephrase-api-fail') list.push({ kind: 'status', status: 502, when: rephraseOf(i) });
    if (kind === 'flaky')
      list.push({ kind: 'status', status: 429, retryAfterMs: 1, times: 1, when: questionOf(i) });
    const transient = transientFaultOf(i);
    if (transient !== undefined) list.push({ ...transient, times: 1, when: questionOf(i) });
  }
  // Latency on every call keeps many requests in flight at once, as a real provider does.
  list.push({ kind: 'latency', ms: 2 });
  return list;
}

let server: FakeOpenAIServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonekit-datagen-fake-server-'));
  server = await startFakeOpenAIServer({
    faults: faults(),
    hangTimeoutMs: 5_000,
    chat: (request) => {
      const messages: ChatMessage[] = request.messages.map((message) => ({
        role: message.role as ChatMessage['role'],
        content: messageText(message),
      }));
      const options: ChatGenerateOptions = {
        messages,
        ...(request.response_format === undefined ? {} : { responseFormat: { type: 'json' } }),
      };
      return answer(options, { throwFaults: false });
    },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('generateDataset through the OpenAI-compatible client and the fake server', () => {
  it('completes a few hundred samples with every fault kind injected, retried and counted', async () => {
    const chatModel = createOpenAICompatibleChatModel({
      baseURL: server.url,
      model: 'fake-chat-model',
      // One retry layer only (datagen's), so each faulted request is exactly one failed attempt.
      maxRetries: 0,
      // Long enough that only the injected hangs time out, even on a loaded 2-core machine.
      timeoutMs: 1_500,
    });
    const events: DatagenEvent[] = [];
    const outputDir = join(dir, 'run');
    const result = await generateDataset(
      {
        source: documents,
        outputDir,
        count: 10_000,
        validationSize: 30,
        subsetSizes: [100, 200],
        concurrency: 16,
      },
      {
        chatModel,
        embedder: makeEmbedder(),
        retry: { maxRetries: 2, initialDelayMs: 1, jitter: false },
        onEvent: (event) => events.push(event),
      },
    );

    // The outcome is the script's, faults or not.
    const expected = expectedCounts(documentCount, 10_000);
    expect(expected.kept).toBeGreaterThan(250);
    const { counts } = result;
    expect(counts).toMatchObject({
      sourcesRead: expected.sourcesRead,
      tooShort: expected.tooShort,
      questionFailed: expected.questionFailed,
      questionParseFailed: expected.questionParseFailed,
      dedupRejected: expected.dedupRejected,
      rephraseFailed: expected.rephraseFailed,
      discardedUnreadable: expected.discardedUnreadable,
      kept: expected.kept,
    });
    expect(result.records.map((record) => record.source_id)).toEqual(expected.keptIds);
    expect(result.manifest.attemptsHistogram).toEqual(expected.attemptsHistogram);
    expect(result.manifest.stopReason).toBe('source-exhausted');

    // Every fault kind fired exactly as often as it was injected.
    const served = new Map<string, number>();
    for (const request of server.requests) {
      if (request.fault === undefined) continue;
      const key = request.fault === 'status' ? `status-${request.status}` : request.fault;
      served.set(key, (served.get(key) ?? 0) + 1);
    }
    const injected = new Map<string, number>();
    for (let i = 0; i < documentCount; i++) {
      const fault = transientFaultOf(i);
      if (fault === undefined) continue;
      const key = fault.kind === 'status' ? `status-${fault.status}` : fault.kind;
      injected.set(key, (injected.get(key) ?? 0) + 1);
    }
    const attempts = 3;
    const flaky = documents.filter((_, i) => kindOf(i) === 'flaky').length;
    injected.set('status-429', (injected.get('status-429') ?? 0) + flaky);
    injected.set('status-503', (injected.get('status-503') ?? 0) + expected.questionFailed * attempts);
    injected.set('status-502', expected.rephraseFailed * attempts);
    expect(Object.fromEntries(served)).toEqual(Object.fromEntries(injected));
    for (const kind of [
      'hang',
      'malformed-json',
      'drop-connection',
      'status-408',
      'status-409',
      'status-500',
    ]) {
      expect(served.get(kind), kind).toBeGreaterThan(0);
    }

    // Each faulted request is one failed attempt: retried, or the last attempt of a rejected chunk.
    const faulted = [...served.values()].reduce((sum, n) => sum + n, 0);
    expect(counts.retriedAttempts + expected.questionFailed + expected.rephraseFailed).toBe(faulted);
    expect(events.filter((event) => event.type === 'call-retried')).toHaveLength(counts.retriedAttempts);
    const retriedStatuses = new Set(
      events.flatMap((event) =>
        event.type === 'call-retried' ? [event.error.status ?? event.error.name] : [],
      ),
    );
    for (const status of [408, 409, 429, 500, 502, 503])
      expect(retriedStatuses.has(status), String(status)).toBe(true);
    const rejectedDetails = events.flatMap((event) =>
      event.type === 'sample-rejected' && event.reason === 'question-failed' ? [event.detail ?? ''] : [],
    );
    expect(rejectedDetails.length).toBe(expected.questionFailed);
    for (const detail of rejectedDetails) expect(detail).toMatch(/503/);

    const folder = await readDatasetFolder(join(outputDir, 'dataset'));
    expect(folder.manifest.counts).toMatchObject({ total: expected.kept, validation: 30 });
  }, 60_000);
});
