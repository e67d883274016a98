/** A question and its grounded answer, as the question call returns them. */
export interface QuestionAnswer {
  question: string;
  answer: string;
}

/**
 * Reads `{question, answer}` from a model's reply, leniently: many models (and local ones without
 * constrained decoding) wrap the JSON in a code fence or a sentence, so we take the outermost `{...}`.
 * Returns undefined when no usable pair is found; the caller counts that as a parse failure.
 */
export function parseQuestionAnswer(text: string): QuestionAnswer | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidates = [text, ...(fenced?.[1] === undefined ? [] : [fenced[1]])];
  for (const candidate of candidates) {
    const start = candidate.indexOf('{');
    const end = candidate.lastIndexOf('}');
    if (start === -1 || end <= start) continue;
    let value: unknown;
    try {
      value = JSON.parse(candidate.slice(start, end + 1));
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const { question, answer } = value as Record<string, unknown>;
    if (typeof question === 'string' && typeof answer === 'string') {
      const pair = { question: question.trim(), answer: answer.trim() };
      if (pair.question !== '' && pair.answer !== '') return pair;
    }
  }
  return undefined;
}

/** Cleans a plain-text rephrasing: models like to add fences or wrap the whole answer in quotes. */
export function cleanRephrasing(text: string): string {
  let result = text.trim();
  const fenced = /^```[a-z]*\s*([\s\S]*?)```$/i.exec(result);
  if (fenced?.[1] !== undefined) result = fenced[1].trim();
  if (result.length >= 2 && /^["“]/.test(result) && /["”]$/.test(result)) result = result.slice(1, -1).trim();
  return result;
}
