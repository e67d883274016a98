/**
 * The two system prompts of seed A (Marquardt & Brule, Restack, 2025, appendix A.5), quoted verbatim
 * with attribution as the method's parameters:
 * - `concise`: used in the fine-tuning data and at inference with fine-tuned models;
 * - `verbose`: used to prompt base models, with the Flesch reading ease instruction.
 * Shared by the trainer (training data) and the evaluator (evaluation runs), hence in core.
 */
export const systemPromptPresets = {
  concise:
    'You are a helpful assistant. You answer questions in a natural, conversational tone, like in a spoken conversation.',
  verbose:
    'You are a helpful assistant. You answer questions in a natural, conversational tone, like in a spoken conversation. You give short and concise answers. Your answers must be one to four sentences long. The Flesch Reading Ease Score is a metric to assess how difficult a text passage is to understand. Higher scores indicate text that is easier. Please formulate your answer such that it would receive a Flesch Reading Ease Score of above 60.',
} as const;

export type SystemPromptPresetName = keyof typeof systemPromptPresets;

/** A preset's text for its name (`concise`, `verbose`); any other string is a custom prompt, returned as is. */
export function resolveSystemPrompt(nameOrText: string): string {
  return Object.hasOwn(systemPromptPresets, nameOrText)
    ? systemPromptPresets[nameOrText as SystemPromptPresetName]
    : nameOrText;
}
