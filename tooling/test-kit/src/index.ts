export * from './fake-hugging-face-hub/index.js';
export * from './fake-openai-server/index.js';
export { hashToUnitVector } from './hash-to-unit-vector.js';
export {
  createMockChatModel,
  type MockChatModel,
  type MockChatModelCall,
  type MockChatModelSettings,
  type MockChatResponse,
} from './mock-chat-model.js';
export { createMockEmbedder, type MockEmbedder, type MockEmbedderSettings } from './mock-embedder.js';
export {
  createMockLogitSource,
  type MockLogitSequence,
  type MockLogitSource,
  type MockLogitSourceSettings,
} from './mock-logit-source.js';
export {
  createScriptedChatModel,
  type ScriptedChatModel,
  type ScriptedChatModelSettings,
  type ScriptedChatStep,
} from './scripted-chat-model.js';
export * from './tiny-models/index.js';
