export {
  echoLastUserMessage,
  type FakeOpenAIChatContext,
  type FakeOpenAIChatHandler,
  type FakeOpenAIChatMessage,
  type FakeOpenAIChatReply,
  type FakeOpenAIChatRequest,
  type FakeOpenAIFinishReason,
  messageText,
} from './fake-openai-chat.js';
export type { FakeOpenAIEndpoint, FakeOpenAIFault, FakeOpenAIFaultTarget } from './fake-openai-fault.js';
export {
  defaultLossCurve,
  type FakeOpenAIFile,
  type FakeOpenAIFineTuningJob,
  type FakeOpenAIFineTuningSettings,
} from './fake-openai-fine-tuning.js';
export {
  type FakeOpenAIRequest,
  type FakeOpenAIServer,
  type FakeOpenAIServerSettings,
  startFakeOpenAIServer,
} from './start-fake-openai-server.js';
