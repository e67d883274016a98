import { type ChatMessage, InvalidArgumentError } from '@tonekit/core';

type JinjaTemplate = import('@huggingface/jinja').Template;

export interface ChatTemplateTokens {
  bos_token?: string;
  eos_token?: string;
  unk_token?: string;
  pad_token?: string;
}

/** A compiled chat template that renders message lists to prompt text. */
export interface ChatTemplateRenderer {
  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string;
}

/**
 * Compiles a model's Jinja chat template with @huggingface/jinja — the engine transformers.js uses for
 * `apply_chat_template`, and the one node-llama-cpp's `JinjaTemplateChatWrapper` renders with — and
 * renders it with the variables transformers passes (`messages`, `add_generation_prompt`, the special
 * token strings). We render the template as written rather than through node-llama-cpp's chat wrappers:
 * those rewrite the history first (placeholder contents that bypass `| trim`, joined adjacent messages,
 * a sanity check that rejects templates which raise on system messages), so their text differs from
 * what the same template gives on the Hugging Face side, and two backends of one vocabulary would feed
 * different prompts.
 */
export async function compileChatTemplate(
  template: string,
  tokens: ChatTemplateTokens,
): Promise<ChatTemplateRenderer> {
  const { Template } = await import('@huggingface/jinja');
  let compiled: JinjaTemplate;
  try {
    compiled = new Template(template);
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'chatTemplate',
      message: `the model's chat template does not parse: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const special = Object.fromEntries(Object.entries(tokens).filter(([, value]) => value !== undefined));
  return {
    render(messages, addGenerationPrompt) {
      try {
        return compiled.render({
          messages: messages.map(({ role, content }) => ({ role, content })),
          add_generation_prompt: addGenerationPrompt,
          // null, not undefined: templates test `tools is not none`, and undefined is not none in Jinja.
          tools: null,
          documents: null,
          ...special,
        });
      } catch (error) {
        // Templates reject conversations they cannot express (`raise_exception('...')`), e.g. a system turn.
        throw new InvalidArgumentError({
          argument: 'messages',
          message: `the model's chat template rejected them: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
    },
  };
}
