export { encodeGguf, type GgufTensor, type GgufValue } from './encode-gguf.js';
export {
  buildSentencePieceVocabulary,
  ggufTokenTypes,
  type SentencePieceVocabulary,
} from './sentence-piece-vocabulary.js';
export {
  chatMlTemplate,
  type TinyLlamaExactForm,
  type TinyLlamaGguf,
  type TinyLlamaGgufOptions,
  writeTinyLlamaGguf,
} from './write-tiny-llama-gguf.js';
export {
  type TinyLoraGguf,
  type TinyLoraGgufOptions,
  type TinyLoraTarget,
  writeTinyLoraGguf,
} from './write-tiny-lora-gguf.js';
