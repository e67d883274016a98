export * from './gguf/index.js';
export { createSeededRandom, type SeededRandom } from './seeded-random.js';
export { sentencePieceTokenizerJson } from './sentence-piece-tokenizer-json.js';
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
export {
  type TinyCausalLmOnnx,
  type TinyCausalLmOnnxOptions,
  writeTinyCausalLmOnnx,
} from './write-tiny-causal-lm-onnx.js';
