import type * as arrow from 'apache-arrow';

/**
 * Whether a value is an Arrow table, by shape rather than `instanceof`: a table built with another
 * installed copy of apache-arrow is a different class but the same data.
 */
export function isArrowTable(value: unknown): value is arrow.Table {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as arrow.Table).batches) &&
    'schema' in value
  );
}

/** Whether a value is an Arrow schema, by shape (see `isArrowTable`). */
export function isArrowSchema(value: unknown): value is arrow.Schema {
  return typeof value === 'object' && value !== null && Array.isArray((value as arrow.Schema).fields);
}
