import * as arrow from 'apache-arrow';
import { embeddingAt } from '../arrow/embedding-vector.js';
import type { QaRecord } from './qa-record.js';
import { validateQaSchema } from './validate-qa-schema.js';

/**
 * Converts an Arrow table or record batch with QA columns to records (the schema is validated first;
 * extra columns are ignored). Embeddings from `FixedSizeList<Float32>` columns are views on the
 * table's memory, not copies: copy them (`slice()`) before mutating.
 */
export function tableToQaRecords(data: arrow.Table | arrow.RecordBatch, file?: string): QaRecord[] {
  validateQaSchema(data.schema, file);
  const column = (name: string) => data.getChild(name) as arrow.Vector | null;
  const id = column('id') as arrow.Vector;
  const sourceId = column('source_id') as arrow.Vector;
  const sourceTitle = column('source_title');
  const sourceText = column('source_text') as arrow.Vector;
  const question = column('question') as arrow.Vector;
  const answer = column('answer') as arrow.Vector;
  const conversationalAnswer = column('conversational_answer') as arrow.Vector;
  const flesch = column('flesch') as arrow.Vector;
  const attempts = column('attempts') as arrow.Vector;
  const embedding = column('question_embedding');
  const model = column('model') as arrow.Vector;
  const createdAt = column('created_at') as arrow.Vector;
  const fixedFloat32 =
    embedding !== null &&
    arrow.DataType.isFixedSizeList(embedding.type) &&
    (embedding.type.children[0]?.type as arrow.Float | undefined)?.precision === arrow.Precision.SINGLE;

  const records: QaRecord[] = new Array(data.numRows);
  for (let row = 0; row < data.numRows; row++) {
    const record: QaRecord = {
      id: id.get(row) as string,
      source_id: sourceId.get(row) as string,
      source_title: (sourceTitle?.get(row) as string | null | undefined) ?? null,
      source_text: sourceText.get(row) as string,
      question: question.get(row) as string,
      answer: answer.get(row) as string,
      conversational_answer: conversationalAnswer.get(row) as string,
      flesch: Number(flesch.get(row)),
      attempts: Number(attempts.get(row)),
      model: model.get(row) as string,
      created_at: createdAt.get(row) as string,
    };
    if (embedding) {
      if (fixedFloat32) {
        record.question_embedding = embeddingAt(
          embedding as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>,
          row,
        );
      } else {
        // Lists or float64 from other tools: converted (one copy) to the Float32Array the type promises.
        const value = embedding.get(row) as arrow.Vector | null;
        record.question_embedding =
          value === null ? null : Float32Array.from(value.toArray() as ArrayLike<number>);
      }
    }
    records[row] = record;
  }
  return records;
}
