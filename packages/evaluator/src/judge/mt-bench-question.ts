/** The eight MT-Bench categories, ten questions each. */
export type MtBenchCategory =
  | 'writing'
  | 'roleplay'
  | 'reasoning'
  | 'math'
  | 'coding'
  | 'extraction'
  | 'stem'
  | 'humanities';

/** One line of FastChat's `question.jsonl`, in camelCase. */
export interface MtBenchQuestion {
  questionId: number;
  /** One of `MtBenchCategory` for MT-Bench itself; other question sets bring their own. */
  category: string;
  /** The user turns, two for MT-Bench. */
  turns: string[];
  /** Short reference solutions some questions carry (not used by single-answer grading, which reads `referenceAnswers`). */
  reference?: string[];
}

/** A model's answers to one question: one per turn, as FastChat's `model_answer/*.jsonl` holds them. */
export interface MtBenchAnswer {
  questionId: number;
  /** The model that answered, when known. */
  modelId?: string;
  turns: string[];
}
