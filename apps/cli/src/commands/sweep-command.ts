import * as path from 'node:path';
import {
  collectSweepResults,
  expandSweep,
  formatSweepTable,
  parseSweepSpec,
  runSweep,
  type SweepEvent,
  trainLora,
} from '@tonekit/trainer';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { createProgressLine } from '../embeddings/progress-line.js';
import { readYamlConfig } from '../io/read-yaml-config.js';
import { writeText } from '../io/write-text.js';
import { describeTrainEvent } from '../train/describe-train-event.js';
import { resolveTrainerPython } from '../train/resolve-trainer-python.js';
import { withOpenAIKey } from '../train/with-openai-key.js';

interface SweepCommandOptions {
  config: string;
  only?: string[];
  list?: boolean;
  results?: boolean;
  python?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  $ tonekit sweep --config sweep.yaml                   # run (or resume) every run of the grid
  $ tonekit sweep --config sweep.yaml --list            # the runs the grid expands to
  $ tonekit sweep --config sweep.yaml --only r32-lr2e-4-bf16-n1000
  $ tonekit sweep --config sweep.yaml --results         # Table 6 from finished runs (+ eval metrics)

A sweep.yaml (grid: seed-a-table-3 expands to the paper's 3 ranks × 3 learning rates × 2 precisions × 4 subsets):
  outputDir: sweeps/table3
  base:
    backend: local
    baseModel: meta-llama/Llama-3.2-1B-Instruct
    dataset: { path: data/dataset }
  grid: { rank: [32, 64], learningRate: [2.0e-4], precision: [bf16], subset: [100, 1000] }

Runs are queued in <outputDir>/sweep-state.json; rerunning skips finished runs and resumes the
interrupted one from its checkpoint. results.csv and results.md (Table 6's columns) are rewritten after
every run; pct_conversational and similarity fill in once a run has <run>/eval/metrics.json
(\`tonekit eval --out <run>/eval ...\`).
`;

function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

export function createSweepCommand(io: ResolvedCliIo): Command {
  return new Command('sweep')
    .description("Run a hyper-parameter grid (seed A's Table 3) as a resumable queue of training runs.")
    .requiredOption('--config <file>', 'sweep spec (YAML or JSON)')
    .option('--only <ids>', 'run only these run ids (comma-separated, repeatable)', collectList)
    .option('--list', 'print the runs of the grid and exit')
    .option('--results', 'print the results table of finished runs and exit')
    .option('--python <path>', 'Python interpreter for local runs')
    .option('--json', 'print events as JSON lines on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async (options: SweepCommandOptions) => {
      const configPath = path.resolve(io.cwd, options.config);
      const raw = await readYamlConfig(configPath, '--config');
      let spec: ReturnType<typeof parseSweepSpec>;
      try {
        spec = parseSweepSpec(raw, { baseDir: path.dirname(configPath) });
      } catch (error) {
        throw CliError.usage(`${options.config}: ${(error as Error).message}`, error);
      }
      const runs = expandSweep(spec);
      if (options.only !== undefined) {
        const known = new Set(runs.map((run) => run.id));
        const unknown = options.only.filter((id) => !known.has(id));
        if (unknown.length > 0)
          throw CliError.usage(`--only ${unknown.join(', ')}: not in this grid; see --list for the run ids`);
      }
      if (options.list) {
        await writeText(io.stdout, `${runs.map((run) => `${run.id}\t${run.spec.outputDir}`).join('\n')}\n`);
        return;
      }
      if (options.results) {
        await writeText(io.stdout, formatSweepTable(await collectSweepResults(spec.outputDir), 'markdown'));
        return;
      }
      const progress = createProgressLine(io.stderr);
      const summary = await runSweep(spec, {
        signal: io.interrupt,
        train: (runSpec, trainOptions) => trainLora(withOpenAIKey(runSpec, io.env), trainOptions),
        ...(options.only === undefined ? {} : { only: options.only }),
        python: await resolveTrainerPython(options.python, io),
        onEvent: (event: SweepEvent) => {
          if (options.json) {
            io.stdout.write(`${JSON.stringify(event)}\n`);
            return;
          }
          if (event.type === 'train') {
            const line = describeTrainEvent(event.event);
            if (line === undefined) return;
            if (event.event.type === 'step-end') progress.update(`[${event.runId}] ${line.text}`);
            return;
          }
          progress.done();
          if (event.type === 'run-start') io.stderr.write(`[${event.runId}] started\n`);
          else if (event.type === 'run-end') io.stderr.write(`[${event.runId}] ${event.status}\n`);
          else if (event.type === 'run-failed')
            io.stderr.write(`[${event.runId}] failed: ${event.error.message}\n`);
        },
      });
      progress.done();
      if (!options.json) {
        await writeText(io.stdout, formatSweepTable(await collectSweepResults(spec.outputDir), 'markdown'));
      }
      if (summary.counts.failed > 0)
        throw new CliError(
          `${summary.counts.failed} run(s) failed; see ${path.join(spec.outputDir, 'sweep-state.json')}`,
        );
    });
}
