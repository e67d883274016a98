import * as arrow from 'apache-arrow';

/**
 * Converts what Arrow and our records hold into plain JSON values: typed arrays (embeddings) and Arrow
 * vectors become arrays, struct rows objects, and 64-bit integers numbers when exact, strings otherwise
 * (JSON.stringify throws on bigint, and rounding ids silently would be worse).
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'number':
      // JSON has no NaN or Infinity; null is what Python's json and pandas write for them too.
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return value;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, toJsonValue);
  }
  if (value instanceof arrow.Vector) return Array.from(value, toJsonValue);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map)
    return Object.fromEntries(Array.from(value, ([key, item]) => [String(key), toJsonValue(item)]));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && !isPlainObject(value)) {
    return toJsonValue((value as { toJSON: () => unknown }).toJSON());
  }
  const result: Record<string, unknown> = {};
  // Like JSON.stringify: undefined properties are left out (in arrays they become null).
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item !== undefined) result[key] = toJsonValue(item);
  }
  return result;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
