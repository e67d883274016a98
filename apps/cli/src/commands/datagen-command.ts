import * as path from 'node:path';
import { type DatagenEvent, generateDataset } from '@tonekit/datagen';
import { readSourceFiles } from '@tonekit/dataset';
import { DEFAULT_EMBEDDING_MODEL } from '@tonekit/embeddings';
import { READABILITY_MODES, REPHRASE_THRESHOLD, type ReadabilityMode } from '@tonekit/readability';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { CHAT_PROVIDERS, type ChatProvider, resolveChatModel } from '../datagen/resolve-chat-model.js';
import { DEFAULT_DATAGEN_SOURCE, resolveSourceFiles } from '../datagen/resolve-source-files.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { resolveEmbedder } from '../embeddings/resolve-embedder.js';
import { writeText } from '../io/write-text.js';
import { parseThreshold } from './parse-threshold.js';
import { wholeNumber } from './whole-number.js';

interface DatagenCommandOptions {
  source: string;
  out: string;
  count: number;
  validation: number;
  minChars: number;
  seed: number;
  temperature?: number;
  concurrency: number;
  provider: ChatProvider;
  model?: string;
  baseUrl?: string;
  lora?: string[];
  threads?: number;
  contextSize?: number;
  gpu?: 'auto' | 'cpu';
  embedder?: string;
  embedderBaseUrl?: string;
  embedderModel?: string;
  embedderDimensions?: number;
  budgetTokens?: number;
  budgetUsd?: number;
  readabilityMode: ReadabilityMode;
  rephraseThreshold: number;
  offline?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ OPENROUTER_API_KEY=... tonekit datagen --count 100 --out data/
  $ tonekit datagen --provider local --base-url http://127.0.0.1:8080/v1 --model qwen2.5-7b-instruct \\
      --source ./chunks.jsonl --out data/
  $ tonekit datagen --provider llama-cpp --model ./qwen2.5-1.5b-instruct-q4_k_m.gguf --threads 4 --out data/
  $ tonekit datagen --source ./wiki/ --dry-run --out data/
  $ tonekit datagen --count 10000 --budget-usd 5 --out data/     # stops cleanly at $5; rerun to resume

Seed A's pipeline: for each source chunk of at least --min-chars characters (seeded shuffle), ask for one
grounded question + answer, drop the question when its embedding has cosine > 0.8 with a kept one (before
paying for rephrasing), rephrase the answer conversationally and simplify up to 3 more times until Flesch
reading ease >= 75, else discard. Writes <out>/dataset/ (train, validation, nested subsets, manifest),
<out>/run.json and <out>/checkpoint.jsonl. Rerunning with the same --out resumes: no kept sample is lost or
duplicated and no completed call is paid again; a changed configuration is refused.

Environment:
  OPENROUTER_API_KEY / OPENAI_API_KEY   generator keys for --provider openrouter / openai
  TONEKIT_LOCAL_API_KEY                 optional key for --provider local
                                        (--provider llama-cpp runs a local GGUF file in-process: no key)
  TONEKIT_EMBEDDER_API_KEY              key for --embedder-base-url (else OPENAI_API_KEY)
  HF_TOKEN, HF_HOME, HF_HUB_OFFLINE=1   Hugging Face Hub access, cache and offline mode
  TONEKIT_MODEL_CACHE                   where the local embedding model is kept
`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!(parsed >= 0) || !Number.isFinite(parsed))
      throw CliError.usage(`${flag} ${value}: expected a number >= 0`);
    return parsed;
  };
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!(parsed > 0) || !Number.isFinite(parsed))
      throw CliError.usage(`${flag} ${value}: expected a positive number`);
    return parsed;
  };
}

export function createDatagenCommand(io: ResolvedCliIo): Command {
  return new Command('datagen')
    .description('Generate a conversational Q&A dataset from text chunks with an LLM (seed A, resumable).')
    .requiredOption('--out <dir>', 'output folder (rerun with the same folder to resume)')
    .option(
      '--source <file|folder|glob|hf://...>',
      'source chunks: Parquet, JSONL or text files, or a Hub dataset',
      DEFAULT_DATAGEN_SOURCE,
    )
    .option('--count <n>', 'pairs to keep', wholeNumber('--count', 1), 10_000)
    .option('--validation <n>', 'validation pairs', wholeNumber('--validation', 0), 1_000)
    .option('--min-chars <n>', 'skip chunks shorter than this', wholeNumber('--min-chars', 0), 700)
    .option('--seed <n>', 'shuffle and split seed', wholeNumber('--seed', 0), 0)
    .option('--concurrency <n>', 'chunks in flight', wholeNumber('--concurrency', 1), 16)
    .option(
      '--temperature <t>',
      "sampling temperature (default: the provider's)",
      nonNegativeNumber('--temperature'),
    )
    .addOption(new Option('--provider <name>', 'generator API').choices(CHAT_PROVIDERS).default('openrouter'))
    .option(
      '--model <id>',
      'generator model (openrouter default: google/gemini-2.0-flash-001; llama-cpp: a .gguf file)',
    )
    .option('--base-url <url>', 'OpenAI-compatible endpoint (required for --provider local)')
    .option('--lora <file[=scale]>', 'llama-cpp: GGUF LoRA adapter (repeatable)', collect, [])
    .option('--threads <n>', 'llama-cpp: CPU threads (default: all cores)', wholeNumber('--threads', 1))
    .option(
      '--context-size <n>',
      'llama-cpp: context tokens per sequence (default 4096)',
      wholeNumber('--context-size', 64),
    )
    .addOption(
      new Option('--gpu <mode>', 'llama-cpp: use a GPU when available')
        .choices(['auto', 'cpu'])
        .default('auto'),
    )
    .option(
      '--embedder <id|dir>',
      `question embedder: a Hub id or a local folder (default ${DEFAULT_EMBEDDING_MODEL})`,
    )
    .option('--embedder-base-url <url>', 'use an OpenAI-compatible /embeddings endpoint instead')
    .option('--embedder-model <id>', 'model name for --embedder-base-url')
    .option(
      '--embedder-dimensions <n>',
      'vector size for --embedder-base-url',
      wholeNumber('--embedder-dimensions', 1),
    )
    .option('--budget-tokens <n>', 'stop cleanly after this many tokens', wholeNumber('--budget-tokens', 1))
    .option(
      '--budget-usd <amount>',
      'stop cleanly at this provider-reported cost',
      positiveNumber('--budget-usd'),
    )
    .addOption(
      new Option('--readability-mode <mode>', 'textstat release for Flesch')
        .choices(READABILITY_MODES)
        .default('textstat-0.7.11'),
    )
    .option(
      '--rephrase-threshold <fre>',
      'keep answers with Flesch reading ease >= this after rephrasing',
      parseThreshold,
      REPHRASE_THRESHOLD,
    )
    .option('--offline', 'use only cached models and datasets')
    .option('--dry-run', 'count eligible chunks and exit without calling any model')
    .option('--json', 'print progress events as JSON lines on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async (options: DatagenCommandOptions) => {
      await runDatagen(options, io);
    });
}

async function runDatagen(options: DatagenCommandOptions, io: ResolvedCliIo): Promise<void> {
  const offline = options.offline === true || io.env['HF_HUB_OFFLINE'] === '1';
  const progress = createProgressLine(io.stderr);
  const files = await resolveSourceFiles(options.source, {
    cwd: io.cwd,
    env: io.env,
    offline,
    onEvent: (event) => {
      if (event.type === 'hub-download-progress') {
        progress.update(
          `downloading ${event.file}: ${Math.round((100 * event.bytes) / (event.totalBytes || 1))}%`,
        );
      }
    },
  });

  if (options.dryRun) {
    let eligible = 0;
    let characters = 0;
    for await (const document of readSourceFiles(files, { minCharacters: options.minChars })) {
      eligible++;
      characters += document.text.length;
    }
    progress.done();
    const summary = {
      source: options.source,
      files: files.length,
      eligibleChunks: eligible,
      characters,
      minChars: options.minChars,
      count: options.count,
    };
    await writeText(
      io.stdout,
      options.json
        ? `${JSON.stringify(summary)}\n`
        : `${eligible.toLocaleString('en-US')} chunks of >= ${options.minChars} characters in ${files.length} file(s) ` +
            `(${characters.toLocaleString('en-US')} characters); the run needs at least ${options.count.toLocaleString('en-US')} ` +
            `(more when questions are deduplicated or answers discarded).\nNo model was called.\n`,
    );
    return;
  }

  const chatModel = resolveChatModel(
    { ...options, parallelSequences: Math.min(options.concurrency, 4) },
    { cwd: io.cwd, env: io.env },
  );
  const embedder = await resolveEmbedder(options, io, offline);
  const started = Date.now();
  const rejected = new Map<string, number>();
  let lastFailure: string | undefined;
  let retries = 0;
  let kept = 0;
  let tokens = 0;
  let cost: number | undefined;
  try {
    const result = await generateDataset(
      {
        source: { files },
        outputDir: path.resolve(io.cwd, options.out),
        count: options.count,
        validationSize: options.validation,
        minCharacters: options.minChars,
        seed: options.seed,
        ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        concurrency: options.concurrency,
        readabilityMode: options.readabilityMode,
        rephraseThreshold: options.rephraseThreshold,
        budget: {
          ...(options.budgetTokens === undefined ? {} : { maxTokens: options.budgetTokens }),
          ...(options.budgetUsd === undefined ? {} : { maxCostUsd: options.budgetUsd }),
        },
      },
      {
        chatModel,
        embedder,
        onEvent: (event: DatagenEvent) => {
          if (options.json) {
            io.stdout.write(`${JSON.stringify(event)}\n`);
            return;
          }
          if (event.type === 'sample-rejected') {
            rejected.set(event.reason, (rejected.get(event.reason) ?? 0) + 1);
            if (event.detail !== undefined)
              lastFailure = `${event.reason} (${event.sourceId}): ${event.detail}`;
          }
          if (event.type === 'sample-accepted') kept = event.kept;
          if (event.type === 'usage') {
            tokens = event.total.totalTokens;
            cost = event.total.costUsd ?? cost;
          }
          const seconds = (Date.now() - started) / 1000;
          const eta = kept > 0 ? ((options.count - kept) * seconds) / kept : undefined;
          if (event.type === 'call-retried') retries++;
          const reasons = [...rejected].map(([reason, n]) => `${reason} ${n}`).join(', ');
          progress.update(
            `kept ${kept}/${options.count}` +
              (reasons ? ` | rejected: ${reasons}` : '') +
              (retries > 0 ? ` | ${retries} retries` : '') +
              ` | ${tokens.toLocaleString('en-US')} tokens` +
              (cost === undefined ? '' : ` | $${cost.toFixed(4)}`) +
              (eta === undefined ? '' : ` | ETA ${Math.round(eta)} s`),
            event.type === 'done',
          );
        },
      },
    );
    progress.done();
    if (options.json) return;
    const counts = result.counts;
    await writeText(
      io.stdout,
      `Stopped: ${result.manifest.stopReason} — kept ${counts.kept} of ${counts.target}\n` +
        `Chunks: ${counts.sourcesRead} read, ${counts.tooShort} too short, ${counts.chunksProcessed} processed\n` +
        `Rejected: ${counts.dedupRejected} duplicate questions (≈${counts.rephraseCallsSavedByDedup} rephrase calls saved), ` +
        `${counts.questionParseFailed} unparsable, ${counts.questionFailed + counts.embedFailed + counts.rephraseFailed} API failures, ` +
        `${counts.discardedUnreadable} still below FRE ${options.rephraseThreshold} after simplifying\n` +
        `Calls: ${counts.paidCalls} paid, ${counts.replayedCalls} replayed from the checkpoint, ` +
        `${counts.retriedAttempts} failed attempts retried\n` +
        (lastFailure === undefined ? '' : `Last failure: ${lastFailure}\n`) +
        (result.datasetDir
          ? `Dataset: ${path.relative(io.cwd, result.datasetDir) || '.'}\n`
          : 'Dataset: not written (too few pairs kept)\n'),
    );
  } finally {
    progress.done();
    if (embedder && 'dispose' in embedder && typeof embedder.dispose === 'function') await embedder.dispose();
    if ('dispose' in chatModel && typeof chatModel.dispose === 'function') await chatModel.dispose();
  }
}
