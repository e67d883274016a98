import * as path from 'node:path';
import { resolveSystemPrompt } from '@tonekit/core';
import { type BlendedToken, streamBlend } from '@tonekit/logit-blend';
import { Command, Option } from 'commander';
import {
  BLEND_BACKENDS,
  type BlendBackend,
  type OpenedBlendSources,
  openBlendSources,
  parseWeightedPath,
  type WeightedPath,
} from '../blend/open-blend-sources.js';
import { readBlendPrompts, runBlendSweep } from '../blend/run-blend-sweep.js';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { readTextInput } from '../io/read-text-input.js';
import { writeText } from '../io/write-text.js';
import { resolveTrainerPython } from '../train/resolve-trainer-python.js';
import { wholeNumber } from './whole-number.js';

interface BlendCommandOptions {
  model: WeightedPath[];
  lora: WeightedPath[];
  backend: BlendBackend;
  alpha?: number;
  alphas?: number[];
  prompts?: string;
  out?: string;
  system?: string;
  raw?: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed?: number;
  maxTokens: number;
  stop: string[];
  attribution?: boolean;
  json?: boolean;
  threads?: number;
  contextSize?: number;
  gpu: 'auto' | 'cpu';
  python?: string;
}

const EXAMPLES = `
Examples:
  $ tonekit blend --model empathetic.gguf=0.25 --model wiki.gguf=0.75 "My dog died last week."
  $ tonekit blend --model base.gguf --lora ed-lora.gguf=0.5 --lora wow-lora.gguf=0.5 --attribution "Tell me about Mars."
  $ tonekit blend --model a.gguf --model b.gguf --alpha 0.25 --temperature 0.7 --top-p 0.9 --seed 7 "Hi!"
  $ tonekit blend --model base.gguf --lora ed.gguf --lora wow.gguf --alphas 0,0.25,0.5,0.75,1 \\
      --prompts data/ed/test.jsonl --out blends/ed        # then: tonekit eval --sweep blends/ed --out evals/ed
  $ tonekit blend --backend worker --model ./Llama-3.2-1B --lora runs/ed/adapter=0.5 --lora runs/wow/adapter=0.5 "Hi"

At every step each model's next-token log-probabilities are averaged with the weights
(x = Σ wᵢ·log pᵢ / Σ wᵢ), one token is drawn from the blend (temperature, top-k/p, min-p apply after
blending), and that token is fed to every model. Models must share one vocabulary. --alpha a (two
models) means weights [a, 1 − a]: a is the weight of the FIRST model (or --lora).
--alphas writes <out>/alpha-<a>.jsonl per mix ({id, question, reference, response}); rerun to resume.
Backends: llama-cpp (GGUF files, GGUF LoRA adapters), onnx (transformers.js model folders), worker
(a Hugging Face model folder with PEFT adapters in the Python worker: every adapter in one batched
forward per token; see \`tonekit trainer doctor\`).
`;

function collectWeightedPaths(value: string, previous: WeightedPath[] = []): WeightedPath[] {
  return [...previous, parseWeightedPath(value)];
}

function numberIn(flag: string, minimum: number, maximum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < minimum || parsed > maximum)
      throw CliError.usage(`${flag} ${value}: expected a number from ${minimum} to ${maximum}`);
    return parsed;
  };
}

function alphaList(value: string): number[] {
  const alphas = value.split(',').map((item) => Number(item.trim()));
  if (alphas.length === 0 || alphas.some((alpha) => !Number.isFinite(alpha)))
    throw CliError.usage(`--alphas ${value}: expected comma-separated numbers such as 0,0.25,0.5,0.75,1`);
  return alphas;
}

export function createBlendCommand(io: ResolvedCliIo): Command {
  return new Command('blend')
    .description('Steer style at run time: blend several models token by token (seed B).')
    .argument('[prompt...]', 'the user message (default: stdin); not used with --alphas')
    .option(
      '--model <file[=weight]>',
      'a model to blend (repeatable); with --lora: the one base',
      collectWeightedPaths,
      [],
    )
    .option(
      '--lora <adapter[=weight]>',
      'a LoRA adapter of the --model base, blended as its own model (repeatable)',
      collectWeightedPaths,
      [],
    )
    .addOption(new Option('--backend <name>', 'how models run').choices(BLEND_BACKENDS).default('llama-cpp'))
    .option('--alpha <a>', 'two models: weights [a, 1 − a]', numberIn('--alpha', -100, 100))
    .option('--alphas <list>', 'run every mix over --prompts, one JSONL per α into --out', alphaList)
    .option('--prompts <file.jsonl>', 'with --alphas: prompts (messages or question, + reference)')
    .option('--out <dir>', 'with --alphas: where alpha-<α>.jsonl files go')
    .option('--system <preset|text>', 'system prompt: concise, verbose, or your own text (default none)')
    .option('--raw', 'continue the prompt as plain text, without the chat template')
    .option('--temperature <t>', '0 = greedy', numberIn('--temperature', 0, 100), 1)
    .option('--top-k <k>', '0 = off', wholeNumber('--top-k', 0), 0)
    .option('--top-p <p>', '1 = off', numberIn('--top-p', 0, 1), 1)
    .option('--min-p <p>', '0 = off', numberIn('--min-p', 0, 1), 0)
    .option('--seed <n>', 'sampling seed (default: random, printed)', wholeNumber('--seed', 0))
    .option('--max-tokens <n>', 'most tokens per answer', wholeNumber('--max-tokens', 1), 512)
    .option(
      '--stop <text>',
      'stop string (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
      [],
    )
    .option('--attribution', "print each token with every model's probability (* = that model's argmax)")
    .option('--json', 'print stream parts as JSON lines')
    .option('--threads <n>', 'CPU threads per model', wholeNumber('--threads', 1))
    .option('--context-size <n>', 'tokens per sequence', wholeNumber('--context-size', 16))
    .addOption(
      new Option('--gpu <mode>', 'use a GPU when available').choices(['auto', 'cpu']).default('auto'),
    )
    .option('--python <path>', '--backend worker: Python interpreter')
    .addHelpText('after', EXAMPLES)
    .action(async (prompt: string[], options: BlendCommandOptions) => {
      if (options.alphas !== undefined && (options.prompts === undefined || options.out === undefined))
        throw CliError.usage('--alphas needs --prompts <file.jsonl> and --out <dir>');
      const opened = await openBlendSources(
        {
          backend: options.backend,
          models: options.model,
          loras: options.lora,
          gpu: options.gpu,
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
          ...(options.backend === 'worker' ? { python: await resolveTrainerPython(options.python, io) } : {}),
        },
        { cwd: io.cwd, signal: io.interrupt },
      );
      try {
        if (options.alphas !== undefined) await runSweepCommand(options, opened, io);
        else await runSingleBlend(prompt, options, opened, io);
      } finally {
        await opened.dispose();
      }
    });
}

function samplingOptions(options: BlendCommandOptions) {
  return {
    temperature: options.temperature,
    topK: options.topK,
    topP: options.topP,
    minP: options.minP,
    maxTokens: options.maxTokens,
    stop: options.stop,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
}

/** Weights from `=w` suffixes or --alpha; equal weights when neither is given. */
function resolveWeights(
  options: BlendCommandOptions,
  opened: OpenedBlendSources,
): { weights?: number[]; alpha?: number } {
  const given = opened.weights.filter((weight) => weight !== undefined).length;
  if (options.alpha !== undefined) {
    if (given > 0) throw CliError.usage('give weights either as file=weight or with --alpha, not both');
    if (opened.sources.length !== 2)
      throw CliError.usage(`--alpha blends exactly two models; got ${opened.sources.length}`);
    return { alpha: options.alpha };
  }
  if (given === 0) return {};
  if (given !== opened.weights.length)
    throw CliError.usage('give every model a weight (file=weight) or none (equal weights)');
  return { weights: opened.weights as number[] };
}

async function runSingleBlend(
  prompt: string[],
  options: BlendCommandOptions,
  opened: OpenedBlendSources,
  io: ResolvedCliIo,
): Promise<void> {
  const { text } = await readTextInput({
    texts: prompt,
    stdin: io.stdin,
    cwd: io.cwd,
    helpCommand: 'tonekit blend --help',
  });
  if (text.trim() === '') throw CliError.usage('no prompt: pass it as an argument or on stdin');
  const system = options.system === undefined ? undefined : resolveSystemPrompt(options.system);
  const tokens: BlendedToken[] = [];
  for await (const part of streamBlend({
    sources: opened.sources,
    ...resolveWeights(options, opened),
    ...samplingOptions(options),
    ...(options.raw
      ? { prompt: text }
      : {
          messages: [
            ...(system === undefined ? [] : [{ role: 'system' as const, content: system }]),
            { role: 'user' as const, content: text },
          ],
        }),
    abortSignal: io.interrupt,
  })) {
    if (options.json) {
      io.stdout.write(`${JSON.stringify(part)}\n`);
      continue;
    }
    if (part.type === 'text-delta') await writeText(io.stdout, part.delta);
    else if (part.type === 'token') tokens.push(part.token);
    else {
      await writeText(io.stdout, '\n');
      if (options.attribution) await writeText(io.stdout, formatAttribution(tokens, opened.names));
      io.stderr.write(
        `[${part.usage.outputTokens ?? tokens.length} tokens, stop: ${part.stopReason}, seed ${part.seed}]\n`,
      );
    }
  }
}

/** One row per token: the token, its blended probability, then each model's probability (* = argmax). */
export function formatAttribution(tokens: readonly BlendedToken[], names: readonly string[]): string {
  const header = ['step', 'token', 'blend', ...names].join('\t');
  const rows = tokens.map((token) =>
    [
      String(token.step),
      JSON.stringify(token.text),
      token.probability.toFixed(4),
      ...token.sources.map((source) => `${source.probability.toFixed(4)}${source.isArgmax ? '*' : ''}`),
    ].join('\t'),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

async function runSweepCommand(options: BlendCommandOptions, opened: OpenedBlendSources, io: ResolvedCliIo) {
  if (opened.weights.some((weight) => weight !== undefined) || options.alpha !== undefined)
    throw CliError.usage('--alphas sets the weights: drop the =weight suffixes and --alpha');
  const system = options.system === undefined ? undefined : resolveSystemPrompt(options.system);
  const prompts = await readBlendPrompts(path.resolve(io.cwd, options.prompts as string), system);
  const outDir = path.resolve(io.cwd, options.out as string);
  const progress = createProgressLine(io.stderr);
  const result = await runBlendSweep({
    sources: opened.sources,
    alphas: options.alphas as number[],
    prompts,
    outDir,
    blendOptions: { ...samplingOptions(options), seed: options.seed ?? 0 },
    signal: io.interrupt,
    onProgress: ({ alpha, done, total }) => progress.update(`α ${alpha}: ${done}/${total}`),
  });
  progress.done();
  await writeText(
    io.stdout,
    `${result.answered} answers written (${result.skipped} already there) to ${result.files
      .map((file) => path.relative(io.cwd, file))
      .join(
        ', ',
      )}\nScore them with: tonekit eval --sweep ${path.relative(io.cwd, outDir) || '.'} --out <dir>\n`,
  );
}
