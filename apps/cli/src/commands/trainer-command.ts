import * as path from 'node:path';
import { defaultTrainerVenvDir, diagnoseTrainerEnvironment, setupTrainerEnvironment } from '@tonekit/trainer';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { writeText } from '../io/write-text.js';
import { resolveTrainerPython } from '../train/resolve-trainer-python.js';

const EXAMPLES = `
Examples:
  $ tonekit trainer doctor                      # the interpreter the local backend would use
  $ tonekit trainer doctor --python .venv/bin/python --json
  $ tonekit trainer setup                       # venv + pip install -r requirements.txt
  $ tonekit trainer setup --venv ./.trainer-venv --python python3.11

The local training backend runs a bundled Python worker (transformers + peft). \`doctor\` reports Python,
torch, CUDA, bitsandbytes, transformers and peft versions and prints exactly what to install; \`setup\`
creates a virtual environment from the worker's requirements file (pip's own index settings apply).
`;

export function createTrainerCommand(io: ResolvedCliIo): Command {
  const trainer = new Command('trainer')
    .description('Check or set up the Python environment of the local training backend.')
    .addHelpText('after', EXAMPLES);

  trainer
    .command('doctor')
    .description(
      'Report the Python, torch, CUDA, transformers, peft and bitsandbytes versions the trainer would use.',
    )
    .option('--python <path>', 'interpreter to check (default: TONEKIT_PYTHON, the setup venv, or python3)')
    .option('--json', 'print the diagnosis as JSON')
    .action(async (options: { python?: string; json?: boolean }) => {
      const diagnosis = await diagnoseTrainerEnvironment({
        python: await resolveTrainerPython(options.python, io),
      });
      if (options.json) {
        await writeText(io.stdout, `${JSON.stringify(diagnosis, null, 2)}\n`);
      } else {
        const lines = [
          `python: ${diagnosis.python.command} ${diagnosis.python.found ? (diagnosis.python.version ?? '(version unknown)') : '(not found)'}`,
          ...diagnosis.packages.map(
            (entry) =>
              `${entry.ok ? 'ok  ' : entry.required ? 'MISSING' : 'optional'} ${entry.name} ${entry.installed ?? '-'} (needs >= ${entry.minimum}${entry.required ? '' : ', optional'})`,
          ),
          `cuda: ${diagnosis.cuda.available ? `${diagnosis.cuda.version} (${diagnosis.cuda.devices} device(s))` : 'not available (CPU only)'}`,
        ];
        if (diagnosis.advice.length > 0)
          lines.push('', 'To fix:', ...diagnosis.advice.map((line) => `  ${line}`));
        else lines.push('', 'Ready to train.');
        await writeText(io.stdout, `${lines.join('\n')}\n`);
      }
      if (!diagnosis.ok) throw new CliError('the trainer environment is incomplete (see above)');
    });

  trainer
    .command('setup')
    .description("Create a virtual environment with the worker's requirements.")
    .option('--venv <dir>', 'where to create it (default: TONEKIT_HOME or ~/.cache/tonekit, /trainer-venv)')
    .option('--python <path>', 'interpreter that creates the venv (default python3)')
    .action(async (options: { venv?: string; python?: string }) => {
      const result = await setupTrainerEnvironment({
        venvDir:
          options.venv === undefined ? defaultTrainerVenvDir(io.env) : path.resolve(io.cwd, options.venv),
        ...(options.python === undefined ? {} : { python: resolveCommand(options.python, io.cwd) }),
        onOutput: (line) => void io.stderr.write(`${line}\n`),
        signal: io.interrupt,
      });
      await writeText(
        io.stdout,
        `Trainer environment ready: ${result.python}\ntonekit finds it there; set TONEKIT_PYTHON or pass --python to use another interpreter.\n`,
      );
    });
  return trainer;
}

/** A bare command name (`python3`) is looked up on PATH; anything with a slash is a path. */
function resolveCommand(value: string, cwd: string): string {
  return value.includes('/') ? path.resolve(cwd, value) : value;
}
