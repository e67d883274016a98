/**
 * One synthesized question–answer pair, exactly as stored (DESIGN §4). Keys are the column names of the
 * Parquet files and of JSONL exports, so a record looks the same in TypeScript, pandas and DuckDB.
 */
export interface QaRecord {
  /** Unique id of the pair. */
  id: string;
  /** Id of the source chunk the pair was generated from. */
  source_id: string;
  /** Title of the source document, when it has one. */
  source_title?: string | null;
  /** The source chunk itself. */
  source_text: string;
  question: string;
  /** The generator's original answer. */
  answer: string;
  /** The kept conversational rephrasing of `answer`. */
  conversational_answer: string;
  /** Flesch reading ease of `conversational_answer`. */
  flesch: number;
  /** Rephrasing attempts it took (1 = the first rephrase was readable enough). */
  attempts: number;
  /**
   * Embedding of `question`, used for near-duplicate removal. In a table, either every record has one
   * or the column is absent (see `qaRecordSchema`); `null` only appears when reading files from other
   * tools that allow missing embeddings.
   */
  question_embedding?: Float32Array | null;
  /** Model that generated the pair. */
  model: string;
  /** ISO 8601 time of creation, UTC (`2025-01-31T12:00:00.000Z`). */
  created_at: string;
}
