// Text metrics of @tonekit/evaluator: sacreBLEU, jiwer WER, length, lexical diversity, Flesch share,
// embedding similarity, and seeded bootstrap intervals. Pure TypeScript, no runtime dependency beyond
// the workspace packages.

export { type AverageResponseLengthResult, averageResponseLength } from './average-response-length.js';
export { type BleuScore, bleuFromStatistics } from './bleu-from-statistics.js';
export {
  type BleuOptions,
  type BleuSmoothMethod,
  type BleuTokenize,
  type ResolvedBleuOptions,
  resolveBleuOptions,
  SACREBLEU_VERSION,
} from './bleu-options.js';
export { type BleuSignatureOptions, bleuSignature } from './bleu-signature.js';
export {
  type BleuStatistics,
  bleuStatistics,
  bleuTokens,
  type ReferenceStreams,
  sumBleuStatistics,
} from './bleu-statistics.js';
export {
  type BootstrapOptions,
  bootstrapConfidenceInterval,
  DEFAULT_BOOTSTRAP_LEVEL,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_BOOTSTRAP_SEED,
} from './bootstrap-confidence-interval.js';
export { type BootstrapCorpusBleuOptions, bootstrapCorpusBleu } from './bootstrap-corpus-bleu.js';
export { bootstrapCorpusWer } from './bootstrap-corpus-wer.js';
export { bootstrapMean } from './bootstrap-mean.js';
export { type BleuValues, type ComputeBleuOptions, computeBleu } from './compute-bleu.js';
export {
  type ConversationalShareOptions,
  type ConversationalShareResult,
  conversationalShare,
} from './conversational-share.js';
export { type CorpusBleuResult, corpusBleu } from './corpus-bleu.js';
export { cosineSimilarity } from './cosine-similarity.js';
export { type DistinctNResult, distinct1, distinct2, distinctN } from './distinct-n.js';
export { type DiversityTokenOptions, diversityTokens } from './diversity-tokens.js';
export {
  type EmbeddingSimilarityOptions,
  type EmbeddingSimilarityResult,
  embeddingSimilarity,
} from './embedding-similarity.js';
export { type FleschHistogramOptions, fleschHistogram } from './flesch-histogram.js';
export { type FormatBleuScoreOptions, formatBleuScore } from './format-bleu-score.js';
export { jiwerWords } from './jiwer-words.js';
export { type EditCounts, levenshteinEditCounts } from './levenshtein-edit-counts.js';
export { DEFAULT_MATTR_WINDOW, type MattrOptions, type MattrResult, mattr, mattrOfText } from './mattr.js';
export { sentenceBleu } from './sentence-bleu.js';
export { sentenceBleuScores } from './sentence-bleu-scores.js';
export { tokenize13a, tokenize13aWords } from './tokenize-13a.js';
export { werFromCounts } from './wer-from-counts.js';
export { type WordErrorRateResult, type WordErrorStatistics, wordErrorRate } from './word-error-rate.js';
