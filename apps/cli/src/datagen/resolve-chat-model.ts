import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ChatModel } from '@tonekit/core';
import {
  createLlamaCppChatModel,
  createOpenAICompatibleChatModel,
  localServerPreset,
  openAIPreset,
  openRouterPreset,
} from '@tonekit/inference';
import { CliError } from '../cli-error.js';

export const CHAT_PROVIDERS = ['openrouter', 'openai', 'local', 'llama-cpp'] as const;
export type ChatProvider = (typeof CHAT_PROVIDERS)[number];

export interface ChatModelFlags {
  provider: ChatProvider;
  model?: string;
  baseUrl?: string;
  /** llama-cpp: GGUF LoRA adapters, each `file` or `file=scale`. */
  lora?: string[];
  /** llama-cpp: CPU threads. */
  threads?: number;
  /** llama-cpp: context tokens per sequence. */
  contextSize?: number;
  /** llama-cpp: `auto` or `cpu`. */
  gpu?: 'auto' | 'cpu';
  /** llama-cpp: generations batched together (the CLI passes min(concurrency, 4)). */
  parallelSequences?: number;
}

/** Where relative paths in flags are resolved. */
export interface ChatModelContext {
  cwd: string;
  env: Record<string, string | undefined>;
}

/**
 * Builds the generator model from flags and environment; only the app reads API keys. Messages name
 * both the flag and the variable so a missing key is fixed in one step.
 */
export function resolveChatModel(flags: ChatModelFlags, { cwd, env }: ChatModelContext): ChatModel {
  switch (flags.provider) {
    case 'llama-cpp': {
      if (flags.model === undefined) {
        throw CliError.usage(
          '--provider llama-cpp needs --model with a local .gguf file (e.g. --model ./model.gguf)',
        );
      }
      const modelPath = path.resolve(cwd, flags.model);
      if (!existsSync(modelPath)) throw CliError.usage(`--model ${flags.model}: no such file (${modelPath})`);
      const loraAdapters = (flags.lora ?? []).map((value) => parseLoraFlag(value, cwd));
      return createLlamaCppChatModel({
        modelPath,
        loraAdapters,
        gpu: flags.gpu === 'cpu' ? false : 'auto',
        ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        ...(flags.contextSize === undefined ? {} : { contextSize: flags.contextSize }),
        ...(flags.parallelSequences === undefined ? {} : { parallelSequences: flags.parallelSequences }),
      });
    }
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

/** `adapter.gguf` or `adapter.gguf=0.5`: a LoRA file and its scale. */
function parseLoraFlag(value: string, cwd: string): { path: string; scale?: number } {
  const separator = value.lastIndexOf('=');
  const file = separator > 0 ? value.slice(0, separator) : value;
  const scale = separator > 0 ? Number(value.slice(separator + 1)) : undefined;
  if (scale !== undefined && !Number.isFinite(scale)) {
    throw CliError.usage(`--lora ${value}: the scale after "=" must be a number`);
  }
  const resolved = path.resolve(cwd, file);
  if (!existsSync(resolved)) throw CliError.usage(`--lora ${file}: no such file (${resolved})`);
  return scale === undefined ? { path: resolved } : { path: resolved, scale };
}
