/**
 * Python's `f'{value:.{digits}f}'`, for strings that must read exactly like sacreBLEU's (signature,
 * `format()`). `Number.prototype.toFixed` agrees except on exact ties, where it rounds away from zero
 * and Python rounds half to even (0.125 → "0.13" vs "0.12"), on negative zero, and at 1e21 and above.
 */
export function formatPythonFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e21) {
    // An integer at this size; toFixed would switch to exponent notation.
    const integer = BigInt(magnitude).toString();
    return sign + (digits > 0 ? `${integer}.${'0'.repeat(digits)}` : integer);
  }
  // A tie at `digits` decimals is exactly m / 2^(digits+1) with m odd; scaling by a power of two is exact.
  const scaled = magnitude * 2 ** (digits + 1);
  if (Number.isInteger(scaled) && scaled % 2 === 1 && magnitude * 10 ** digits < 2 ** 52) {
    const below = Math.floor(magnitude * 10 ** digits);
    const chosen = below % 2 === 0 ? below : below + 1;
    if (digits === 0) return sign + String(chosen);
    const padded = String(chosen).padStart(digits + 1, '0');
    return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  }
  return sign + magnitude.toFixed(digits);
}
