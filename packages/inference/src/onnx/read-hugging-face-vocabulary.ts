import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ModelLoadError } from '@tonekit/core';
import { endOfGenerationTokenTexts } from './end-of-generation-token-texts.js';

/** The vocabulary of a Hugging Face model folder, as a LogitSource reports it. */
export interface HuggingFaceVocabulary {
  /** Token strings in id order, one per logit. */
  tokens: string[];
  /** Ids of the tokens that end generation; BOS is added by the caller, who can run the tokenizer. */
  eos: number[];
}

interface TokenizerJson {
  model?: { vocab?: Record<string, number> | Array<[string, number]> };
  added_tokens?: Array<{ id: number; content: string }>;
}

/**
 * Reads the token strings in id order from `tokenizer.json` (`model.vocab`, then `added_tokens`, which
 * win) — the strings a GGUF conversion stores in `tokenizer.ggml.tokens`, so both backends hash the same
 * list. The list is as long as the model's logits (`config.json` `vocab_size` when larger); ids no token
 * uses are named `[PAD<id>]`, as llama.cpp's converter names them. EOS ids are the union of the
 * tokenizer's `eos_token`, `eos_token_id` of `config.json` and `generation_config.json`, and every token
 * whose text llama.cpp treats as end of generation.
 */
export async function readHuggingFaceVocabulary(
  folder: string,
  modelId: string,
): Promise<HuggingFaceVocabulary> {
  const tokenizerJson = await readJson<TokenizerJson>(folder, 'tokenizer.json', modelId, true);
  const config = await readJson<{ vocab_size?: number; eos_token_id?: unknown }>(
    folder,
    'config.json',
    modelId,
    true,
  );
  const tokenizerConfig = await readJson<{ eos_token?: unknown }>(
    folder,
    'tokenizer_config.json',
    modelId,
    false,
  );
  const generationConfig = await readJson<{ eos_token_id?: unknown }>(
    folder,
    'generation_config.json',
    modelId,
    false,
  );

  const byId = new Map<number, string>();
  const vocab = tokenizerJson?.model?.vocab;
  if (Array.isArray(vocab)) {
    // Unigram models list [piece, score] pairs in id order.
    vocab.forEach(([token], id) => {
      byId.set(id, token);
    });
  } else if (vocab !== undefined) {
    for (const [token, id] of Object.entries(vocab)) byId.set(id, token);
  }
  for (const added of tokenizerJson?.added_tokens ?? []) byId.set(added.id, added.content);
  if (byId.size === 0) {
    throw new ModelLoadError({
      message: `tokenizer.json of ${modelId} has no vocabulary (model.vocab).`,
      path: path.join(folder, 'tokenizer.json'),
    });
  }
  let size = config?.vocab_size ?? 0;
  for (const id of byId.keys()) size = Math.max(size, id + 1);
  const tokens = Array.from({ length: size }, (_, id) => byId.get(id) ?? `[PAD${id}]`);

  const eos = new Set<number>();
  const addIds = (value: unknown) => {
    for (const id of Array.isArray(value) ? value : [value]) {
      if (Number.isInteger(id) && id >= 0 && id < size) eos.add(id);
    }
  };
  addIds(config?.eos_token_id);
  addIds(generationConfig?.eos_token_id);
  const eosText = tokenText(tokenizerConfig?.eos_token);
  tokens.forEach((token, id) => {
    if (token === eosText || endOfGenerationTokenTexts.has(token)) eos.add(id);
  });
  return { tokens, eos: [...eos].sort((a, b) => a - b) };
}

/** `tokenizer_config.json` stores special tokens as strings or as `{content, __type: 'AddedToken'}`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { content?: unknown }).content === 'string'
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

async function readJson<T>(folder: string, file: string, modelId: string, required: true): Promise<T>;
async function readJson<T>(
  folder: string,
  file: string,
  modelId: string,
  required: false,
): Promise<T | undefined>;
async function readJson<T>(
  folder: string,
  file: string,
  modelId: string,
  required: boolean,
): Promise<T | undefined> {
  const filePath = path.join(folder, file);
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if (!required) return undefined;
    throw new ModelLoadError({
      message: `${modelId} has no ${file} in ${folder}.`,
      path: filePath,
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ModelLoadError({
      message: `${file} of ${modelId} is not valid JSON.`,
      path: filePath,
      cause: error,
    });
  }
}
