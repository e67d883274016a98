import { WorkerError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { PythonWorker } from '../src/worker/python-worker.js';
import {
  concretize,
  listTranscripts,
  mismatch,
  readTranscript,
  type TranscriptEntry,
  transcriptsDir,
  writeReplayWorker,
} from './transcript-replay.js';

const transcripts = listTranscripts();
if (transcripts.length === 0) {
  console.warn(`\n!!! No transcripts in ${transcriptsDir}: the replay tests are SKIPPED.\n`);
}

/**
 * Drives the worker the way a client would for `entries`: each `in` request is sent once every `out`
 * line before it has been seen by the caller (as a result, error, event or `ready`), the final
 * `shutdown` is sent by `close()`, and what the driver surfaced is turned back into wire messages.
 */
async function replay(entries: TranscriptEntry[]) {
  const concrete = entries.map((entry) =>
    entry.dir === 'out' ? { ...entry, message: concretize(entry.message) as Record<string, unknown> } : entry,
  );
  const fake = await writeReplayWorker(concrete);
  const observed: Record<string, unknown>[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const see = (message: Record<string, unknown>) => {
    observed.push(message);
    for (const waiter of waiters.filter((candidate) => observed.length >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  // A request that fails outside the protocol (the fake found a mismatch and exited) ends the replay.
  let fail: (error: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failure.catch(() => {});
  const seen = (count: number) =>
    observed.length >= count
      ? Promise.resolve()
      : Promise.race([new Promise<void>((resolve) => waiters.push({ count, resolve })), failure]);
  try {
    const worker = await PythonWorker.start({ command: fake.command, startTimeoutMs: 10_000 });
    // `ready` wildcards were replaced by null (bf16 reads as false) and 7 (cuda_devices).
    const ready = concrete[0]!.message as { method: string; params: Record<string, unknown> };
    expect(ready.method).toBe('ready');
    expect(worker.ready.protocol).toBe(ready.params.protocol);
    expect(worker.ready.workerVersion).toBe(ready.params.worker_version);
    expect(worker.ready.capabilities.cudaDevices).toBe(7);
    see(ready);
    const requests: Promise<void>[] = [];
    let shutdownId: unknown;
    for (const [index, entry] of entries.entries()) {
      if (entry.dir !== 'in') continue;
      const outsBefore = entries.slice(0, index).filter((candidate) => candidate.dir === 'out').length;
      await seen(outsBefore);
      const { id, method, params } = entry.message as {
        id: number;
        method: string;
        params: Record<string, unknown>;
      };
      if (method === 'shutdown') {
        shutdownId = id;
        await worker.close({ graceMs: 5_000 });
        break;
      }
      requests.push(
        worker
          .request(method, params, {
            onEvent: ({ requestId, ...fields }) => {
              // The wire fields are kept as sent, request_id included.
              expect(fields.request_id).toBe(requestId);
              see({ method: 'event', params: fields });
            },
          })
          .then(
            (result) => see({ id, result }),
            (error: unknown) => {
              if (!WorkerError.isInstance(error)) {
                fail(error);
                throw error;
              }
              see({
                id,
                error: {
                  code: error.code,
                  message: error.message,
                  python_type: error.pythonType === '' ? null : error.pythonType,
                  traceback: error.traceback === '' ? null : error.traceback,
                },
              });
            },
          ),
      );
    }
    await Promise.all(requests);
    // The shutdown answer is consumed by close() itself.
    const expected = concrete
      .filter((entry) => entry.dir === 'out' && entry.message.id !== shutdownId)
      .map((entry) => entry.message);
    return { expected, observed, received: fake.received() };
  } finally {
    await fake.cleanup();
  }
}

/** Order within one request (its events, then its answer) is fixed; across requests it is not. */
function byRequest(messages: Record<string, unknown>[]) {
  const groups = new Map<string, unknown[]>();
  for (const message of messages) {
    const params = message.params as Record<string, unknown> | undefined;
    const key = String(message.id ?? params?.request_id ?? message.method);
    groups.set(key, [...(groups.get(key) ?? []), message]);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

describe.skipIf(transcripts.length === 0)('transcript replay against a fake worker', () => {
  it.each(transcripts)('%s', async (name) => {
    const entries = readTranscript(name);
    const { expected, observed, received } = await replay(entries);
    // The driver sent exactly the `in` lines, in order (wildcards allowed).
    const sent = entries.filter((entry) => entry.dir === 'in').map((entry) => entry.message);
    expect(received).toHaveLength(sent.length);
    sent.forEach((message, index) => {
      expect(mismatch(message, received[index])).toBeNull();
    });
    // ... and surfaced every `out` line to its caller: per request, its events in order, then its answer.
    expect(observed).toHaveLength(expected.length);
    expect(byRequest(observed)).toEqual(byRequest(expected));
  });
});
