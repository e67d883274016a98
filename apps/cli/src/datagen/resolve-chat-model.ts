import type { ChatModel } from '@tonekit/core';
import {
  createOpenAICompatibleChatModel,
  localServerPreset,
  openAIPreset,
  openRouterPreset,
} from '@tonekit/inference';
import { CliError } from '../cli-error.js';

export const CHAT_PROVIDERS = ['openrouter', 'openai', 'local'] as const;
export type ChatProvider = (typeof CHAT_PROVIDERS)[number];

export interface ChatModelFlags {
  provider: ChatProvider;
  model?: string;
  baseUrl?: string;
}

/**
 * Builds the generator model from flags and environment; only the app reads API keys. Messages name
 * both the flag and the variable so a missing key is fixed in one step.
 */
export function resolveChatModel(flags: ChatModelFlags, env: Record<string, string | undefined>): ChatModel {
  switch (flags.provider) {
    case 'openrouter': {
      const apiKey = env['OPENROUTER_API_KEY'];
      if (!apiKey) throw CliError.usage('--provider openrouter needs an API key: set OPENROUTER_API_KEY');
      const preset = openRouterPreset(
        flags.model === undefined ? { apiKey } : { apiKey, model: flags.model },
      );
      return createOpenAICompatibleChatModel(
        flags.baseUrl === undefined ? preset : { ...preset, baseURL: flags.baseUrl },
      );
    }
    case 'openai': {
      const apiKey = env['OPENAI_API_KEY'];
      if (!apiKey) throw CliError.usage('--provider openai needs an API key: set OPENAI_API_KEY');
      if (flags.model === undefined)
        throw CliError.usage('--provider openai needs --model (e.g. gpt-4o-mini)');
      const preset = openAIPreset({ apiKey, model: flags.model });
      return createOpenAICompatibleChatModel(
        flags.baseUrl === undefined ? preset : { ...preset, baseURL: flags.baseUrl },
      );
    }
    case 'local': {
      if (flags.baseUrl === undefined || flags.model === undefined) {
        throw CliError.usage(
          '--provider local needs --base-url (e.g. http://127.0.0.1:8080/v1) and --model (the served model name)',
        );
      }
      const apiKey = env['TONEKIT_LOCAL_API_KEY'];
      return createOpenAICompatibleChatModel(
        localServerPreset(
          apiKey
            ? { baseURL: flags.baseUrl, model: flags.model, apiKey }
            : { baseURL: flags.baseUrl, model: flags.model },
        ),
      );
    }
  }
}
