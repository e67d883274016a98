// Errors are recognized by registry-symbol markers instead of `instanceof`, because two copies of core
// (duplicated installs, bundles) have different classes but share `Symbol.for` keys. Exported so that
// error classes in other tonekit packages follow the same scheme.

/** Tags an error instance; non-enumerable so the marker stays out of logs and test diffs. */
export function setErrorMarker(error: object, marker: symbol): void {
  Object.defineProperty(error, marker, { value: true, enumerable: false });
}

export function hasErrorMarker(value: unknown, marker: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
