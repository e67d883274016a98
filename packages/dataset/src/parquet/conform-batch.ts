import { InvalidArgumentError } from '@tonekit/core';
import * as arrow from 'apache-arrow';

/** `name: Type` with `?` for nullable columns: the form used in every schema message. */
export function describeField(field: arrow.Field): string {
  return `${field.name}: ${String(field.type)}${field.nullable ? '?' : ''}`;
}

/**
 * Rebuilds a batch on the writer's schema: columns are picked by name (so order does not matter) and
 * must have the same Arrow type. parquet-wasm's streaming writer silently drops a batch whose schema
 * differs from the first one, so mismatches are caught here, with the column named.
 */
export function conformBatch(
  batch: arrow.RecordBatch,
  schema: arrow.Schema,
  argument = 'batch',
): arrow.RecordBatch {
  if (batch.schema === schema) return batch;
  const children: arrow.Data[] = [];
  const problems: string[] = [];
  for (const field of schema.fields) {
    const index = batch.schema.fields.findIndex((candidate) => candidate.name === field.name);
    const candidate = batch.schema.fields[index];
    if (!candidate) {
      problems.push(`missing column ${field.name}`);
      continue;
    }
    if (!arrow.util.compareTypes(candidate.type, field.type)) {
      problems.push(`column ${field.name} is ${String(candidate.type)}, expected ${String(field.type)}`);
      continue;
    }
    const data = batch.data.children[index] as arrow.Data;
    if (!field.nullable && data.nullCount > 0) {
      problems.push(`column ${field.name} is not nullable but has ${data.nullCount} nulls`);
      continue;
    }
    // Same layout, but typed with the schema's own type objects (child field names, nullability).
    children.push(data.clone(field.type));
  }
  const extra = batch.schema.fields.filter(
    (candidate) => !schema.fields.some((field) => field.name === candidate.name),
  );
  if (extra.length > 0) problems.push(`unexpected column ${extra.map((field) => field.name).join(', ')}`);
  if (problems.length > 0) {
    throw new InvalidArgumentError({
      argument,
      message:
        `the batch does not match the writer's schema: ${problems.join('; ')}.\n` +
        `  schema: ${schema.fields.map(describeField).join(', ')}\n` +
        `  batch:  ${batch.schema.fields.map(describeField).join(', ')}`,
    });
  }
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: batch.numRows,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(schema, struct);
}
