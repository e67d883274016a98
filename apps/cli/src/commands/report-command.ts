import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { findRunMetrics, loadPaperReferences, type PaperReferences, writeReport } from '@tonekit/evaluator';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { ResolvedCliIo } from '../cli-io.js';
import { writeText } from '../io/write-text.js';

interface ReportCommandOptions {
  out: string;
  references?: string;
  title?: string;
}

const EXAMPLES = `
Examples:
  $ tonekit report runs/ --out report/
  $ tonekit report runs/base runs/r32-* --references ../shared/data --out report/

Walks the given folders for metrics.json files (written by \`tonekit eval\`) and writes report/report.html,
one self-contained page (inline SVG charts, no network), plus report/images/*.svg. It redraws seed A's
Fig. 2 (% conversational, base vs fine-tuned), Fig. 3 and 4 (% conversational and similarity vs training
samples, one line per configuration), Table 6 (the sweep) and seed B's Tables 1–4 (metrics vs α).
With --references <dir> (a folder holding seed-a/*.csv and seed-b/*.csv), the papers' reported values
are drawn beside yours, labelled "paper".
`;

export function createReportCommand(io: ResolvedCliIo): Command {
  return new Command('report')
    .description("Draw both papers' figures from evaluation runs into one HTML file.")
    .argument('<runs...>', 'run folders (searched recursively for metrics.json)')
    .requiredOption('--out <dir>', 'where report.html and images/ go')
    .option(
      '--references <dir>',
      "the papers' reported figures (seed-a/, seed-b/ CSVs) to draw as reference lines",
    )
    .option('--title <text>', 'page title')
    .addHelpText('after', EXAMPLES)
    .action(async (runs: string[], options: ReportCommandOptions) => {
      const found = await findRunMetrics(runs.map((run) => path.resolve(io.cwd, run)));
      if (found.length === 0)
        throw CliError.usage(`no metrics.json under ${runs.join(', ')}; run \`tonekit eval\` first`);
      let references: PaperReferences | undefined;
      if (options.references !== undefined) {
        const dir = path.resolve(io.cwd, options.references);
        if (!existsSync(dir)) throw CliError.usage(`--references ${options.references}: no such folder`);
        references = await loadPaperReferences(dir);
      }
      const written = await writeReport({
        runs: found.map((file) => file.metrics),
        outDir: path.resolve(io.cwd, options.out),
        ...(references === undefined ? {} : { references }),
        ...(options.title === undefined ? {} : { title: options.title }),
      });
      await writeText(
        io.stdout,
        `Report of ${found.length} run(s): ${path.relative(io.cwd, written.htmlPath)} (${written.imagePaths.length} chart(s) in images/)\n`,
      );
    });
}
