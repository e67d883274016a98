import * as path from 'node:path';
import { resolveSystemPrompt } from '@tonekit/core';
import { type DialogueFormat, dialogueFormats, prepareDialogueData } from '@tonekit/dataset';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { resolveSourceFiles } from '../datagen/resolve-source-files.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { writeText } from '../io/write-text.js';
import { wholeNumber } from './whole-number.js';

interface DialoguesCommandOptions {
  source: string;
  format: DialogueFormat;
  out: string;
  limit?: number;
  validation?: number;
  test?: number;
  seed: number;
  system?: string;
  offline?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit dialogues --source hf://datasets/facebook/empathetic_dialogues@refs%2Fconvert%2Fparquet \\
      --format empathetic-dialogues --out data/ed
  $ tonekit dialogues --source ./wizard_of_wikipedia/ --format wizard-of-wikipedia --out data/wow --limit 2000
  $ tonekit dialogues --source chats.jsonl --format turns --out data/chats --validation 0.05 --test 200

Writes <out>/train.jsonl and validation.jsonl (OpenAI chat fine-tuning format: train them with
\`tonekit train\`, dataset.path: <out>/train.jsonl) and <out>/test.jsonl ({id, question, messages,
reference}: answer them with \`tonekit blend --alphas ... --prompts <out>/test.jsonl\`). Every turn of the
responder (ED: the listener; WoW: the wizard) becomes one example with the turns before it as context.
Files named by split (train/valid/test) keep their split; otherwise dialogues are split with --seed.
`;

function sizeOption(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!(parsed >= 0) || !Number.isFinite(parsed) || (parsed >= 1 && !Number.isInteger(parsed)))
      throw CliError.usage(`${flag} ${value}: expected a fraction below 1 or a whole number of dialogues`);
    return parsed;
  };
}

export function createDialoguesCommand(io: ResolvedCliIo): Command {
  return new Command('dialogues')
    .description(
      'Turn a dialogue dataset (Empathetic Dialogues, Wizard of Wikipedia, chats) into chat training data and test prompts.',
    )
    .requiredOption(
      '--source <file|folder|glob|hf://...>',
      'dialogue files: Parquet, JSONL or JSON, or a Hub dataset',
    )
    .addOption(
      new Option('--format <name>', 'how the files store dialogues')
        .choices(dialogueFormats)
        .makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'where train.jsonl, validation.jsonl and test.jsonl go')
    .option('--limit <n>', 'at most n rows per split (a seeded subset)', wholeNumber('--limit', 1))
    .option(
      '--validation <size>',
      'held-out validation dialogues: a fraction (<1) or a count',
      sizeOption('--validation'),
    )
    .option('--test <size>', 'held-out test dialogues: a fraction (<1) or a count', sizeOption('--test'))
    .option('--seed <n>', 'split and subset seed', wholeNumber('--seed', 0), 0)
    .option('--system <preset|text>', 'system prompt of every training conversation (default none)')
    .option('--offline', 'use only the Hub cache')
    .addHelpText('after', EXAMPLES)
    .action(async (options: DialoguesCommandOptions) => {
      const progress = createProgressLine(io.stderr);
      const files = await resolveSourceFiles(options.source, {
        cwd: io.cwd,
        env: io.env,
        offline: options.offline === true || io.env['HF_HUB_OFFLINE'] === '1',
        abortSignal: io.interrupt,
        onEvent: (event) => {
          if (event.type === 'hub-download-progress')
            progress.update(
              `downloading ${event.file}: ${Math.round((100 * event.bytes) / (event.totalBytes || 1))}%`,
            );
        },
      });
      progress.done();
      if (files.length === 0) throw CliError.usage(`--source ${options.source}: no files found`);
      const splits = {
        ...(options.validation === undefined ? {} : { validation: options.validation }),
        ...(options.test === undefined ? {} : { test: options.test }),
      };
      const prepared = await prepareDialogueData({
        source: files,
        format: options.format,
        outDir: path.resolve(io.cwd, options.out),
        seed: options.seed,
        signal: io.interrupt,
        splits,
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.system === undefined ? {} : { systemPrompt: resolveSystemPrompt(options.system) }),
      });
      const lines = (['train', 'validation', 'test'] as const).map((split) => {
        const counts = prepared.counts[split];
        return `${split}: ${counts.rows} ${split === 'test' ? 'prompts' : 'examples'} from ${counts.dialogues} dialogues (${prepared.splitSources[split]}) → ${path.relative(io.cwd, prepared.files[split])}`;
      });
      await writeText(io.stdout, `${lines.join('\n')}\n`);
    });
}
