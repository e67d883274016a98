/** The two BPE encodings of the chat models OpenAI fine-tunes. */
export type TokenizerEncodingName = 'o200k_base' | 'cl100k_base';

/**
 * Tokens allowed in one training example (the whole conversation), per fine-tunable base model, from
 * the "Token limits" table of OpenAI's fine-tuning guide
 * (https://platform.openai.com/docs/guides/fine-tuning, "Training examples context length"), as the
 * guide gave it for these models. Longer examples are truncated by OpenAI, losing the end of the
 * conversation, which is usually the assistant answer being taught. A dated id also matches its
 * undated alias (`gpt-4o-mini` → the `gpt-4o-mini-2024-07-18` row).
 */
export const fineTuningExampleTokenLimits: readonly { model: string; maxTokensPerExample: number }[] = [
  { model: 'gpt-4o-mini-2024-07-18', maxTokensPerExample: 65_536 },
  { model: 'gpt-4o-2024-08-06', maxTokensPerExample: 65_536 },
  { model: 'gpt-4-0613', maxTokensPerExample: 8_192 },
  { model: 'gpt-3.5-turbo-0125', maxTokensPerExample: 16_385 },
  { model: 'gpt-3.5-turbo-1106', maxTokensPerExample: 16_385 },
  { model: 'gpt-3.5-turbo-0613', maxTokensPerExample: 4_096 },
  { model: 'babbage-002', maxTokensPerExample: 16_384 },
  { model: 'davinci-002', maxTokensPerExample: 16_384 },
];

/** Undated aliases, resolved to the dated model OpenAI points them to for fine-tuning. */
const aliases: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4': 'gpt-4-0613',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};

/**
 * When a model is not in the table: the 65,536 of the gpt-4o rows for the o200k models (the current
 * generation), the 16,385 of gpt-3.5-turbo otherwise. The report says the limit is a fallback.
 */
const fallbackLimits: Record<TokenizerEncodingName, number> = { o200k_base: 65_536, cl100k_base: 16_385 };

// gpt-4o and every later family (gpt-4.1, gpt-4.5, gpt-5, the o-series) tokenize with o200k_base;
// gpt-4, gpt-3.5-turbo and the base models babbage-002/davinci-002 with cl100k_base.
const o200kModel = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o)/;

export interface FineTuningModelInfo {
  /** The model as given. */
  model: string;
  /** The base model: the second field of a fine-tuned id `ft:<base>:<org>:<suffix>:<id>`, else `model`. */
  baseModel: string;
  encoding: TokenizerEncodingName;
  maxTokensPerExample: number;
  /** `table`: from `fineTuningExampleTokenLimits`; `fallback`: the model is not in it. */
  limitSource: 'table' | 'fallback';
}

/** The tokenizer and the per-example token limit that apply when fine-tuning `model`. */
export function describeFineTuningModel(model: string): FineTuningModelInfo {
  // Fine-tuning a fine-tuned model keeps its base's tokenizer and limits.
  const baseModel = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  const encoding: TokenizerEncodingName = o200kModel.test(baseModel) ? 'o200k_base' : 'cl100k_base';
  const dated = aliases[baseModel] ?? baseModel;
  const row = fineTuningExampleTokenLimits.find((candidate) => candidate.model === dated);
  return {
    model,
    baseModel,
    encoding,
    maxTokensPerExample: row?.maxTokensPerExample ?? fallbackLimits[encoding],
    limitSource: row === undefined ? 'fallback' : 'table',
  };
}
