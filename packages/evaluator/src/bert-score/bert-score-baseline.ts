/** BERTScore values of one candidate, or their means. */
export interface BertScoreValues {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * The expected BERTScore of unrelated sentence pairs for one model and layer, which baseline rescaling
 * maps to 0. bert_score computes one per model from Common Crawl pairs and ships it as
 * `rescale_baseline/{lang}/{model}.tsv`, one row per layer.
 */
export type BertScoreBaseline = BertScoreValues;

/**
 * bert_score's English baseline for `roberta-large` at layer 17 (`rescale_baseline/en/roberta-large.tsv`,
 * row 17), its default model and layer. It is only meaningful for scores from that model and layer.
 */
export const ROBERTA_LARGE_LAYER_17_BASELINE: Readonly<BertScoreBaseline> = Object.freeze({
  precision: 0.83150584,
  recall: 0.8314941,
  f1: 0.83122575,
});
