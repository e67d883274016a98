import type { OpenAICompatibleChatModelSettings } from './create-openai-compatible-chat-model.js';

export interface OpenRouterPresetOptions {
  apiKey: string;
  /** Defaults to `google/gemini-2.0-flash-001`, the papers' generator. */
  model?: string;
  /** Your app's URL, sent as `HTTP-Referer` for OpenRouter's attribution; omitted when not given. */
  siteUrl?: string;
  /** Your app's name, sent as `X-Title`; omitted when not given. */
  siteName?: string;
}

/** The papers' default generator, through OpenRouter. */
export const defaultOpenRouterModel = 'google/gemini-2.0-flash-001';

/**
 * Settings for `createOpenAICompatibleChatModel` against OpenRouter. Asks for usage accounting
 * (`usage: {include: true}`) so that answers carry OpenRouter's billed cost in `usage.costUsd`.
 */
export function openRouterPreset({
  apiKey,
  model = defaultOpenRouterModel,
  siteUrl,
  siteName,
}: OpenRouterPresetOptions): OpenAICompatibleChatModelSettings {
  const headers: Record<string, string> = {};
  if (siteUrl !== undefined) headers['HTTP-Referer'] = siteUrl;
  if (siteName !== undefined) headers['X-Title'] = siteName;
  return {
    baseURL: 'https://openrouter.ai/api/v1',
    apiKey,
    model,
    provider: 'openrouter',
    extraBody: { usage: { include: true } },
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
  };
}
