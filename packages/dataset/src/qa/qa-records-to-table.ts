import { InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';
import { makeEmbeddingVector } from '../arrow/embedding-vector.js';
import { makeUtf8Vector } from '../arrow/make-utf8-vector.js';
import type { QaRecord } from './qa-record.js';
import { qaRecordSchema } from './qa-record-schema.js';

export interface QaRecordsToTableOptions {
  /**
   * Dimensions of `question_embedding`. Default: the length of the first embedding found; without any
   * embedding (and without this option) the column is left out. When there is a column, every record
   * needs an embedding.
   */
  embeddingDimensions?: number;
}

const requiredText = [
  'id',
  'source_id',
  'source_text',
  'question',
  'answer',
  'conversational_answer',
  'model',
  'created_at',
] as const;

/** Converts QA records to an Arrow table with the `qaRecordSchema` columns, validating every field. */
export function qaRecordsToTable(
  records: ReadonlyArray<QaRecord>,
  { embeddingDimensions }: QaRecordsToTableOptions = {},
): arrow.Table {
  const dimensions =
    embeddingDimensions ?? records.find((record) => record.question_embedding)?.question_embedding?.length;
  const schema = qaRecordSchema(dimensions);
  for (const [index, record] of records.entries()) {
    for (const key of requiredText) {
      if (typeof record[key] !== 'string') {
        throw new InvalidArgumentError({
          argument: `records[${index}].${key}`,
          value: record[key],
          message: `expected a string, got ${record[key] === null ? 'null' : typeof record[key]}.`,
        });
      }
    }
    if (
      record.source_title !== undefined &&
      record.source_title !== null &&
      typeof record.source_title !== 'string'
    ) {
      throw new InvalidArgumentError({
        argument: `records[${index}].source_title`,
        value: record.source_title,
        message: 'expected a string, null or undefined.',
      });
    }
    if (typeof record.flesch !== 'number' || Number.isNaN(record.flesch)) {
      throw new InvalidArgumentError({
        argument: `records[${index}].flesch`,
        value: record.flesch,
        message: 'expected a number.',
      });
    }
    if (!Number.isInteger(record.attempts) || record.attempts < 0 || record.attempts > 2 ** 31 - 1) {
      throw new InvalidArgumentError({
        argument: `records[${index}].attempts`,
        value: record.attempts,
        message: 'expected a non-negative 32-bit integer.',
      });
    }
    if (dimensions !== undefined && !record.question_embedding) {
      // pyarrow (through at least 25.0) cannot read a Parquet fixed-size list column that contains a
      // null (apache/arrow#35692), so the column is all-or-nothing.
      throw new InvalidArgumentError({
        argument: `records[${index}].question_embedding`,
        value: record.question_embedding,
        message:
          'is missing while other records have one; give every record an embedding or none ' +
          '(pyarrow cannot read null fixed-size lists, apache/arrow#35692).',
      });
    }
  }
  const text = (key: keyof QaRecord) =>
    makeUtf8Vector(records.map((record) => record[key] as string | null | undefined));
  const columns: Record<string, arrow.Vector> = {
    id: text('id'),
    source_id: text('source_id'),
    source_title: text('source_title'),
    source_text: text('source_text'),
    question: text('question'),
    answer: text('answer'),
    conversational_answer: text('conversational_answer'),
    flesch: arrow.makeVector(Float64Array.from(records, (record) => record.flesch)),
    attempts: arrow.makeVector(Int32Array.from(records, (record) => record.attempts)),
    model: text('model'),
    created_at: text('created_at'),
  };
  if (dimensions !== undefined) {
    columns['question_embedding'] = makeEmbeddingVector(
      records.map((record) => record.question_embedding),
      dimensions,
    );
  }
  const children = schema.fields.map((field) => (columns[field.name] as arrow.Vector).data[0] as arrow.Data);
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: records.length,
    nullCount: 0,
    children,
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}
