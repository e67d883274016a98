import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatasetFormatError } from '@tonekit/dataset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadPaperReferences,
  type PaperReferences,
  paperReferenceFiles,
  parsePaperReferences,
} from '../../src/report/index.js';
import { parseCsv } from '../../src/report/parse-csv.js';

describe('parseCsv', () => {
  it('reads quoted cells, doubled quotes, CRLF, a BOM and skips blank lines', () => {
    const table = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n1,\n', 'test.csv');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.records).toEqual([
      { line: 2, cells: { a: 'x, y', b: 'say "hi"' } },
      { line: 4, cells: { a: '1', b: '' } },
    ]);
  });

  it('names the file and line of a short row', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'seed-a/x.csv')).toThrow(
      /seed-a\/x\.csv:3: 1 cells, but the header has 2/,
    );
    try {
      parseCsv('a,b\n1,2\n3\n', 'seed-a/x.csv');
    } catch (error) {
      expect(DatasetFormatError.isInstance(error)).toBe(true);
      expect((error as DatasetFormatError).line).toBe(3);
    }
  });

  it('rejects a quote that is never closed', () => {
    expect(() => parseCsv('a\n"open\n', 'f.csv')).toThrow(/never closed/);
  });
});

describe('parsePaperReferences', () => {
  it('leaves absent tables absent', () => {
    expect(parsePaperReferences({})).toEqual({});
  });

  it('splits seed A headline labels into model and variant', () => {
    const references = parsePaperReferences({
      seedAHeadline: 'model,pct_conversational\ngpt-4o-mini base,29.4\nLlama 3.2 1B finetuned,97.4\n',
    });
    expect(references.seedAHeadline).toEqual([
      { model: 'gpt-4o-mini', variant: 'base', conversationalPercent: 29.4 },
      { model: 'Llama 3.2 1B', variant: 'fine-tuned', conversationalPercent: 97.4 },
    ]);
  });

  it('reads the sweep with "unknown" hyper-parameters as absent', () => {
    const references = parsePaperReferences({
      seedASweep:
        'model,base_precision,lora_r,learning_rate,training_samples,pct_conversational,similarity\n' +
        'gpt-4o-mini,unknown,unknown,unknown,100,90.8,0.86\n' +
        'Llama 3.2 1B,int8,32,0.0002,1000,94.6,0.85\n',
    });
    expect(references.seedASweep).toEqual([
      { model: 'gpt-4o-mini', trainingSamples: 100, conversationalPercent: 90.8, similarity: 0.86 },
      {
        model: 'Llama 3.2 1B',
        precision: 'int8',
        loraRank: 32,
        learningRate: 0.0002,
        trainingSamples: 1000,
        conversationalPercent: 94.6,
        similarity: 0.85,
      },
    ]);
  });

  it('turns the wide lexical table into one row per model size and test set', () => {
    const references = parsePaperReferences({
      seedBLexical: 'mix,alpha_ed,lexical_1b_ed,lexical_3b_wow\n25E-75W,0.25,0.0707,0.2609\n',
    });
    expect(references.seedBLexical).toEqual([
      { modelSize: '1B', testSet: 'ED', mix: '25E-75W', alpha: 0.25, lexicalDiversity: 0.0707 },
      { modelSize: '3B', testSet: 'WoW', mix: '25E-75W', alpha: 0.25, lexicalDiversity: 0.2609 },
    ]);
  });

  it('derives α from the mix of the category table and keeps "orig" without one', () => {
    const references = parsePaperReferences({
      seedBMtBenchCategories: 'model_size,model,writing,math\n1B,orig,7.5,4.2727\n1B,75E-25W,6.8,1.55\n',
    });
    expect(references.seedBMtBenchCategories).toEqual([
      { modelSize: '1B', mix: 'orig', scores: { writing: 7.5, math: 4.2727 } },
      { modelSize: '1B', mix: '75E-25W', alpha: 0.75, scores: { writing: 6.8, math: 1.55 } },
    ]);
  });

  it('reads automatic metrics and MT-Bench rows', () => {
    const references = parsePaperReferences({
      seedBAutomaticMetrics:
        'model_size,test_set,mix,alpha_ed,wer,arl,bleu,bertscore\n1B,ED,0E-100W,0.00,7.4081,66.9165,0.3623,0.8463\n',
      seedBMtBench: 'model_size,mix,alpha_ed,turn1,turn2,average\n3B,50E-50W,0.50,6.4062,6.1466,6.2806\n',
    });
    expect(references.seedBAutomaticMetrics).toEqual([
      {
        modelSize: '1B',
        testSet: 'ED',
        mix: '0E-100W',
        alpha: 0,
        wer: 7.4081,
        averageResponseLength: 66.9165,
        bleu: 0.3623,
        bertScore: 0.8463,
      },
    ]);
    expect(references.seedBMtBench).toEqual([
      { modelSize: '3B', mix: '50E-50W', alpha: 0.5, turn1: 6.4062, turn2: 6.1466, average: 6.2806 },
    ]);
  });

  it('names the file, line and column of a cell that is not a number', () => {
    expect(() =>
      parsePaperReferences({ seedAHeadline: 'model,pct_conversational\ngpt-4o-mini base,lots\n' }),
    ).toThrow('seed-a/table5-headline.csv:2: column pct_conversational must be a number (found "lots")');
  });

  it('names a missing column', () => {
    expect(() => parsePaperReferences({ seedBMtBench: 'model_size,mix,alpha_ed,turn1\n' })).toThrow(
      'seed-b/table5-6-mtbench.csv: missing columns turn2, average.',
    );
  });
});

describe('loadPaperReferences', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonekit-report-references-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns only the tables whose files exist', async () => {
    await mkdir(join(dir, 'seed-a'), { recursive: true });
    await writeFile(join(dir, paperReferenceFiles.seedAHeadline), 'model,pct_conversational\nx base,1.5\n');
    const references = await loadPaperReferences(dir);
    expect(Object.keys(references)).toEqual(['seedAHeadline']);
  });

  it('returns nothing for a folder that does not exist', async () => {
    expect(await loadPaperReferences(join(dir, 'absent'))).toEqual({});
  });

  // The shared data sits beside the repository in this workspace, not in a fresh clone.
  const sharedData = resolve(import.meta.dirname, '../../../../../shared/data');
  it('parses every table of the shared paper data when it is present', async (context) => {
    let references: PaperReferences;
    try {
      references = await loadPaperReferences(sharedData);
    } catch (error) {
      throw new Error(`the shared paper data at ${sharedData} no longer parses`, { cause: error });
    }
    if (Object.keys(references).length === 0) {
      console.warn(`SKIPPED: no paper data at ${sharedData}; the real CSVs were not checked.`);
      context.skip();
    }
    expect(references.seedAHeadline).toHaveLength(6);
    expect(references.seedASweep).toHaveLength(115);
    expect(references.seedASweep?.filter((row) => row.precision === undefined)).toHaveLength(10);
    expect(references.seedBAutomaticMetrics).toHaveLength(20);
    expect(references.seedBLexical).toHaveLength(20);
    expect(references.seedBMtBench).toHaveLength(10);
    expect(references.seedBMtBenchCategories).toHaveLength(12);
    expect(
      references.seedASweep?.find((row) => row.model === 'Llama 3.1 8B' && row.trainingSamples === 9000),
    ).toEqual({
      model: 'Llama 3.1 8B',
      precision: 'int8',
      loraRank: 64,
      learningRate: 0.0001,
      trainingSamples: 9000,
      conversationalPercent: 97.4,
      similarity: 0.87,
    });
  });
});
