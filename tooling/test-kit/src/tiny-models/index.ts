export * from './gguf/index.js';
export { createSeededRandom, type SeededRandom } from './seeded-random.js';
export {
  bertSpecialTokens,
  bertTokenizerJson,
  buildWordPieceVocabulary,
  defaultTinyBertWords,
  mostFrequentWords,
} from './word-piece-vocabulary.js';
export {
  type TinyBertModel,
  type TinyBertModelOptions,
  tinyBertPresets,
  writeTinyBertModel,
} from './write-tiny-bert-model.js';
