import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const fakeVocabularySize = 12;

/**
 * The fake model's log-probabilities after `history` for a row with `adapter` (null: the base): a
 * log-softmax of scores that depend on every token so far and on the adapter, so that a wrong row, a
 * lost token or a mixed-up adapter changes the answer. Computed in float64, sent as float32, exactly
 * like `modelLogProbs` below (the same source text runs in the fake worker).
 */
export function modelLogProbs(adapter: string | null, history: readonly number[]): Float32Array {
  const vocabularySize = 12;
  let adapterSeed = 0;
  for (const char of adapter ?? '') adapterSeed = (adapterSeed * 31 + char.charCodeAt(0)) % 1000;
  let state = 0;
  for (const [position, token] of history.entries())
    state = (state * 7 + (token + 1) * (position + 3)) % 10007;
  const scores: number[] = [];
  for (let index = 0; index < vocabularySize; index++) {
    scores.push(Math.sin(state * 0.013 + index * 1.7 + adapterSeed * 0.37) * 3);
  }
  const max = Math.max(...scores);
  const logSum = max + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - max), 0));
  return Float32Array.from(scores, (score) => score - logSum);
}

// Implements the blending methods of PROTOCOL.md on the fake model above, with the real worker's
// rules that matter to the driver: long methods run one at a time (a second one gets `busy`), every
// step needs one token list per member and equal lengths, unknown groups/handles are `not_found`.
// FAKE_STEP_DELAY_MS keeps each step "running" that long, so overlapping requests would be caught.
// FAKE_FAIL_STEP=n answers the n-th step with an `internal` error. FAKE_CHAT_TEMPLATE=0 reports none.
const script = String.raw`
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
${modelLogProbs.toString()}
const vocabularySize = 12;
const log = process.env.FAKE_LOG;
const delay = Number(process.env.FAKE_STEP_DELAY_MS ?? 0);
const failStep = Number(process.env.FAKE_FAIL_STEP ?? 0);
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const error = (id, code, message) => send({ id, error: { code, message, python_type: 'tonekit_worker.errors.WorkerFailure', traceback: 'Traceback (most recent call last):\n' + message } });
send({ method: 'ready', params: { protocol: 1, worker_version: '0.1.0-fake', python: '3.11.7', platform: 'linux-x86_64',
  capabilities: { torch: '2.13.0', cuda: null, cuda_devices: 0, bf16: false, transformers: '5.18.0', peft: '0.21.0',
  accelerate: '1.15.0', safetensors: '0.6.2', bitsandbytes: null, gguf: null, tokenizers: '0.22.1' } } });
const models = new Map();
const groups = new Map();
let busy = false;
let steps = 0;
let nextModel = 1;
let nextGroup = 1;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (log) appendFileSync(log, line + '\n');
  const { id, method, params } = JSON.parse(line);
  if (method === 'ping') return send({ id, result: { pong: true } });
  if (method === 'shutdown') { send({ id, result: {} }); process.exit(0); }
  if (busy) return send({ id, error: { code: 'busy', message: 'a long request is already running', python_type: null, traceback: null } });
  busy = true;
  setTimeout(() => { busy = false; handle(id, method, params); }, method === 'step' ? delay : 0);
});
function handle(id, method, params) {
  switch (method) {
    case 'load_model': {
      if (params.model === 'missing') return error(id, 'not_found', 'model folder missing does not exist');
      const handle = 'm' + nextModel++;
      models.set(handle, new Set(params.adapters.map((adapter) => adapter.name)));
      return send({ id, result: { handle, vocabulary_size: vocabularySize, vocabulary_hash: 'hash-' + params.model,
        bos: 1, eos: [2, 11], pad: null, has_chat_template: process.env.FAKE_CHAT_TEMPLATE !== '0' } });
    }
    case 'tokenize': {
      if (!models.has(params.handle)) return error(id, 'not_found', 'unknown handle');
      const tokens = [...params.text].map((char) => 3 + (char.charCodeAt(0) % 8));
      return send({ id, result: { tokens: params.add_special_tokens ? [1, ...tokens] : tokens } });
    }
    case 'detokenize':
      return send({ id, result: { text: params.tokens.map((token) => '<' + token + '>').join('') } });
    case 'apply_chat_template':
      return send({ id, result: { text: params.messages.map((m) => m.role + ': ' + m.content + '\n').join('') + (params.add_generation_prompt ? 'assistant:' : '') } });
    case 'open_sequences': {
      const adapters = models.get(params.handle);
      if (!adapters) return error(id, 'not_found', 'unknown handle');
      for (const adapter of params.adapters) if (adapter !== null && !adapters.has(adapter)) return error(id, 'not_found', 'unknown adapter ' + adapter);
      const group = 'g' + nextGroup++;
      groups.set(group, params.adapters.map((adapter) => ({ adapter, history: [] })));
      return send({ id, result: { group } });
    }
    case 'step': {
      const rows = groups.get(params.group);
      if (!rows) return error(id, 'not_found', 'unknown group ' + params.group);
      if (params.tokens.length !== rows.length) return error(id, 'invalid_params', 'one token list per member');
      if (new Set(params.tokens.map((tokens) => tokens.length)).size !== 1) return error(id, 'invalid_params', 'lengths differ');
      steps++;
      if (steps === failStep) return error(id, 'internal', 'fake step failure');
      const log_probs = rows.map((row, index) => {
        row.history.push(...params.tokens[index]);
        return Buffer.from(modelLogProbs(row.adapter, row.history).buffer).toString('base64');
      });
      return send({ id, result: { log_probs } });
    }
    case 'close_sequences':
      if (!groups.delete(params.group)) return error(id, 'not_found', 'unknown group ' + params.group);
      return send({ id, result: {} });
    case 'unload_model':
      models.delete(params.handle);
      return send({ id, result: {} });
    default:
      return error(id, 'unknown_method', 'unknown method ' + method);
  }
}
`;

export interface FakeModelWorker {
  dir: string;
  command: string[];
  /** An executable that runs the fake whatever its arguments: usable as `python`. */
  pythonStandIn: string;
  cleanup(): Promise<void>;
}

export async function writeFakeModelWorker(): Promise<FakeModelWorker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tonekit-fake-model-worker-'));
  const scriptPath = path.join(dir, 'fake-model-worker.mjs');
  await writeFile(scriptPath, script);
  const pythonStandIn = path.join(dir, 'python');
  await writeFile(
    pythonStandIn,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(scriptPath)}\n`,
  );
  await chmod(pythonStandIn, 0o755);
  return {
    dir,
    command: [process.execPath, scriptPath],
    pythonStandIn,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
