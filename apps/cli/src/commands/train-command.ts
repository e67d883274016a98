import * as path from 'node:path';
import { parseTrainSpec, type TrainEvent, trainLora } from '@tonekit/trainer';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { readYamlConfig } from '../io/read-yaml-config.js';
import { writeText } from '../io/write-text.js';
import { describeTrainEvent, describeTrainResult } from '../train/describe-train-event.js';
import { resolveTrainerPython } from '../train/resolve-trainer-python.js';
import { withOpenAIKey } from '../train/with-openai-key.js';

interface TrainCommandOptions {
  config: string;
  python?: string;
  json?: boolean;
  dryRun?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit train --config train.yaml
  $ tonekit train --config train.yaml --dry-run          # print the resolved spec with every default
  $ tonekit train --config train.yaml --json > events.jsonl

A minimal train.yaml (every other field has the paper's default; see the trainer README):
  backend: local                 # or openai
  baseModel: meta-llama/Llama-3.2-1B-Instruct
  dataset: { path: data/dataset, split: train-1000 }
  outputDir: runs/r32-n1000
  local: { rank: 32, learningRate: 2.0e-4, precision: bf16 }

Rerunning the same command resumes: the local backend continues from its newest checkpoint, the
openai backend re-attaches to its running job. Ctrl-C stops cleanly (a checkpoint is saved); press it
twice to exit at once.

Environment:
  TONEKIT_PYTHON      Python interpreter for the local backend (else the venv of \`tonekit trainer setup\`)
  OPENAI_API_KEY      key for backend: openai
`;

export function createTrainCommand(io: ResolvedCliIo): Command {
  return new Command('train')
    .description('LoRA-tune a model on a tonekit dataset (local Python worker or OpenAI fine-tuning).')
    .requiredOption('--config <file>', 'training spec (YAML or JSON)')
    .option('--python <path>', 'Python interpreter for the local backend')
    .option('--json', 'print events as JSON lines on stdout')
    .option('--dry-run', 'print the resolved spec and exit')
    .addHelpText('after', EXAMPLES)
    .action(async (options: TrainCommandOptions) => {
      const configPath = path.resolve(io.cwd, options.config);
      const raw = await readYamlConfig(configPath, '--config');
      let spec: ReturnType<typeof parseTrainSpec>;
      try {
        spec = parseTrainSpec(raw, { baseDir: path.dirname(configPath) });
      } catch (error) {
        throw CliError.usage(`${options.config}: ${(error as Error).message}`, error);
      }
      if (options.dryRun) {
        await writeText(io.stdout, `${JSON.stringify(spec, null, 2)}\n`);
        return;
      }
      const progress = createProgressLine(io.stderr);
      const result = await trainLora(withOpenAIKey(spec, io.env), {
        signal: io.interrupt,
        python: await resolveTrainerPython(options.python, io),
        onEvent: (event: TrainEvent) => {
          if (options.json) {
            io.stdout.write(`${JSON.stringify(event)}\n`);
            return;
          }
          const line = describeTrainEvent(event);
          if (line === undefined) return;
          // Step lines overwrite each other; evaluations, checkpoints and logs stay on screen.
          if (event.type === 'step-end') progress.update(line.text);
          else {
            progress.done();
            io.stderr.write(`${line.text}\n`);
          }
        },
      });
      progress.done();
      if (!options.json) await writeText(io.stdout, `${describeTrainResult(result, io.cwd)}\n`);
    });
}
