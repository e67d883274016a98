import { Command } from 'commander';
import type { ResolvedCliIo } from '../cli-io.js';
import { type DemoReport, scoreDemoExamples } from '../demo/score-demo-examples.js';
import { formatNumber } from '../format/format-number.js';
import { formatRows } from '../format/format-rows.js';
import { formatShare } from '../format/format-share.js';
import { writeText } from '../io/write-text.js';

const EXAMPLES = `
Examples:
  $ npx tonekit demo
  $ tonekit demo --json > demo.json
`;

export function createDemoCommand(io: ResolvedCliIo): Command {
  return new Command('demo')
    .description(
      "Show the seed paper's core measurement on built-in example answers: Flesch reading ease of formal " +
        'versus conversational answers, in both textstat modes.',
    )
    .option('--json', 'print the example texts, their scores and the summary as JSON')
    .addHelpText('after', EXAMPLES)
    .action(async (options: { json?: boolean }) => {
      const report = scoreDemoExamples();
      const output = options.json ? JSON.stringify(report, null, 2) : formatDemoReport(report);
      await writeText(io.stdout, `${output}\n`);
    });
}

function formatDemoReport(report: DemoReport): string {
  const { conversational: conversationalThreshold, rephrase } = report.thresholds;
  const modeLabels = report.modes.map((mode) => mode.replace('textstat-', ''));

  // Two header rows: the answer version, then the textstat mode of each score column.
  const versionHeader = (label: string) => [label, ...modeLabels.slice(1).map(() => '')];
  const scoreColumns = report.modes.length * 2;
  const perQuestion = formatRows(
    [
      ['', '', ...versionHeader('Formal'), ...versionHeader('Rephrased')],
      ['#', 'Question', ...modeLabels, ...modeLabels],
      ...report.examples.map((example, index) => [
        String(index + 1),
        example.question,
        ...example.formal.scores.map((s) => formatNumber(s.fleschReadingEase)),
        ...example.conversational.scores.map((s) => formatNumber(s.fleschReadingEase)),
      ]),
    ],
    { gap: 3, alignRight: [0, ...Array.from({ length: scoreColumns }, (_, i) => i + 2)] },
  );

  const summary = formatRows(
    [
      ['', ...report.summary.map((s) => s.mode)],
      [
        `Formal answers at FRE >= ${conversationalThreshold}`,
        ...report.summary.map((s) => formatShare(s.formal.conversational.count, s.formal.count)),
      ],
      [
        `Rephrased answers at FRE >= ${conversationalThreshold}`,
        ...report.summary.map((s) =>
          formatShare(s.conversational.conversational.count, s.conversational.count),
        ),
      ],
      [
        `Rephrased answers at FRE >= ${rephrase}`,
        ...report.summary.map((s) =>
          formatShare(s.conversational.reachesRephraseThreshold.count, s.conversational.count),
        ),
      ],
      [
        'Mean FRE, formal → rephrased',
        ...report.summary.map(
          (s) =>
            `${formatNumber(s.formal.meanFleschReadingEase, 1)} → ${formatNumber(s.conversational.meanFleschReadingEase, 1)}`,
        ),
      ],
    ],
    { gap: 3 },
  );

  return [
    'tonekit demo: how conversational are formal answers, and their rephrasings?',
    '',
    wrap(report.note),
    '',
    'Flesch reading ease (FRE) of each answer, by textstat mode:',
    '',
    perQuestion,
    '',
    summary,
    '',
    wrap(
      `Seed A counts an answer as conversational at FRE >= ${conversationalThreshold} and keeps a generated ` +
        `rephrasing for training only once it reaches FRE >= ${rephrase}; below that, datagen asks the LLM ` +
        'to simplify it, up to three more times, then drops it. The full pipeline (dataset generation from Wikipedia text with an LLM, LoRA ' +
        'training, evaluation, logit blending) is the job of the datagen, train, eval and blend commands.',
    ),
    '',
    formatRows([
      ['Commands in this version:', 'tonekit --help'],
      ['Score your own text:', 'tonekit readability "Your text here."'],
    ]),
  ].join('\n');
}

/** Keeps prose readable in an 80-column terminal; splits on spaces only, never inside a word. */
function wrap(text: string, width = 80): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
