/** The three prompts of the pipeline. Placeholders in `{braces}` are filled in by the pipeline. */
export interface DatagenPrompts {
  /** System prompt of the question call. The user message is the chunk (`{title}`, `{text}`). */
  question: string;
  /** User template of the first rephrase: `{question}`, `{answer}`. */
  rephrase: string;
  /** User template of each simplification: `{question}`, `{answer}`, `{previous}`, `{flesch}`, `{threshold}`. */
  simplify: string;
}

/**
 * Defaults modelled on seed A §2.2: one grounded, interesting question per chunk, then a conversational
 * rephrasing that keeps the meaning, then "simpler, please" until the Flesch score is high enough.
 * The answer stays grounded in the chunk because the rephrase prompts only ever see the original answer.
 */
export const defaultPrompts: DatagenPrompts = {
  question: [
    'You write questions that curious people would ask a voice assistant.',
    'Read the passage and write ONE interesting question that the passage answers, and its answer.',
    'The question must make sense without the passage (no "according to the passage", no "this article").',
    'The answer must be correct and supported by the passage only; 1 to 4 sentences.',
    'Reply with JSON only: {"question": "...", "answer": "..."}.',
  ].join('\n'),
  rephrase: [
    'Rephrase the answer below as a friendly voice assistant would say it out loud: conversational,',
    'short sentences, everyday words, no lists or markup. Keep exactly the same meaning and facts.',
    'Reply with the rephrased answer only.',
    '',
    'Question: {question}',
    'Answer: {answer}',
  ].join('\n'),
  simplify: [
    'This spoken answer is still too hard to follow (Flesch reading ease {flesch}; it needs at least {threshold}).',
    'Make it simpler: shorter sentences, shorter and more common words. Keep the same meaning and facts.',
    'Reply with the simplified answer only.',
    '',
    'Question: {question}',
    'Original answer: {answer}',
    'Current answer: {previous}',
  ].join('\n'),
};

/** Replaces `{name}` placeholders; unknown names are left as they are so typos stay visible. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
