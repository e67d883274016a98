// The four single-answer grading prompts of FastChat's llm_judge, copied verbatim from
// `fastchat/llm_judge/data/judge_prompts.jsonl` (https://github.com/lm-sys/FastChat).
// FastChat, by the LMSYS team, is licensed under the Apache License, Version 2.0
// (http://www.apache.org/licenses/LICENSE-2.0); these strings are reproduced under that license. They
// are embedded so that grading needs no file at run time; `loadMtBenchJudgePrompts` reads the original.
// Typos such as "You evaluation" are FastChat's and stay: the judge must see the prompts MT-Bench used.

/** One judge prompt of FastChat's `judge_prompts.jsonl` (type `single`). */
export interface MtBenchJudgePrompt {
  /** FastChat's name, e.g. `single-v1`; recorded with every judgment. */
  name: string;
  /** The system message. */
  systemPrompt: string;
  /**
   * The user message, a Python `str.format` template over `{question}`, `{answer}` and `{ref_answer_1}`
   * (single turn) or `{question_1}`, `{answer_1}`, `{question_2}`, `{answer_2}`, `{ref_answer_1}`,
   * `{ref_answer_2}` (multi-turn).
   */
  promptTemplate: string;
  /** Always `[[rating]]` for single-answer grading. */
  outputFormat: string;
}

/** The four prompts MT-Bench single-answer grading uses, as FastChat's `make_judge_single` picks them. */
export interface MtBenchJudgePromptSet {
  /** Turn 1 of general questions (`single-v1`). */
  single: MtBenchJudgePrompt;
  /** Turn 1 of reference-graded questions: math, reasoning, coding (`single-math-v1`). */
  singleMath: MtBenchJudgePrompt;
  /** Turn 2 of general questions (`single-v1-multi-turn`). */
  singleMultiTurn: MtBenchJudgePrompt;
  /** Turn 2 of reference-graded questions (`single-math-v1-multi-turn`). */
  singleMathMultiTurn: MtBenchJudgePrompt;
}

/** Which prompt of FastChat's file each member of `MtBenchJudgePromptSet` is. */
export const MT_BENCH_JUDGE_PROMPT_NAMES: Readonly<Record<keyof MtBenchJudgePromptSet, string>> =
  Object.freeze({
    single: 'single-v1',
    singleMath: 'single-math-v1',
    singleMultiTurn: 'single-v1-multi-turn',
    singleMathMultiTurn: 'single-math-v1-multi-turn',
  });

/** FastChat's MT-Bench single-answer grading prompts (Apache-2.0, see the header of this file). */
export const MT_BENCH_JUDGE_PROMPTS: Readonly<MtBenchJudgePromptSet> = Object.freeze({
  single: Object.freeze({
    name: 'single-v1',
    systemPrompt: 'You are a helpful assistant.',
    promptTemplate:
      '[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n[Question]\n{question}\n\n[The Start of Assistant\'s Answer]\n{answer}\n[The End of Assistant\'s Answer]',
    outputFormat: '[[rating]]',
  }),
  singleMath: Object.freeze({
    name: 'single-math-v1',
    systemPrompt: 'You are a helpful assistant.',
    promptTemplate:
      '[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider correctness and helpfulness. You will be given a reference answer and the assistant\'s answer. Begin your evaluation by comparing the assistant\'s answer with the reference answer. Identify and correct any mistakes. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n[Question]\n{question}\n\n[The Start of Reference Answer]\n{ref_answer_1}\n[The End of Reference Answer]\n\n[The Start of Assistant\'s Answer]\n{answer}\n[The End of Assistant\'s Answer]',
    outputFormat: '[[rating]]',
  }),
  singleMultiTurn: Object.freeze({
    name: 'single-v1-multi-turn',
    systemPrompt:
      'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. You evaluation should focus on the assistant\'s answer to the second user question. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n',
    promptTemplate:
      "<|The Start of Assistant A's Conversation with User|>\n\n### User:\n{question_1}\n\n### Assistant A:\n{answer_1}\n\n### User:\n{question_2}\n\n### Assistant A:\n{answer_2}\n\n<|The End of Assistant A's Conversation with User|>",
    outputFormat: '[[rating]]',
  }),
  singleMathMultiTurn: Object.freeze({
    name: 'single-math-v1-multi-turn',
    systemPrompt:
      'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question. Your evaluation should consider correctness and helpfulness. You will be given a reference answer and the assistant\'s answer. You evaluation should focus on the assistant\'s answer to the second question. Begin your evaluation by comparing the assistant\'s answer with the reference answer. Identify and correct any mistakes. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n',
    promptTemplate:
      "<|The Start of Reference Answer|>\n\n### User:\n{question_1}\n\n### Reference answer:\n{ref_answer_1}\n\n### User:\n{question_2}\n\n### Reference answer:\n{ref_answer_2}\n\n<|The End of Reference Answer|>\n\n\n<|The Start of Assistant A's Conversation with User|>\n\n### User:\n{question_1}\n\n### Assistant A:\n{answer_1}\n\n### User:\n{question_2}\n\n### Assistant A:\n{answer_2}\n\n<|The End of Assistant A's Conversation with User|>",
    outputFormat: '[[rating]]',
  }),
});
