/**
 * Token texts llama.cpp treats as end of generation whatever the model's metadata says
 * (`special_eog_ids` in llama-vocab.cpp of the llama.cpp release node-llama-cpp 3.21.1 bundles). The ONNX
 * source adds the tokens with these texts to the tokenizer's EOS ids, so that both backends report the
 * same `specialTokens.eos` — and so the same vocabulary hash — for one vocabulary: a chat model then stops
 * on `<|im_end|>` or `<|eot_id|>` on either backend, as it was trained to.
 */
export const endOfGenerationTokenTexts: ReadonlySet<string> = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<|return|>',
  '<|call|>',
  '<|flush|>',
  '<|calls|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '</s>',
  '<|eom_id|>',
  '<EOT>',
  '_<EOT>',
  '[EOT]',
  '[EOS]',
  '<|end_of_text|>',
  '<end_of_utterance>',
  '<eos>',
  '<turn|>',
  '<|tool_response>',
  '<｜end▁of▁sentence｜>',
  '[e~[',
]);
