import type { OpenAICompatibleChatModelSettings } from './create-openai-compatible-chat-model.js';

export interface OpenAIPresetOptions {
  apiKey: string;
  model: string;
}

/**
 * Settings for `createOpenAICompatibleChatModel` against OpenAI. Uses `max_completion_tokens`, which
 * OpenAI's reasoning models require and its other models accept.
 */
export function openAIPreset({ apiKey, model }: OpenAIPresetOptions): OpenAICompatibleChatModelSettings {
  return {
    baseURL: 'https://api.openai.com/v1',
    apiKey,
    model,
    provider: 'openai',
    maxTokensParameter: 'max_completion_tokens',
  };
}
