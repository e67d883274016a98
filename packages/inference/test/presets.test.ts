import { describe, expect, it } from 'vitest';
import {
  createOpenAICompatibleChatModel,
  localServerPreset,
  openAIPreset,
  openRouterPreset,
} from '../src/index.js';

describe('presets', () => {
  it('openRouterPreset defaults to the papers model and omits attribution headers unless given', () => {
    const settings = openRouterPreset({ apiKey: 'k' });
    expect(settings).toEqual({
      baseURL: 'https://openrouter.ai/api/v1',
      apiKey: 'k',
      model: 'google/gemini-2.0-flash-001',
      provider: 'openrouter',
      extraBody: { usage: { include: true } },
    });
    expect(openRouterPreset({ apiKey: 'k', siteName: 'n' }).headers).toEqual({ 'X-Title': 'n' });
  });

  it('openAIPreset and localServerPreset', () => {
    expect(openAIPreset({ apiKey: 'k', model: 'gpt-4o-mini' })).toMatchObject({
      baseURL: 'https://api.openai.com/v1',
      maxTokensParameter: 'max_completion_tokens',
      provider: 'openai',
    });
    const local = localServerPreset({ baseURL: 'http://127.0.0.1:8080/v1', model: 'qwen' });
    expect(local).toEqual({
      baseURL: 'http://127.0.0.1:8080/v1',
      model: 'qwen',
      provider: 'local-server',
      timeoutMs: 600_000,
    });
    const model = createOpenAICompatibleChatModel(local);
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual([
      'local-server',
      'qwen',
      'v1',
    ]);
  });
});
