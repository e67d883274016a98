import { DatasetFormatError } from '@tonekit/dataset';
import {
  type PaperReferences,
  type PaperTableName,
  paperReferenceFiles,
  type SeedAHeadlineRow,
  type SeedASweepRow,
  type SeedBAutomaticMetricsRow,
  type SeedBLexicalRow,
  type SeedBMtBenchCategoryRow,
  type SeedBMtBenchRow,
} from './paper-references.js';
import { type CsvRecord, parseCsv } from './parse-csv.js';

/** The text of each paper CSV that was found, by table. */
export type PaperReferenceTexts = Partial<Record<PaperTableName, string>>;

/**
 * Turns the papers' CSV texts into typed rows. Pure; a table whose text is absent stays absent.
 *
 * @throws DatasetFormatError naming the file and line when a CSV lacks a column or holds a cell
 * that is not a number where one is expected.
 */
export function parsePaperReferences(texts: PaperReferenceTexts): PaperReferences {
  const references: PaperReferences = {};
  const table = <Row>(
    name: PaperTableName,
    columns: string[],
    toRow: (cells: Cells) => Row,
  ): Row[] | undefined => {
    const text = texts[name];
    if (text === undefined) return undefined;
    const file = paperReferenceFiles[name];
    const { header, records } = parseCsv(text, file);
    const missing = columns.filter((column) => !header.includes(column));
    if (missing.length > 0) {
      throw new DatasetFormatError({
        message: `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
        file,
      });
    }
    return records.map((record) => toRow(new Cells(record, file)));
  };

  const headline = table('seedAHeadline', ['model', 'pct_conversational'], (cells): SeedAHeadlineRow => {
    const label = cells.text('model');
    const match = /^(.*\S)\s+(base|fine-?tuned)$/i.exec(label);
    if (match === null) cells.fail('model', 'a model name followed by "base" or "finetuned"');
    return {
      model: match![1]!,
      variant: match![2]!.toLowerCase() === 'base' ? 'base' : 'fine-tuned',
      conversationalPercent: cells.number('pct_conversational'),
    };
  });
  if (headline) references.seedAHeadline = headline;

  const sweep = table(
    'seedASweep',
    [
      'model',
      'base_precision',
      'lora_r',
      'learning_rate',
      'training_samples',
      'pct_conversational',
      'similarity',
    ],
    (cells): SeedASweepRow => {
      const row: SeedASweepRow = {
        model: cells.text('model'),
        trainingSamples: cells.number('training_samples'),
        conversationalPercent: cells.number('pct_conversational'),
        similarity: cells.number('similarity'),
      };
      const precision = cells.optionalText('base_precision');
      if (precision !== undefined) row.precision = precision;
      const loraRank = cells.optionalNumber('lora_r');
      if (loraRank !== undefined) row.loraRank = loraRank;
      const learningRate = cells.optionalNumber('learning_rate');
      if (learningRate !== undefined) row.learningRate = learningRate;
      return row;
    },
  );
  if (sweep) references.seedASweep = sweep;

  const automatic = table(
    'seedBAutomaticMetrics',
    ['model_size', 'test_set', 'mix', 'alpha_ed', 'wer', 'arl', 'bleu', 'bertscore'],
    (cells): SeedBAutomaticMetricsRow => ({
      modelSize: cells.text('model_size'),
      testSet: cells.text('test_set'),
      mix: cells.text('mix'),
      alpha: cells.number('alpha_ed'),
      wer: cells.number('wer'),
      averageResponseLength: cells.number('arl'),
      bleu: cells.number('bleu'),
      bertScore: cells.number('bertscore'),
    }),
  );
  if (automatic) references.seedBAutomaticMetrics = automatic;

  // Table 3 is printed wide (one column per model size and test set); the report wants long rows.
  const lexical = table('seedBLexical', ['mix', 'alpha_ed'], (cells): SeedBLexicalRow[] =>
    cells.columns
      .map((column) => ({ column, match: /^lexical_([^_]+)_(.+)$/i.exec(column) }))
      .filter(({ match }) => match !== null)
      .map(({ column, match }) => ({
        modelSize: match![1]!.toUpperCase(),
        testSet: testSetName(match![2]!),
        mix: cells.text('mix'),
        alpha: cells.number('alpha_ed'),
        lexicalDiversity: cells.number(column),
      })),
  );
  if (lexical) references.seedBLexical = lexical.flat();

  const mtBench = table(
    'seedBMtBench',
    ['model_size', 'mix', 'alpha_ed', 'turn1', 'turn2', 'average'],
    (cells): SeedBMtBenchRow => ({
      modelSize: cells.text('model_size'),
      mix: cells.text('mix'),
      alpha: cells.number('alpha_ed'),
      turn1: cells.number('turn1'),
      turn2: cells.number('turn2'),
      average: cells.number('average'),
    }),
  );
  if (mtBench) references.seedBMtBench = mtBench;

  const categories = table(
    'seedBMtBenchCategories',
    ['model_size', 'model'],
    (cells): SeedBMtBenchCategoryRow => {
      const mix = cells.text('model');
      const row: SeedBMtBenchCategoryRow = {
        modelSize: cells.text('model_size'),
        mix,
        scores: Object.fromEntries(
          cells.columns
            .filter((column) => column !== 'model_size' && column !== 'model')
            .map((column) => [column, cells.number(column)]),
        ),
      };
      const alpha = alphaOfMix(mix);
      if (alpha !== undefined) row.alpha = alpha;
      return row;
    },
  );
  if (categories) references.seedBMtBenchCategories = categories;

  return references;
}

/** The paper's test-set spelling, whatever the column name's case ("wow" → "WoW"). */
function testSetName(text: string): string {
  const known: Record<string, string> = { ed: 'ED', wow: 'WoW' };
  return known[text.toLowerCase()] ?? text;
}

/** "25E-75W" → 0.25; the Empathetic-Dialogues share, as `alpha_ed` in the other tables. */
function alphaOfMix(mix: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)E-(\d+(?:\.\d+)?)W$/i.exec(mix);
  return match ? Number(match[1]) / 100 : undefined;
}

class Cells {
  readonly columns: string[];

  constructor(
    private readonly record: CsvRecord,
    private readonly file: string,
  ) {
    this.columns = Object.keys(record.cells);
  }

  fail(column: string, expected: string): never {
    const found = this.record.cells[column] ?? '';
    throw new DatasetFormatError({
      message: `${this.file}:${this.record.line}: column ${column} must be ${expected} (found ${JSON.stringify(found)}).`,
      file: this.file,
      line: this.record.line,
    });
  }

  text(column: string): string {
    const value = this.record.cells[column]?.trim() ?? '';
    return value === '' ? this.fail(column, 'non-empty') : value;
  }

  /** Absent when empty or "unknown", the paper's word for a hyper-parameter it does not report. */
  optionalText(column: string): string | undefined {
    const value = this.record.cells[column]?.trim() ?? '';
    return value === '' || value.toLowerCase() === 'unknown' ? undefined : value;
  }

  number(column: string): number {
    const text = this.record.cells[column]?.trim() ?? '';
    const value = text === '' ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : this.fail(column, 'a number');
  }

  optionalNumber(column: string): number | undefined {
    return this.optionalText(column) === undefined ? undefined : this.number(column);
  }
}
