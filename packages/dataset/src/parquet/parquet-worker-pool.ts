import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { parquetReadWorkerSource } from './parquet-read-worker-source.js';

/** A reply from the read worker; fields depend on the request. */
export interface ParquetWorkerReply {
  id: number;
  error?: string;
  [key: string]: unknown;
}

/** Thrown (internally) when the worker died during a request, which means the decoder panicked. */
export class ParquetWorkerCrash extends Error {
  constructor(cause: unknown) {
    super(`the Parquet decoder crashed (${cause instanceof Error ? cause.message : String(cause)})`, {
      cause,
    });
    this.name = 'ParquetWorkerCrash';
  }
}

/** Thrown (internally) when the worker reported an error for one request and is still usable. */
export class ParquetWorkerRequestError extends Error {
  /** The row group being read when it failed, when the worker knows. */
  readonly rowGroup: number | undefined;

  constructor(message: string, rowGroup?: number) {
    super(message);
    this.name = 'ParquetWorkerRequestError';
    this.rowGroup = rowGroup;
  }
}

/** Exclusive use of one worker: one file open at a time, so a crash is blamed on the right file. */
export interface ParquetWorkerLease {
  request(message: Record<string, unknown>): Promise<ParquetWorkerReply>;
  /** Returns the worker to the pool (or discards it when it crashed). */
  release(): void;
}

interface PooledWorker {
  worker: Worker;
  pending: Map<number, { resolve: (reply: ParquetWorkerReply) => void; reject: (error: Error) => void }>;
  dead: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

// Idle workers are kept for a while so that reading many files, or reading again after some work,
// does not pay the ~50 ms worker and wasm start-up (and its ~40 MB) each time; then they are ended so
// their wasm memory, which never shrinks, is returned.
const idleWorkers: PooledWorker[] = [];
const maxIdleWorkers = 2;
const idleMilliseconds = 10_000;
let nextRequestId = 1;
let parquetWasmPath: string | undefined;

function resolveParquetWasm(): string {
  // The "node" export of parquet-wasm is its CommonJS build, which loads the wasm synchronously.
  parquetWasmPath ??= createRequire(import.meta.url).resolve('parquet-wasm');
  return parquetWasmPath;
}

function spawnWorker(): PooledWorker {
  const worker = new Worker(parquetReadWorkerSource, {
    eval: true,
    workerData: { parquetWasmPath: resolveParquetWasm() },
    // Keep the decoder's panic output off the user's terminal: the error reaches them as an exception.
    stderr: true,
    stdout: true,
  });
  worker.stderr.resume();
  worker.stdout.resume();
  const pooled: PooledWorker = { worker, pending: new Map(), dead: false, idleTimer: undefined };
  const failAll = (error: Error) => {
    pooled.dead = true;
    for (const { reject } of pooled.pending.values()) reject(error);
    pooled.pending.clear();
    const index = idleWorkers.indexOf(pooled);
    if (index >= 0) idleWorkers.splice(index, 1);
  };
  worker.on('message', (reply: ParquetWorkerReply) => {
    const waiter = pooled.pending.get(reply.id);
    if (!waiter) return;
    pooled.pending.delete(reply.id);
    if (pooled.pending.size === 0) worker.unref();
    if (reply.error !== undefined) {
      const rowGroup = typeof reply['rowGroup'] === 'number' ? reply['rowGroup'] : undefined;
      waiter.reject(new ParquetWorkerRequestError(reply.error, rowGroup));
    } else waiter.resolve(reply);
  });
  worker.on('error', (error) => failAll(new ParquetWorkerCrash(error)));
  worker.on('exit', (code) => failAll(new ParquetWorkerCrash(new Error(`worker exited with code ${code}`))));
  worker.unref();
  return pooled;
}

/** Takes an idle worker or starts one. */
export function leaseParquetWorker(): ParquetWorkerLease {
  let pooled = idleWorkers.pop();
  if (pooled) clearTimeout(pooled.idleTimer);
  else pooled = spawnWorker();
  const current = pooled;
  let released = false;
  return {
    request(message) {
      if (released) return Promise.reject(new Error('parquet worker lease already released'));
      if (current.dead)
        return Promise.reject(new ParquetWorkerCrash(new Error('worker is no longer running')));
      const id = nextRequestId++;
      return new Promise<ParquetWorkerReply>((resolve, reject) => {
        current.pending.set(id, { resolve, reject });
        // Referenced only while a request is in flight: an idle pool must not keep the process alive,
        // but a script awaiting a row group must not exit early either.
        current.worker.ref();
        current.worker.postMessage({ ...message, id });
      });
    },
    release() {
      if (released) return;
      released = true;
      if (current.dead) return;
      if (current.pending.size > 0 || idleWorkers.length >= maxIdleWorkers) {
        void current.worker.terminate();
        return;
      }
      current.idleTimer = setTimeout(() => {
        const index = idleWorkers.indexOf(current);
        if (index >= 0) idleWorkers.splice(index, 1);
        void current.worker.terminate();
      }, idleMilliseconds);
      current.idleTimer.unref();
      idleWorkers.push(current);
    },
  };
}
