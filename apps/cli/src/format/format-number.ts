/** Fixed decimals for scores in human output; JSON output keeps full precision. */
export function formatNumber(value: number, decimals = 2): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}
