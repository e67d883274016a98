import * as arrow from 'apache-arrow';
import { DatasetSchemaError } from '../errors/dataset-schema-error.js';
import { describeField } from '../parquet/conform-batch.js';

interface ColumnRule {
  name: string;
  description: string;
  accepts: (type: arrow.DataType) => boolean;
  required: boolean;
}

const isText = (type: arrow.DataType) => arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type);
const isFloatList = (type: arrow.DataType) =>
  (arrow.DataType.isFixedSizeList(type) ||
    arrow.DataType.isList(type) ||
    type.typeId === arrow.Type.LargeList) &&
  arrow.DataType.isFloat(type.children[0]?.type);

// Readers accept what other tools commonly write for the same data (large_string from polars,
// list<float> from HF datasets), so a round trip through pandas does not make a file unreadable.
const rules: ColumnRule[] = [
  { name: 'id', description: 'id: Utf8', accepts: isText, required: true },
  { name: 'source_id', description: 'source_id: Utf8', accepts: isText, required: true },
  { name: 'source_title', description: 'source_title: Utf8?', accepts: isText, required: false },
  { name: 'source_text', description: 'source_text: Utf8', accepts: isText, required: true },
  { name: 'question', description: 'question: Utf8', accepts: isText, required: true },
  { name: 'answer', description: 'answer: Utf8', accepts: isText, required: true },
  {
    name: 'conversational_answer',
    description: 'conversational_answer: Utf8',
    accepts: isText,
    required: true,
  },
  { name: 'flesch', description: 'flesch: Float64', accepts: arrow.DataType.isFloat, required: true },
  { name: 'attempts', description: 'attempts: Int32', accepts: arrow.DataType.isInt, required: true },
  {
    name: 'question_embedding',
    description: 'question_embedding: FixedSizeList<Float32>? (optional)',
    accepts: isFloatList,
    required: false,
  },
  { name: 'model', description: 'model: Utf8', accepts: isText, required: true },
  { name: 'created_at', description: 'created_at: Utf8', accepts: isText, required: true },
];

/**
 * Checks that a schema can be read as QA records and throws a DatasetSchemaError listing the expected
 * and found columns when not. Extra columns are allowed (ignored by the converters).
 */
export function validateQaSchema(schema: arrow.Schema, file = '<table>'): void {
  const problems: string[] = [];
  for (const rule of rules) {
    const field = schema.fields.find((candidate) => candidate.name === rule.name);
    if (!field) {
      if (rule.required) problems.push(`missing column ${rule.name}`);
      continue;
    }
    if (!rule.accepts(field.type)) problems.push(`column ${rule.name} is ${String(field.type)}`);
  }
  if (problems.length > 0) {
    throw new DatasetSchemaError({
      file,
      problems,
      expected: rules.map((rule) => rule.description),
      found: schema.fields.map(describeField),
    });
  }
}
