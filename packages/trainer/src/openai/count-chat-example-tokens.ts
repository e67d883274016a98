import type { TokenizerEncodingName } from './describe-fine-tuning-model.js';

/** Counts the tokens of a text. */
export type CountTokens = (text: string) => number;

const counters = new Map<TokenizerEncodingName, Promise<CountTokens>>();

/**
 * Loads gpt-tokenizer's encoding (its BPE ranks weigh a few MB, so only the one needed is imported,
 * once). Special-token strings such as `<|endoftext|>` in training text are counted as ordinary text,
 * as tiktoken's `encode_ordinary` does, instead of throwing.
 */
export function loadTokenCounter(encoding: TokenizerEncodingName): Promise<CountTokens> {
  let counter = counters.get(encoding);
  if (counter === undefined) {
    const options = { disallowedSpecial: new Set<string>() };
    counter = (
      encoding === 'o200k_base'
        ? import('gpt-tokenizer/encoding/o200k_base')
        : import('gpt-tokenizer/encoding/cl100k_base')
    ).then((module) => (text: string) => module.countTokens(text, options));
    counters.set(encoding, counter);
  }
  return counter;
}

/** Token counts of one chat example. */
export interface ChatExampleTokens {
  /** The whole conversation, with the chat format's overhead. */
  total: number;
  /** The content of the assistant messages: what the model is trained to produce. */
  assistant: number;
}

/**
 * Counts a conversation the way OpenAI's cookbook "Data preparation and analysis for chat model
 * fine-tuning" does (its `num_tokens_from_messages`, which it calls "not exact"): 3 tokens per message
 * plus the tokens of each of its values (role, content, name; one more for `name`), plus 3 that prime
 * the reply. Non-string values (`tool_calls`, `function_call`) are counted as their JSON text; `weight`
 * is a training flag, not text, and null values (an assistant's content beside tool calls) are skipped.
 */
export function countChatExampleTokens(
  messages: readonly Record<string, unknown>[],
  countTokens: CountTokens,
): ChatExampleTokens {
  let total = 3;
  let assistant = 0;
  for (const message of messages) {
    total += 3;
    for (const [key, value] of Object.entries(message)) {
      if (key === 'weight' || value === null || value === undefined) continue;
      total += countTokens(typeof value === 'string' ? value : JSON.stringify(value));
      if (key === 'name') total += 1;
    }
    if (message.role === 'assistant' && typeof message.content === 'string') {
      assistant += countTokens(message.content);
    }
  }
  return { total, assistant };
}
