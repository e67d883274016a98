import type { OpenAICompatibleChatModelSettings } from './create-openai-compatible-chat-model.js';

export interface LocalServerPresetOptions {
  /** The server's OpenAI-compatible root: vLLM `http://127.0.0.1:8000/v1`, llama.cpp server `http://127.0.0.1:8080/v1`, Ollama `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  model: string;
  /** Only when the server was started with one (vLLM `--api-key`, llama.cpp `--api-key`). */
  apiKey?: string;
}

/**
 * Settings for `createOpenAICompatibleChatModel` against a server on your machine or network. Local
 * generation of a long answer on a CPU can take minutes, so the timeout is 10 minutes rather than 1.
 */
export function localServerPreset({
  baseURL,
  model,
  apiKey,
}: LocalServerPresetOptions): OpenAICompatibleChatModelSettings {
  return {
    baseURL,
    model,
    provider: 'local-server',
    timeoutMs: 600_000,
    ...(apiKey === undefined ? {} : { apiKey }),
  };
}
