/** One source text for generation, with where it came from. */
export interface SourceDocument {
  /** The id column's value, or `<file>:<row>` when the source has none. */
  id: string;
  title?: string;
  text: string;
  source: {
    /** The file, as given (or as found under the folder or glob given). */
    file: string;
    /** Zero-based row (Parquet), record (JSONL) or paragraph (text) index within the file. */
    row: number;
  };
}
