/**
 * Source of the worker thread that decodes Parquet files.
 *
 * Why a worker: parquet-wasm 0.8's asynchronous reader (`ParquetFile.read`/`stream`) `unwrap()`s
 * decoding errors, so a corrupt page makes Rust panic. In wasm that is a trap thrown from a microtask:
 * an uncaught exception that would kill the user's process while the read promise never settles. In a
 * worker the trap only ends the worker; the pool turns it into a DatasetFormatError naming the file
 * and row group. It also moves decoding off the main thread.
 *
 * Why a string evaluated with `eval: true`: the same code must run from `src/*.ts` under Vitest and
 * from `dist/*.js` after the build, with no loader and no extra file to ship. It is plain CommonJS.
 *
 * Protocol (one file open per worker at a time; every request has an `id` echoed by its reply):
 *   {op:'open', path}                           -> {numRows, rowGroupRows, schemaIpc, createdBy, ...}
 *   {op:'read', rowGroups, batchSize, columns}  -> {}  plans to read these row groups, in this order
 *   {op:'next'}                                 -> {ipc, rowGroup} | {done}: one record batch as Arrow
 *                                                  IPC (transferred), and the row group it belongs to
 *   {op:'close'}                                -> {}
 * Failures reply {id, error, rowGroup}; a panic ends the worker instead. Each row group is its own
 * parquet-wasm stream, so batches never span row groups and errors can name theirs.
 */
export const parquetReadWorkerSource = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { openAsBlob } = require('node:fs');
const parquet = require(workerData.parquetWasmPath);

let file = null;
let reader = null;
let plan = null;
let currentRowGroup = null;

function describe(error) {
  if (error instanceof Error) return error.message;
  return String(error);
}

async function closeReader() {
  if (reader) {
    const current = reader;
    reader = null;
    try { await current.cancel(); } catch {}
  }
}

async function handle(message) {
  switch (message.op) {
    case 'open': {
      await closeReader();
      if (file) { file.free(); file = null; }
      const blob = await openAsBlob(message.path);
      file = await parquet.ParquetFile.fromFile(blob);
      const metadata = file.metadata();
      const rowGroupRows = [];
      for (let i = 0; i < metadata.numRowGroups(); i++) {
        const rowGroup = metadata.rowGroup(i);
        rowGroupRows.push(rowGroup.numRows());
        rowGroup.free();
      }
      const fileMetadata = metadata.fileMetadata();
      const keyValueMetadata = Array.from(fileMetadata.keyValueMetadata().entries())
        .filter(([key]) => key !== 'ARROW:schema');
      const reply = {
        numRows: fileMetadata.numRows(),
        rowGroupRows,
        createdBy: fileMetadata.createdBy() ?? null,
        keyValueMetadata,
        schemaIpc: file.schema().intoIPCStream(),
        bytes: blob.size,
      };
      fileMetadata.free();
      metadata.free();
      return [reply, [reply.schemaIpc.buffer]];
    }
    case 'read': {
      await closeReader();
      plan = { order: message.rowGroups, index: 0, batchSize: message.batchSize, columns: message.columns };
      return [{}, []];
    }
    case 'next': {
      for (;;) {
        if (!plan || plan.index >= plan.order.length) { currentRowGroup = null; return [{ done: true }, []]; }
        currentRowGroup = plan.order[plan.index];
        if (!reader) {
          const options = { rowGroups: [currentRowGroup], batchSize: plan.batchSize };
          if (plan.columns) options.columns = plan.columns;
          reader = (await file.stream(options)).getReader();
        }
        const { done, value } = await reader.read();
        if (done) { reader = null; plan.index++; continue; }
        const ipc = value.intoIPCStream();
        return [{ ipc, rowGroup: currentRowGroup }, [ipc.buffer]];
      }
    }
    case 'close': {
      await closeReader();
      plan = null;
      if (file) { file.free(); file = null; }
      return [{}, []];
    }
    default:
      throw new Error('unknown operation ' + message.op);
  }
}

// Requests are handled one after another so that 'next' never overtakes the 'read' before it.
let queue = Promise.resolve();
parentPort.on('message', (message) => {
  queue = queue.then(async () => {
    try {
      const [reply, transfer] = await handle(message);
      parentPort.postMessage({ id: message.id, ...reply }, transfer);
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: describe(error), rowGroup: currentRowGroup });
    }
  });
});
`;
