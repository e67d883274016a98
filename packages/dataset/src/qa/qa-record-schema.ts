import * as arrow from 'apache-arrow';
import { embeddingType } from '../arrow/embedding-vector.js';

/** Schema-level metadata marking a table as QA records, kept in the file's `ARROW:schema`. */
export const qaRecordSchemaMetadata: ReadonlyMap<string, string> = new Map([
  ['tonekit.record', 'qa'],
  ['tonekit.record_version', '1'],
]);

/**
 * The Arrow schema of QA records. `question_embedding` is a `FixedSizeList<Float32>[dimensions]`
 * column, present only when `embeddingDimensions` is given, and then required for every row. `created_at` is an ISO 8601 string rather
 * than a timestamp so it reads identically in Parquet, JSONL and OpenAI fine-tuning exports.
 */
export function qaRecordSchema(embeddingDimensions?: number): arrow.Schema {
  const text = (name: string, nullable = false) => new arrow.Field(name, new arrow.Utf8(), nullable);
  const fields: arrow.Field[] = [
    text('id'),
    text('source_id'),
    text('source_title', true),
    text('source_text'),
    text('question'),
    text('answer'),
    text('conversational_answer'),
    new arrow.Field('flesch', new arrow.Float64(), false),
    new arrow.Field('attempts', new arrow.Int32(), false),
  ];
  if (embeddingDimensions !== undefined) {
    // Not nullable: pyarrow cannot read null fixed-size lists from Parquet (apache/arrow#35692).
    fields.push(new arrow.Field('question_embedding', embeddingType(embeddingDimensions), false));
  }
  fields.push(text('model'), text('created_at'));
  return new arrow.Schema(fields, new Map(qaRecordSchemaMetadata));
}
