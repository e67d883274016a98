import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_EMBEDDING_MODEL, type TransformersEmbedderSettings } from '@tonekit/embeddings';
import { type Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';

/** The model flags `embed` and `dedup` share, as commander parses them. */
export interface EmbedderFlags {
  model?: string;
  modelPath?: string;
  offline?: boolean;
  cacheDir?: string;
  dtype?: string;
  pooling?: 'cls' | 'mean';
  batchSize: number;
  maxLength?: number;
  threads?: number;
}

export const EMBEDDER_ENVIRONMENT = `
Environment:
  TONEKIT_MODEL_CACHE   where downloaded embedding models are kept (default ~/.cache/tonekit/models)
  HF_HUB_OFFLINE=1      never download; same as --offline
  HF_TOKEN              token for gated or private models on the Hugging Face Hub`;

function positiveInteger(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < 1) {
      throw CliError.usage(`${flag} ${value}: expected a positive whole number`);
    }
    return parsed;
  };
}

export function addEmbedderOptions(command: Command): Command {
  return command
    .option('--model <id>', `Hugging Face model id with ONNX weights (default ${DEFAULT_EMBEDDING_MODEL})`)
    .option('--model-path <dir>', 'a local model folder (config.json, tokenizer.json, onnx/model.onnx)')
    .option('--offline', 'never download a model; use the cache or --model-path only')
    .option(
      '--cache-dir <dir>',
      'model download cache (default $TONEKIT_MODEL_CACHE or ~/.cache/tonekit/models)',
    )
    .option('--dtype <dtype>', 'ONNX weights to load: fp32 (default), fp16, q8, int8, uint8, q4')
    .addOption(new Option('--pooling <pooling>', 'override the model’s pooling').choices(['cls', 'mean']))
    .option('--batch-size <n>', 'texts per model run', positiveInteger('--batch-size'), 32)
    .option('--max-length <n>', 'truncate texts to this many tokens', positiveInteger('--max-length'))
    .option('--threads <n>', 'CPU threads for onnxruntime', positiveInteger('--threads'));
}

/** Turns flags and environment into embedder settings; only the app reads the environment. */
export function resolveEmbedderSettings(
  flags: EmbedderFlags,
  io: ResolvedCliIo,
): TransformersEmbedderSettings {
  const env = io.env;
  const offline = flags.offline === true || env['HF_HUB_OFFLINE'] === '1' || env['TONEKIT_OFFLINE'] === '1';
  const cacheDir =
    flags.cacheDir ?? env['TONEKIT_MODEL_CACHE'] ?? path.join(os.homedir(), '.cache', 'tonekit', 'models');
  const settings: TransformersEmbedderSettings = {
    allowRemote: !offline,
    cacheDir: path.resolve(io.cwd, cacheDir),
    batchSize: flags.batchSize,
  };
  if (flags.modelPath !== undefined) settings.localPath = path.resolve(io.cwd, flags.modelPath);
  if (flags.model !== undefined) settings.model = flags.model;
  if (flags.dtype !== undefined) settings.dtype = flags.dtype as TransformersEmbedderSettings['dtype'];
  if (flags.pooling !== undefined) settings.pooling = flags.pooling;
  if (flags.maxLength !== undefined) settings.maxLength = flags.maxLength;
  if (flags.threads !== undefined) settings.threads = flags.threads;
  return settings;
}
