import { Command } from 'commander';
import { type CliIo, resolveCliIo } from './cli-io.js';
import { createBlendCommand } from './commands/blend-command.js';
import { createDatagenCommand } from './commands/datagen-command.js';
import { createDedupCommand } from './commands/dedup-command.js';
import { createDemoCommand } from './commands/demo-command.js';
import { createDialoguesCommand } from './commands/dialogues-command.js';
import { createEmbedCommand } from './commands/embed-command.js';
import { createEvalCommand } from './commands/eval-command.js';
import { createReadabilityCommand } from './commands/readability-command.js';
import { createReportCommand } from './commands/report-command.js';
import { createSweepCommand } from './commands/sweep-command.js';
import { createTrainCommand } from './commands/train-command.js';
import { createTrainerCommand } from './commands/trainer-command.js';
import { readPackageVersion } from './package-version.js';

export const USAGE_HINT = '(add --help for additional information)';

const EXAMPLES = `
Examples:
  $ npx tonekit demo
  $ tonekit readability "Hello there. How are you today?"
  $ tonekit readability -f data.jsonl --column conversational_answer --json
  $ tonekit embed --in data.parquet --column question --out emb.parquet
  $ tonekit dedup --in data.parquet --column question --threshold 0.8 --out kept.parquet
  $ OPENROUTER_API_KEY=... tonekit datagen --count 100 --out data/
  $ tonekit eval --dataset data/dataset --provider llama-cpp --model ./model.gguf --out runs/base
  $ tonekit report runs/ --out report/
  $ tonekit trainer doctor
  $ tonekit train --config train.yaml
  $ tonekit sweep --config sweep.yaml
  $ tonekit blend --model a.gguf=0.25 --model b.gguf=0.75 "My dog died last week."
  $ tonekit help readability

Environment:
  TONEKIT_DEBUG=1   print stack traces with errors
`;

/**
 * Builds a fresh program bound to `io`, so tests can run many commands in one process with their own
 * stdin/stdout and no shared parser state. Commander never calls `process.exit` here: `runCli` maps its
 * errors to exit codes.
 */
export function createProgram(io: CliIo = {}): Command {
  const resolved = resolveCliIo(io);
  const program = new Command('tonekit')
    .description(
      'Give a language model a tone of voice: tone datasets, LoRA fine-tuning, logit blending and exact evaluation.',
    )
    .version(readPackageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({
      writeOut: (text) => void resolved.stdout.write(text),
      writeErr: (text) => void resolved.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError(USAGE_HINT)
    .addHelpText('after', EXAMPLES);

  for (const command of [
    createDemoCommand(resolved),
    createReadabilityCommand(resolved),
    createEmbedCommand(resolved),
    createDedupCommand(resolved),
    createDatagenCommand(resolved),
    createEvalCommand(resolved),
    createReportCommand(resolved),
    createDialoguesCommand(resolved),
    createTrainCommand(resolved),
    createSweepCommand(resolved),
    createTrainerCommand(resolved),
    createBlendCommand(resolved),
  ]) {
    // addCommand does not inherit settings the way .command() does; without this a subcommand would
    // write to the real stdout and call process.exit on a usage error. Nested subcommands
    // (`tonekit trainer doctor`) were created before their parent had these settings, so they get them too.
    program.addCommand(command.copyInheritedSettings(program));
    for (const nested of command.commands) nested.copyInheritedSettings(command);
  }
  return program;
}
