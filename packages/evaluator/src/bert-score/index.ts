export { type BertScoreOptions, type BertScoreResult, bertScore } from './bert-score.js';
export {
  type BertScoreBaseline,
  type BertScoreValues,
  ROBERTA_LARGE_LAYER_17_BASELINE,
} from './bert-score-baseline.js';
export type { BertScoreProgressEvent } from './bert-score-events.js';
export { rescaleBertScore } from './rescale-bert-score.js';
export { scoreTokenEmbeddings } from './score-token-embeddings.js';
