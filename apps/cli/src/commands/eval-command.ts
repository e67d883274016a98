import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Embedder } from '@tonekit/core';
import { createTransformersTokenEmbedder, type TransformersTokenEmbedder } from '@tonekit/embeddings';
import {
  type EvaluateEvent,
  type EvaluationMetrics,
  evaluate,
  evaluateBlendSweep,
  evaluateResponses,
  type MetricGroup,
  metricGroups,
  type RunDescription,
} from '@tonekit/evaluator';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { CHAT_PROVIDERS, type ChatProvider, resolveChatModel } from '../datagen/resolve-chat-model.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { resolveEmbedder } from '../embeddings/resolve-embedder.js';
import { writeText } from '../io/write-text.js';
import { parseThreshold } from './parse-threshold.js';
import { wholeNumber } from './whole-number.js';

interface EvalCommandOptions {
  out: string;
  bertscoreModel?: string;
  bertscoreLayer?: number;
  dataset?: string;
  responses?: string;
  sweep?: string;
  split: string;
  limit?: number;
  systemPrompt?: string;
  provider: ChatProvider;
  model?: string;
  baseUrl?: string;
  lora: string[];
  threads?: number;
  contextSize?: number;
  gpu?: 'auto' | 'cpu';
  concurrency: number;
  maxTokens: number;
  temperature: number;
  label?: string;
  family?: string;
  variant: RunDescription['variant'];
  trainingSamples?: number;
  precision?: string;
  loraRank?: number;
  learningRate?: number;
  blendName?: string;
  testSet?: string;
  metrics?: string;
  similarity: boolean;
  embedder?: string;
  embedderBaseUrl?: string;
  embedderModel?: string;
  embedderDimensions?: number;
  threshold: number;
  bootstrap: number;
  seed: number;
  offline?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit eval --dataset data/dataset --provider llama-cpp --model ./base.gguf \\
      --system-prompt verbose --variant base --out runs/base
  $ tonekit eval --dataset data/dataset --provider llama-cpp --model ./base.gguf --lora ./lora.gguf \\
      --system-prompt concise --variant fine-tuned --training-samples 1000 --lora-rank 32 --out runs/r32-1000
  $ OPENAI_API_KEY=... tonekit eval --dataset data/dataset --provider openai --model ft:gpt-4o-mini:... \\
      --system-prompt concise --variant fine-tuned --training-samples 9000 --out runs/gpt-4o-mini-9000
  $ tonekit eval --responses answers.jsonl --out runs/external --no-similarity
  $ tonekit eval --sweep blend-out/ --blend-name "1B ED×WoW" --test-set ED --out runs/sweep-ed
  $ tonekit report runs/ --out report/

Three sources of responses: a model answering a dataset split (--dataset), a JSONL/Parquet file with
"response" and "reference" columns (--responses), or a folder of alpha-<α>.jsonl mixes from
\`tonekit blend --alphas\` (--sweep). Each writes metrics.json (the report's input), responses.parquet
and run.json; --dataset also writes responses.jsonl and resumes from it when rerun.

Metrics: conversational (% with Flesch >= --threshold, default 60), similarity (cosine of response and
reference embeddings; gte-modernbert-base by default, --no-similarity to skip), bleu (sacreBLEU),
wer (jiwer), length, diversity (distinct-1/2, MATTR), each with a seeded bootstrap 95% interval.
`;

function finiteNumber(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw CliError.usage(`${flag} ${value}: expected a number`);
    return parsed;
  };
}

export function createEvalCommand(io: ResolvedCliIo): Command {
  return new Command('eval')
    .description("Evaluate a model's answers (or existing responses) with seed A's and seed B's metrics.")
    .requiredOption('--out <dir>', 'run folder: metrics.json, responses.parquet, run.json')
    .option('--dataset <dir>', 'a dataset folder from `tonekit datagen`: the model answers its questions')
    .option('--responses <file>', 'score an existing JSONL/Parquet file of responses (no model)')
    .option('--sweep <dir>', 'score a folder of alpha-<α>.jsonl blend mixes (one run per α)')
    .option('--split <name>', 'dataset split to answer', 'validation')
    .option('--limit <n>', 'answer only the first n questions', wholeNumber('--limit', 1))
    .option(
      '--system-prompt <preset|text>',
      'concise (fine-tuned), verbose (base-model prompting) or your own text',
    )
    .addOption(new Option('--provider <name>', 'model API').choices(CHAT_PROVIDERS).default('openrouter'))
    .option('--model <id>', 'model id, or a .gguf file for --provider llama-cpp')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (required for --provider local)')
    .option(
      '--lora <file[=scale]>',
      'llama-cpp: GGUF LoRA adapter (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--threads <n>', 'llama-cpp: CPU threads', wholeNumber('--threads', 1))
    .option('--context-size <n>', 'llama-cpp: context tokens per sequence', wholeNumber('--context-size', 64))
    .addOption(
      new Option('--gpu <mode>', 'llama-cpp: use a GPU when available')
        .choices(['auto', 'cpu'])
        .default('auto'),
    )
    .option('--concurrency <n>', 'questions in flight', wholeNumber('--concurrency', 1), 8)
    .option('--max-tokens <n>', 'answer length limit', wholeNumber('--max-tokens', 1), 512)
    .option('--temperature <t>', 'sampling temperature', finiteNumber('--temperature'), 0)
    .option('--label <text>', 'legend/row label in the report (default: the --out folder name)')
    .option('--family <name>', 'model family the figures group by, e.g. "Llama 3.2 1B" (default: --model)')
    .addOption(
      new Option('--variant <kind>', 'what the run is in the figures')
        .choices(['base', 'fine-tuned', 'blend'])
        .default('base'),
    )
    .option(
      '--training-samples <n>',
      'fine-tune size (x axis of seed A Fig. 3/4)',
      wholeNumber('--training-samples', 0),
    )
    .option('--precision <name>', 'fine-tune base precision, e.g. bfloat16 or int8')
    .option('--lora-rank <r>', 'fine-tune LoRA rank', wholeNumber('--lora-rank', 1))
    .option('--learning-rate <lr>', 'fine-tune max learning rate', finiteNumber('--learning-rate'))
    .option('--blend-name <name>', '--sweep: the blend, e.g. "1B ED×WoW"')
    .option('--test-set <name>', '--sweep: the test set answered, e.g. ED or WoW')
    .option(
      '--metrics <list>',
      `comma-separated subset of ${metricGroups.filter((group) => group !== 'bertscore').join(',')}`,
    )
    .option('--no-similarity', 'skip the embedding similarity (no embedder is loaded)')
    .option(
      '--bertscore-model <dir|id>',
      'add BERTScore (seed B): a local encoder folder or a cached Hub id (seed B: roberta-large, layer 17)',
    )
    .option(
      '--bertscore-layer <n>',
      'encoder layer BERTScore reads (default: the last)',
      wholeNumber('--bertscore-layer', 0),
    )
    .option(
      '--embedder <id|dir>',
      'similarity embedder: Hub id or local folder (default Alibaba-NLP/gte-modernbert-base)',
    )
    .option('--embedder-base-url <url>', 'use an OpenAI-compatible /embeddings endpoint instead')
    .option('--embedder-model <id>', 'model name for --embedder-base-url')
    .option(
      '--embedder-dimensions <n>',
      'vector length for --embedder-base-url',
      wholeNumber('--embedder-dimensions', 1),
    )
    .option('--threshold <fre>', 'Flesch reading ease that counts as conversational', parseThreshold, 60)
    .option('--bootstrap <n>', 'bootstrap resamples for the intervals', wholeNumber('--bootstrap', 1), 1000)
    .option('--seed <n>', 'bootstrap and sampling seed', wholeNumber('--seed', 0), 0)
    .option('--offline', 'use only cached models')
    .option('--json', 'print progress events and the metrics as JSON lines')
    .addHelpText('after', EXAMPLES)
    .action(async (options: EvalCommandOptions) => {
      await runEval(options, io);
    });
}

function parseMetrics(value: string | undefined, similarity: boolean): MetricGroup[] {
  const groups = (value ?? metricGroups.filter((group) => group !== 'bertscore').join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const group of groups) {
    if (!(metricGroups as readonly string[]).includes(group) || group === 'bertscore') {
      throw CliError.usage(
        `--metrics ${group}: unknown; choose from ${metricGroups.filter((g) => g !== 'bertscore').join(', ')}`,
      );
    }
  }
  return (groups as MetricGroup[]).filter((group) => similarity || group !== 'similarity');
}

/** A folder given as a path (`./x`, `/x`, `../x`, or anything that exists) rather than a Hub id. */
function isLocalPath(value: string, cwd: string): boolean {
  return /^(\.{0,2}\/|~)/.test(value) || existsSync(path.resolve(cwd, value));
}

async function runEval(options: EvalCommandOptions, io: ResolvedCliIo): Promise<void> {
  const sources = [options.dataset, options.responses, options.sweep].filter((value) => value !== undefined);
  if (sources.length !== 1) throw CliError.usage('give exactly one of --dataset, --responses or --sweep');
  if (options.sweep !== undefined && options.blendName === undefined) {
    throw CliError.usage('--sweep needs --blend-name (e.g. --blend-name "1B ED×WoW")');
  }
  const offline = options.offline === true || io.env['HF_HUB_OFFLINE'] === '1';
  const metrics = parseMetrics(options.metrics, options.similarity);
  const outputDir = path.resolve(io.cwd, options.out);
  const run: RunDescription = {
    label: options.label ?? path.basename(outputDir),
    model: options.family ?? options.model ?? options.blendName ?? 'model',
    variant: options.variant,
    ...(options.trainingSamples === undefined ? {} : { trainingSamples: options.trainingSamples }),
    ...(options.precision === undefined &&
    options.loraRank === undefined &&
    options.learningRate === undefined
      ? {}
      : {
          configuration: {
            ...(options.precision === undefined ? {} : { precision: options.precision }),
            ...(options.loraRank === undefined ? {} : { loraRank: options.loraRank }),
            ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }),
          },
        }),
    ...(options.systemPrompt === undefined ? {} : { systemPrompt: options.systemPrompt }),
  };
  const progress = createProgressLine(io.stderr);
  const embedder: Embedder | undefined = metrics.includes('similarity')
    ? await resolveEmbedder(options, io, offline)
    : undefined;
  const tokenEmbedder: TransformersTokenEmbedder | undefined =
    options.bertscoreModel === undefined
      ? undefined
      : await createTransformersTokenEmbedder({
          ...(isLocalPath(options.bertscoreModel, io.cwd)
            ? { localPath: path.resolve(io.cwd, options.bertscoreModel) }
            : { model: options.bertscoreModel, allowRemote: !offline }),
          ...(options.bertscoreLayer === undefined ? {} : { layer: options.bertscoreLayer }),
        });
  const common = {
    metrics: tokenEmbedder === undefined ? metrics : [...metrics, 'bertscore' as const],
    ...(tokenEmbedder === undefined ? {} : { tokenEmbedder }),
    ...(embedder === undefined ? {} : { embedder }),
    conversationalThreshold: options.threshold,
    bootstrap: { resamples: options.bootstrap, seed: options.seed },
  };
  let chatModel: ReturnType<typeof resolveChatModel> | undefined;
  try {
    let results: EvaluationMetrics[];
    if (options.dataset !== undefined) {
      chatModel = resolveChatModel(
        { ...options, parallelSequences: Math.min(options.concurrency, 4) },
        { cwd: io.cwd, env: io.env },
      );
      const result = await evaluate({
        ...common,
        model: chatModel,
        dataset: path.resolve(io.cwd, options.dataset),
        split: options.split as 'validation',
        outputDir,
        run,
        ...(options.systemPrompt === undefined ? {} : { systemPrompt: options.systemPrompt }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        concurrency: options.concurrency,
        maxTokens: options.maxTokens,
        temperature: options.temperature,
        seed: options.seed,
        onEvent: (event: EvaluateEvent) => {
          if (options.json) io.stdout.write(`${JSON.stringify(event)}\n`);
          else if (event.type === 'response-generated')
            progress.update(`answered ${event.done}/${event.total}`);
          else if (event.type === 'scoring-started') progress.update(`scoring ${event.pairs} responses`);
        },
      });
      if (result.failed > 0) {
        io.stderr.write(
          `${result.failed} question(s) failed after retries; rerun the same command to retry them.\n`,
        );
      }
      results = [result.metrics];
    } else if (options.responses !== undefined) {
      progress.update('scoring');
      const result = await evaluateResponses({
        ...common,
        responses: path.resolve(io.cwd, options.responses),
        outputDir,
        run,
      });
      results = [result.metrics];
    } else {
      progress.update('scoring the sweep');
      results = await evaluateBlendSweep({
        ...common,
        sweepDir: path.resolve(io.cwd, options.sweep as string),
        outputDir,
        blendName: options.blendName as string,
        ...(options.testSet === undefined ? {} : { testSet: options.testSet }),
        ...(options.family === undefined ? {} : { model: options.family }),
      });
    }
    progress.done();
    if (options.json) {
      for (const result of results) io.stdout.write(`${JSON.stringify({ type: 'metrics', ...result })}\n`);
      return;
    }
    await writeText(io.stdout, results.map(formatMetrics).join('\n'));
    await writeText(io.stdout, `Written to ${path.relative(io.cwd, outputDir) || '.'}\n`);
  } finally {
    progress.done();
    for (const disposable of [chatModel, embedder, tokenEmbedder]) {
      if (disposable && 'dispose' in disposable && typeof disposable.dispose === 'function')
        await disposable.dispose();
    }
  }
}

const metricLabels: Record<string, string> = {
  conversationalPercent: '% conversational',
  fleschMean: 'mean Flesch',
  similarity: 'similarity',
  bleu: 'BLEU',
  wer: 'WER',
  averageResponseLength: 'avg words',
  distinct1: 'distinct-1',
  distinct2: 'distinct-2',
  mattr: 'MATTR',
};

function formatMetrics(result: EvaluationMetrics): string {
  const lines = [`${result.run.label} — ${result.count} responses`];
  for (const [name, aggregate] of Object.entries(result.metrics)) {
    if (aggregate === undefined) continue;
    const ci = aggregate.ci ? ` [${aggregate.ci.lower.toFixed(3)}, ${aggregate.ci.upper.toFixed(3)}]` : '';
    lines.push(`  ${(metricLabels[name] ?? name).padEnd(17)} ${aggregate.value.toFixed(3)}${ci}`);
  }
  if (result.settings.bleuSignature) lines.push(`  BLEU signature    ${result.settings.bleuSignature}`);
  return `${lines.join('\n')}\n`;
}
