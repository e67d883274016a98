/**
 * The seed papers' reported figures, typed, for reference lines and columns in the report. Each table
 * is optional: a reference whose CSV is absent is simply not drawn.
 */
export interface PaperReferences {
  /** Seed A Table 5 (the values of Fig. 2). */
  seedAHeadline?: SeedAHeadlineRow[];
  /** Seed A Table 6 (every sweep configuration: the values of Fig. 3 and 4). */
  seedASweep?: SeedASweepRow[];
  /** Seed B Tables 1–2 (automatic metrics vs α, per model size and test set). */
  seedBAutomaticMetrics?: SeedBAutomaticMetricsRow[];
  /** Seed B Table 3 (lexical diversity vs α), one row per model size, test set and α. */
  seedBLexical?: SeedBLexicalRow[];
  /** Seed B Tables 5–6 (MT-Bench single-answer grades vs α). */
  seedBMtBench?: SeedBMtBenchRow[];
  /** Seed B Tables 7–8 (MT-Bench grades per category; `mix` "orig" is the untuned model). */
  seedBMtBenchCategories?: SeedBMtBenchCategoryRow[];
}

export type PaperTableName = keyof PaperReferences;

/** Where each table lives under the shared data folder (`../shared/data` from the repository). */
export const paperReferenceFiles: Record<PaperTableName, string> = {
  seedAHeadline: 'seed-a/table5-headline.csv',
  seedASweep: 'seed-a/table6-sweep-results.csv',
  seedBAutomaticMetrics: 'seed-b/table1-2-automatic-metrics.csv',
  seedBLexical: 'seed-b/table3-lexical.csv',
  seedBMtBench: 'seed-b/table5-6-mtbench.csv',
  seedBMtBenchCategories: 'seed-b/table7-8-mtbench-categories.csv',
};

export interface SeedAHeadlineRow {
  /** e.g. "gpt-4o-mini" or "Llama 3.2 1B". */
  model: string;
  variant: 'base' | 'fine-tuned';
  conversationalPercent: number;
}

export interface SeedASweepRow {
  model: string;
  /** As printed ("bfloat16", "int8"); absent where the paper says "unknown" (OpenAI fine-tunes). */
  precision?: string;
  loraRank?: number;
  learningRate?: number;
  trainingSamples: number;
  conversationalPercent: number;
  similarity: number;
}

export interface SeedBAutomaticMetricsRow {
  /** "1B" or "3B". */
  modelSize: string;
  /** "ED" (Empathetic Dialogues) or "WoW" (Wizard of Wikipedia). */
  testSet: string;
  /** e.g. "25E-75W". */
  mix: string;
  /** Weight of the Empathetic-Dialogues model. */
  alpha: number;
  wer: number;
  averageResponseLength: number;
  bleu: number;
  bertScore: number;
}

export interface SeedBLexicalRow {
  modelSize: string;
  testSet: string;
  mix: string;
  alpha: number;
  /** The paper does not say which lexical-diversity measure it printed. */
  lexicalDiversity: number;
}

export interface SeedBMtBenchRow {
  modelSize: string;
  mix: string;
  alpha: number;
  turn1: number;
  turn2: number;
  average: number;
}

export interface SeedBMtBenchCategoryRow {
  modelSize: string;
  /** A mix such as "25E-75W", or "orig" for the model before tuning. */
  mix: string;
  /** Derived from the mix; absent for "orig". */
  alpha?: number;
  scores: Record<string, number>;
}
